"""response_url: what Slack does with a JSON post to the URL a command or click came with."""

from __future__ import annotations

from bot.standin.blockcheck import check_message
from bot.standin.model import BOT_ID, BOT_USER_ID, JSON, ApiError, Ephemeral, Message
from bot.standin.state import Workspace

# Slack accepts five posts per response_url (within 30 minutes; time is not modelled).
MAX_USES = 5


def _flag(body: JSON, key: str) -> bool:
    value = body.get(key)
    return value is True or str(value).lower() == "true"


def respond(ws: Workspace, hook_id: str, body: JSON, *, counts: bool = True, ts: str = "") -> None:
    """Apply one response_url post: delete, replace, or post a new message.

    A command's immediate HTTP answer is applied the same way, but does not count
    against the URL's five uses (`counts=False`) and takes the `ts` reserved when the
    command was sent, since Slack shows it before anything the bot posts meanwhile.
    """
    with ws.changing():
        hook = ws.hooks.get(hook_id)
        if hook is None:
            raise ApiError("expired_url")
        if counts and hook.uses >= MAX_USES:
            raise ApiError("used_url")
        if not _flag(body, "delete_original"):
            check_message(str(body.get("text") or ""), body.get("blocks"))
        hook.uses += int(counts)
        if _flag(body, "delete_original"):
            _delete_original(ws, hook_id)
        elif _flag(body, "replace_original") and _target(ws, hook_id)[0]:
            _replace_original(ws, hook_id, body)
        else:
            _post_new(ws, hook_id, body, ts)


def _target(ws: Workspace, hook_id: str) -> tuple[str | None, bool]:
    # A click's "original" is the clicked message; a command's is its last response.
    hook = ws.hooks[hook_id]
    if hook.source_ts:
        return hook.source_ts, hook.source_ephemeral
    return hook.last_ts, hook.last_ephemeral


def _find_ephemeral(ws: Workspace, hook_id: str, ts: str) -> Ephemeral:
    hook = ws.hooks[hook_id]
    for ephemeral in ws.ephemerals:
        if (ephemeral.channel, ephemeral.user, ephemeral.ts) == (hook.channel, hook.user, ts):
            return ephemeral
    raise ApiError("message_not_found")


def _delete_original(ws: Workspace, hook_id: str) -> None:
    ts, ephemeral = _target(ws, hook_id)
    if ts is None:
        raise ApiError("message_not_found")
    if ephemeral:
        ws.ephemerals.remove(_find_ephemeral(ws, hook_id, ts))
    else:
        ws.remove(ws.hooks[hook_id].channel, ts)


def _replace_original(ws: Workspace, hook_id: str, body: JSON) -> None:
    ts, ephemeral = _target(ws, hook_id)
    if ts is None:
        raise ApiError("message_not_found")
    text, blocks = str(body.get("text") or ""), list(body.get("blocks") or [])
    original: Message | Ephemeral
    if ephemeral:
        original = _find_ephemeral(ws, hook_id, ts)
    else:
        original = ws.find(ws.hooks[hook_id].channel, ts)
    original.text, original.blocks = text, blocks


def _post_new(ws: Workspace, hook_id: str, body: JSON, ts: str) -> None:
    hook = ws.hooks[hook_id]
    text, blocks = str(body.get("text") or ""), list(body.get("blocks") or [])
    thread_ts = body.get("thread_ts") or hook.thread_ts
    if body.get("response_type") == "in_channel":
        message = Message(hook.channel, ts, BOT_USER_ID, text, blocks, bot_id=BOT_ID)
        message.thread_ts = thread_ts
        hook.last_ts, hook.last_ephemeral = ws.post(message).ts, False
        return
    ephemeral = Ephemeral(hook.channel, hook.user, ts, text, blocks, thread_ts)
    ephemeral.source = "response_url"
    hook.last_ts, hook.last_ephemeral = ws.post_ephemeral(ephemeral).ts, True
