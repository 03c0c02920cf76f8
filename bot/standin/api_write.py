"""Web API methods that change the workspace: chat.* and reactions.*."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from bot.standin.blockcheck import check_message
from bot.standin.model import BOT_ID, BOT_USER_ID, JSON, ApiError, Ephemeral, Message
from bot.standin.params import Params, visible_channel
from bot.standin.shapes import message_json
from bot.standin.state import Workspace


def _with_block_ids(blocks: list[JSON] | None) -> list[JSON]:
    # Slack gives every block without a block_id one of its own; clicks report it.
    return [
        b if b.get("block_id") else {**b, "block_id": uuid.uuid4().hex[:5]} for b in blocks or []
    ]


def _content(params: Params) -> tuple[str, list[JSON], list[JSON]]:
    text, blocks, attachments = params.text("text"), params.blocks(), params.blocks("attachments")
    if not (text or blocks or attachments):
        raise ApiError("no_text")
    check_message(text, blocks)
    return text, _with_block_ids(blocks), attachments or []


def chat_post_message(ws: Workspace, params: Params) -> JSON:
    """Post as the bot; a reply with reply_broadcast also shows in the channel."""
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    text, blocks, attachments = _content(params)
    thread_ts = params.optional("thread_ts")
    broadcast = thread_ts is not None and params.flag("reply_broadcast")
    message = ws.post(
        Message(
            channel,
            "",
            BOT_USER_ID,
            text,
            blocks,
            attachments,
            thread_ts=thread_ts,
            subtype="thread_broadcast" if broadcast else None,
            bot_id=BOT_ID,
            metadata=params.structured("metadata"),
        )
    )
    with ws.changed:
        shaped = message_json(ws, message)
    return {"ok": True, "channel": channel, "ts": message.ts, "message": shaped}


def chat_update(ws: Workspace, params: Params) -> JSON:
    """Edit one of the bot's messages; arguments left out keep their old value (Slack's rule)."""
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    ts = params.required("ts", "message_not_found")
    with ws.changing():
        message = ws.find(channel, ts)
        if message.user != BOT_USER_ID:
            raise ApiError("cant_update_message")
        text = params.text("text") if "text" in params else message.text
        blocks = params.blocks() if "blocks" in params else message.blocks
        check_message(text, blocks)
        blocks = _with_block_ids(blocks)
        attachments = message.attachments
        if "attachments" in params:
            attachments = params.blocks("attachments") or []
        if not (text or blocks or attachments):
            raise ApiError("no_text")
        message.text, message.blocks, message.attachments = text, blocks, attachments
        message.edited = {"user": BOT_USER_ID, "ts": ws.next_ts()}
        shaped = message_json(ws, message)
    return {"ok": True, "channel": channel, "ts": ts, "text": message.text, "message": shaped}


def chat_post_ephemeral(ws: Workspace, params: Params) -> JSON:
    """Show a message to one member of the conversation only."""
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    user = ws.user(params.required("user", "user_not_found")).id
    if user not in ws.channel(channel).members:
        raise ApiError("user_not_in_channel")
    text, blocks, _ = _content(params)
    thread_ts = params.optional("thread_ts")
    posted = ws.post_ephemeral(Ephemeral(channel, user, "", text, blocks, thread_ts))
    return {"ok": True, "message_ts": posted.ts}


def chat_delete(ws: Workspace, params: Params) -> JSON:
    """Delete one of the bot's messages."""
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    ts = params.required("ts", "message_not_found")
    with ws.changing():
        if ws.find(channel, ts).user != BOT_USER_ID:
            raise ApiError("cant_delete_message")
        ws.remove(channel, ts)
    return {"ok": True, "channel": channel, "ts": ts}


def chat_get_permalink(ws: Workspace, params: Params) -> JSON:
    """A link to a message, thread replies pointing into their thread."""
    channel = ws.channel(params.required("channel", "channel_not_found")).id
    ts = params.required("message_ts", "message_not_found")
    message = ws.find(channel, ts)
    link = f"{ws.base_url}/archives/{channel}/p{ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel}"
    return {"ok": True, "channel": channel, "permalink": link}


def _reaction(ws: Workspace, params: Params, *, add: bool) -> JSON:
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    ts = params.required("timestamp", "message_not_found")
    name = params.required("name", "invalid_name").strip(":")
    ws.react(channel, ts, name, BOT_USER_ID, add=add)
    return {"ok": True}


def reactions_add(ws: Workspace, params: Params) -> JSON:
    """React as the bot; a second identical reaction is Slack's already_reacted."""
    return _reaction(ws, params, add=True)


def reactions_remove(ws: Workspace, params: Params) -> JSON:
    """Take the bot's reaction back; Slack answers no_reaction when there is none."""
    return _reaction(ws, params, add=False)


WRITE_METHODS: dict[str, Callable[[Workspace, Params], JSON]] = {
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
}
