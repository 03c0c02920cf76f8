"""Web API methods for AI apps: chat.*Stream and assistant.threads.*.

A streamed message is always a reply: it appears in the thread at once (taking away
the thread's status, like any reply of the bot's), grows with each append, and is
finished by chat.stopStream, which may add blocks under the text. A stream left
alone for `Surfaces.stream_lifetime` seconds (Slack: about five minutes) expires, and
both an expired and a stopped stream answer message_not_in_streaming_state.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from bot.standin.blockcheck import MAX_TEXT, check_blocks, check_message
from bot.standin.model import BOT_ID, BOT_USER_ID, JSON, ApiError, Message
from bot.standin.params import Params, visible_channel
from bot.standin.shapes import message_json
from bot.standin.state import Workspace
from bot.standin.surfaces import Key, Stream

MAX_MARKDOWN = 12_000  # markdown_text in one call
CHUNK_TYPES = frozenset({"markdown_text", "task_update", "plan_update", "blocks"})
MAX_LOADING_MESSAGES = 10
MAX_PROMPTS = 4


def _chunks(params: Params) -> list[JSON]:
    chunks = params.structured("chunks")
    if chunks is None:
        return []
    if not isinstance(chunks, list) or not all(isinstance(c, dict) for c in chunks):
        raise ApiError("invalid_chunks")
    for chunk in chunks:
        if chunk.get("type") not in CHUNK_TYPES:
            raise ApiError("invalid_chunks")
        if chunk["type"] == "markdown_text" and not isinstance(chunk.get("text"), str):
            raise ApiError("invalid_chunks")
    return chunks


def _new_text(params: Params, chunks: list[JSON]) -> str:
    """The markdown one call adds: `markdown_text`, then any markdown_text chunks."""
    pieces = [params.text("markdown_text")]
    pieces += [str(c["text"]) for c in chunks if c["type"] == "markdown_text"]
    if any(len(piece) > MAX_MARKDOWN for piece in pieces):
        raise ApiError("msg_too_long")
    return "".join(pieces)


def _chunk_blocks(chunks: list[JSON]) -> list[JSON]:
    blocks = [b for c in chunks if c["type"] == "blocks" for b in c.get("blocks") or []]
    if blocks:
        check_blocks(blocks)
    return blocks


def _grown(message: Message, text: str, chunks: list[JSON]) -> tuple[str, list[JSON]]:
    """The message's text and blocks after this call; nothing changes until all is valid."""
    if len(message.text) + len(text) > MAX_TEXT:
        raise ApiError("msg_too_long")
    return message.text + text, [*message.blocks, *_chunk_blocks(chunks)]


def chat_start_stream(ws: Workspace, params: Params) -> JSON:
    """Start a streamed reply; outside a DM Slack must be told whom it is for."""
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    thread_ts = params.required("thread_ts", "invalid_arguments")
    user, team = params.optional("recipient_user_id"), params.optional("recipient_team_id")
    if not ws.channel(channel).is_im:
        if user is None:
            raise ApiError("missing_recipient_user_id")
        if team is None:
            raise ApiError("missing_recipient_team_id")
    if user is not None:
        ws.user(user)
    chunks = _chunks(params)
    text = _new_text(params, chunks)
    with ws.changing():
        blocks = _with_ids(_chunk_blocks(chunks))
        posted = ws.post(
            Message(channel, "", BOT_USER_ID, text, blocks, thread_ts=thread_ts, bot_id=BOT_ID)
        )
        ws.surfaces.streams[(channel, posted.ts)] = Stream(
            channel, posted.ts, chunks=list(chunks), recipient_user_id=user, recipient_team_id=team
        )
    return {"ok": True, "channel": channel, "ts": posted.ts}


def _open_stream(ws: Workspace, params: Params) -> tuple[Key, Message, Stream]:
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    ts = params.required("ts", "message_not_found")
    message = ws.find(channel, ts)
    if message.user != BOT_USER_ID:
        raise ApiError("message_not_owned_by_app")
    return (channel, ts), message, ws.surfaces.streaming((channel, ts))


