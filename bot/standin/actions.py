"""What people do in the workspace, before Slack tells the bot: post, share, delete, type commands."""

from __future__ import annotations

import json
import time

from bot.standin.hooks import respond
from bot.standin.model import (
    BOT_USER_ID,
    JSON,
    SLACK_TIMEOUT,
    SLACKBOT_ID,
    ApiError,
    Channel,
    Command,
    Ephemeral,
    File,
    Message,
    ResponseHook,
)
from bot.standin.payloads import app_mention_event, message_event, rich_text
from bot.standin.state import Workspace

MESSAGE_SUBSCRIPTION = {
    "channel": "message.channels",
    "group": "message.groups",
    "im": "message.im",
}


def member_channel(ws: Workspace, channel: str, user: str) -> Channel:
    """The conversation, provided the person is in it (and so may post or click there)."""
    conversation = ws.channel(channel)
    if user not in conversation.members:
        where = conversation.name or conversation.id
        raise LookupError(f"{ws.name_of(user)} is not a member of {where}, so cannot act there.")
    return conversation


def tells_bot(channel: Channel, subscription: str, subscriptions: frozenset[str]) -> bool:
    """Slack sends an event only when subscribed, and only about conversations the bot is in."""
    return BOT_USER_ID in channel.members and subscription in subscriptions


def message_events(
    ws: Workspace, message: Message, channel: Channel, subscriptions: frozenset[str]
) -> list[JSON]:
    """The events one person's message fires: `message`, then `app_mention` if it mentions the bot."""
    events: list[JSON] = []
    base = message_event(ws, message, channel)
    if tells_bot(channel, MESSAGE_SUBSCRIPTION[channel.kind], subscriptions):
        events.append(base)
    # Slack sends app_mention for channels only; in a DM the message event is all there is.
    mentioned = f"<@{BOT_USER_ID}>" in message.text and not channel.is_im
    if mentioned and tells_bot(channel, "app_mention", subscriptions):
        mention = app_mention_event(base)
        if "user_team" in mention:  # Slack Connect: the mention is filed under our team
            mention["team"] = ws.team.id
        events.append(mention)
    return events


def post_as(
    ws: Workspace,
    text: str,
    user: str,
    channel: str,
    thread_ts: str | None,
    *,
    broadcast: bool = False,
) -> tuple[Channel, Message]:
    """A person's message, with the rich_text block Slack's client adds.

    `broadcast` is "Also send to #channel" on a thread reply (subtype thread_broadcast).
    """
    conversation = member_channel(ws, channel, user)
    message = Message(conversation.id, "", user, text, rich_text(text), thread_ts=thread_ts)
    if broadcast:
        if not thread_ts:
            raise ValueError("Only a thread reply can also be sent to the channel.")
        message.subtype = "thread_broadcast"
    return conversation, ws.post(message)


def upload_and_share(
    ws: Workspace, name: str, data: bytes, user: str, channel: str, *, mimetype: str, comment: str
) -> tuple[Channel, Message, File]:
    """Upload a file and share it with a file_share message (shared before any event fires)."""
    conversation = member_channel(ws, channel, user)
    filetype = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    file = File(ws.next_id("F"), name, name, mimetype, filetype, data, user, int(time.time()))
    message = Message(conversation.id, "", user, comment, rich_text(comment))
    message.subtype, message.files = "file_share", [file.id]
    with ws.changing():
        ws.add_file(file)
        posted = ws.post(message)
        file.shares.setdefault(conversation.id, []).append(posted.ts)
    return conversation, posted, file


def delete_file(ws: Workspace, file_id: str) -> bool:
    """Delete a file everywhere; True when the bot could see it (and so hears about it)."""
    with ws.changing():
        file = ws.file(file_id)
        file.deleted = True
        return any(BOT_USER_ID in ws.channels[c].members for c in file.shares)


def type_command(
    ws: Workspace, command: str, text: str, user: str, channel: str
) -> tuple[Channel, str]:
    """Record a slash command as typed and open its response_url; returns the hook id."""
    conversation = member_channel(ws, channel, user)
    with ws.changing():
        ws.commands.append(Command(conversation.id, user, ws.next_ts(), command, text))
    hook = ResponseHook(ws.next_id("R"), conversation.id, user, answer_ts=ws.next_ts())
    return conversation, ws.new_hook(hook)


def clickable(ws: Workspace, channel: str, ts: str, user: str) -> tuple[Message | Ephemeral, str]:
    """The message a person clicks on (theirs to see) and the response_url hook of the click."""
    member_channel(ws, channel, user)
    with ws.changed:
        source: Message | Ephemeral | None = None
        for ephemeral in ws.ephemerals:
            if (ephemeral.channel, ephemeral.ts, ephemeral.user) == (channel, ts, user):
                source = ephemeral
        source = source or ws.find(channel, ts)
    hook = ResponseHook(ws.next_id("R"), channel, user, source.thread_ts, ts)
    hook.source_ephemeral = isinstance(source, Ephemeral)
    return source, ws.new_hook(hook)


def show_command_answer(
    ws: Workspace, hook_id: str, command: str, answer: tuple[int, str, float]
) -> None:
    """Slack shows a command's HTTP answer to the person; a failed or slow one shows an error."""
    status, body, elapsed = answer
    if status != 200 or elapsed > SLACK_TIMEOUT:
        error = "operation_timeout" if elapsed > SLACK_TIMEOUT else "dispatch_failed"
        hook = ws.hooks[hook_id]
        text = f'{command} failed with the error "{error}"'
        notice = Ephemeral(hook.channel, hook.user, hook.answer_ts, text)
        notice.sender, notice.source = SLACKBOT_ID, "slack"
        ws.post_ephemeral(notice)
        return
    shown = body.strip()
    if shown:
        message = json.loads(shown) if shown.startswith("{") else {"text": shown}
        try:
            respond(ws, hook_id, message, counts=False, ts=ws.hooks[hook_id].answer_ts)
        except ApiError as refused:  # e.g. invalid_blocks: Slack shows nothing
            ws.record("command.answer", {"hook": hook_id, **message}, 200, refused.code)