def chat_append_stream(ws: Workspace, params: Params) -> JSON:
    """Add markdown to a stream that is still open."""
    with ws.changing():
        (channel, ts), message, stream = _open_stream(ws, params)
        chunks = _chunks(params)
        if not params.optional("markdown_text") and not chunks:
            raise ApiError("no_text")
        message.text, message.blocks = _grown(message, _new_text(params, chunks), chunks)
        stream.chunks += chunks
        stream.touched = time.monotonic()
    return {"ok": True, "channel": channel, "ts": ts}


def chat_stop_stream(ws: Workspace, params: Params) -> JSON:
    """Finish a stream: the last text, then `blocks` rendered under it."""
    with ws.changing():
        (channel, ts), message, stream = _open_stream(ws, params)
        chunks = _chunks(params)
        blocks = params.blocks() or []
        text, grown = _grown(message, _new_text(params, chunks), chunks)
        check_message(text, [*grown, *blocks], too_many="msg_blocks_too_many")
        message.text, message.blocks = text, _with_ids([*grown, *blocks])
        metadata = params.structured("metadata")
        if metadata is not None:
            message.metadata = metadata
        stream.chunks += chunks
        stream.state = "stopped"
        shaped = message_json(ws, message)
    return {"ok": True, "channel": channel, "ts": ts, "message": shaped}


def _with_ids(blocks: list[JSON]) -> list[JSON]:
    # As for chat.postMessage: Slack gives every block without a block_id one of its own.
    return [b if b.get("block_id") else {**b, "block_id": uuid.uuid4().hex[:5]} for b in blocks]


def _thread(ws: Workspace, params: Params, *, required: bool = True) -> Key:
    """(channel, root ts) of the thread an assistant.threads method names."""
    ref = params.required("channel_id", "channel_not_found")
    channel = ws.channel(ref)
    if channel.is_private and BOT_USER_ID not in channel.members:
        raise ApiError("channel_not_found")
    thread_ts = params.optional("thread_ts")
    if thread_ts is None:
        if required:
            raise ApiError("invalid_thread_ts")
        return channel.id, ""
    message = ws.find(channel.id, thread_ts, "invalid_thread_ts")
    return channel.id, message.thread_ts or message.ts


def _string_list(params: Params, key: str) -> list[str]:
    value: Any = params.values.get(key)
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip().startswith("[") else value.split(",")
        except json.JSONDecodeError:
            raise ApiError("invalid_arguments") from None
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError("invalid_arguments")
    return [str(item) for item in value if str(item).strip()]


def assistant_set_status(ws: Workspace, params: Params) -> JSON:
    """Show "ragtime <status>" under a thread; "" takes it away."""
    if "status" not in params:
        raise ApiError("invalid_arguments")
    loading = _string_list(params, "loading_messages")
    if len(loading) > MAX_LOADING_MESSAGES:
        raise ApiError("invalid_arguments")
    with ws.changing():
        key = _thread(ws, params)
        ws.surfaces.set_status(key, params.text("status"), loading)
    return {"ok": True}


def assistant_set_suggested_prompts(ws: Workspace, params: Params) -> JSON:
    """Up to four prompts (each a title and a message) offered in an assistant thread."""
    prompts = params.structured("prompts")
    if not isinstance(prompts, list) or not 0 < len(prompts) <= MAX_PROMPTS:
        raise ApiError("invalid_arguments")
    for prompt in prompts:
        if not isinstance(prompt, dict) or not (prompt.get("title") and prompt.get("message")):
            raise ApiError("invalid_arguments")
    with ws.changing():
        key = _thread(ws, params, required=False)
        ws.surfaces.prompts[key] = {"title": params.optional("title"), "prompts": prompts}
    return {"ok": True}


AI_METHODS: dict[str, Callable[[Workspace, Params], JSON]] = {
    "chat.startStream": chat_start_stream,
    "chat.appendStream": chat_append_stream,
    "chat.stopStream": chat_stop_stream,
    "assistant.threads.setStatus": assistant_set_status,
    "assistant.threads.setSuggestedPrompts": assistant_set_suggested_prompts,
}
