"""What Slack sends an app: Events API envelopes, slash command forms, block_actions payloads."""

from __future__ import annotations

import re
import time
import uuid

from bot.standin.model import (
    APP_ID,
    BOT_USER_ID,
    JSON,
    VERIFICATION_TOKEN,
    Channel,
    Ephemeral,
    Message,
)
from bot.standin.shapes import message_json
from bot.standin.state import Workspace

_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def rich_text(text: str) -> list[JSON]:
    """The rich_text block Slack's client attaches to what a person types."""
    if not text:
        return []
    elements: list[JSON] = []
    position = 0
    for match in _MENTION.finditer(text):
        if match.start() > position:
            elements.append({"type": "text", "text": text[position : match.start()]})
        elements.append({"type": "user", "user_id": match.group(1)})
        position = match.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [section]}]


def message_event(ws: Workspace, message: Message, channel: Channel) -> JSON:
    """The `message` event for a message (message.channels/groups/im).

    A person's message has a client_msg_id, a bot's has not; someone from another
    organisation (Slack Connect) brings their own team as `team` and `user_team`; a
    thread broadcast carries its thread's `root`.
    """
    with ws.changed:
        event = message_json(ws, message)
        if message.subtype == "thread_broadcast" and message.thread_ts:
            event["root"] = message_json(ws, ws.find(message.channel, message.thread_ts))
        author = ws.users.get(message.user)
    event |= {"channel": channel.id, "event_ts": message.ts, "channel_type": channel.kind}
    if not message.bot_id:
        event["client_msg_id"] = str(uuid.uuid4())
    if author and author.team_id and author.team_id != ws.team.id:
        event |= {"user_team": author.team_id, "source_team": author.team_id}
        event["user_profile"] = {"name": author.name, "real_name": author.real_name}
        event["user_profile"]["team"] = author.team_id
    if message.files:
        event["display_as_bot"] = False
    return event


def app_mention_event(message_event: JSON) -> JSON:
    """The `app_mention` event Slack sends alongside the message event of a mention."""
    event = {k: v for k, v in message_event.items() if k not in ("channel_type", "subtype")}
    event["type"] = "app_mention"
    return event


def envelope(ws: Workspace, event: JSON, event_id: str) -> JSON:
    """The Events API `event_callback` wrapper, with the bot's authorization."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team.id,
        "context_team_id": ws.team.id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team.id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def slash_command_form(
    ws: Workspace,
    *,
    command: str,
    text: str,
    user: str,
    channel: Channel,
    response_url: str,
    trigger: str,
) -> dict[str, str]:
    """The form fields of a slash command request."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team.id,
        "team_domain": ws.team.domain,
        "channel_id": channel.id,
        "channel_name": channel.name or "directmessage",
        "user_id": user,
        "user_name": ws.name_of(user),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger,
    }


def find_button(
    blocks: list[JSON], action_id: str, value: str | None, block_id: str | None
) -> tuple[str, JSON]:
    """The (block_id, button) a person can click; raise when the message has no such button."""
    seen = []
    for block in blocks:
        elements = list(block.get("elements", [])) if block.get("type") == "actions" else []
        elements += [block["accessory"]] if block.get("accessory") else []
        for element in elements:
            seen.append(f"{element.get('action_id')}={element.get('value')}")
            if element.get("type") != "button" or element.get("action_id") != action_id:
                continue
            if value not in (None, element.get("value")):
                continue
            if block_id not in (None, block.get("block_id")):
                continue
            return str(block.get("block_id", "")), element
    raise LookupError(
        f"No button {action_id!r} (value {value!r}) to click; the message has {seen}."
    )


def block_actions_payload(
    ws: Workspace,
    *,
    user: str,
    channel: Channel,
    source: Message | Ephemeral,
    action: JSON,
    response_url: str,
    trigger: str,
) -> JSON:
    """A block_actions payload; Slack leaves `message` out for ephemeral messages."""
    container: JSON = {"type": "message", "message_ts": source.ts, "channel_id": channel.id}
    container["is_ephemeral"] = isinstance(source, Ephemeral)
    if source.thread_ts:
        container["thread_ts"] = source.thread_ts
    payload: JSON = {
        "type": "block_actions",
        "user": {
            "id": user,
            "username": ws.name_of(user),
            "name": ws.name_of(user),
            "team_id": ws.team.id,
        },
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger,
        "team": {"id": ws.team.id, "domain": ws.team.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel.name or "directmessage"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if isinstance(source, Message):
        with ws.changed:
            payload["message"] = message_json(ws, source)
    return payload


def file_shared_event(file_id: str, channel: str, user: str, event_ts: str) -> JSON:
    """The `file_shared` event Slack sends alongside a file share's message event."""
    return {
        "type": "file_shared",
        "channel_id": channel,
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "event_ts": event_ts,
    }


def file_unshared_event(file_id: str, channel: str, user: str, event_ts: str) -> JSON:
    """The `file_unshared` event: a file was taken out of one conversation."""
    return file_shared_event(file_id, channel, user, event_ts) | {"type": "file_unshared"}


def view_block_actions_payload(
    ws: Workspace, *, user: str, view: JSON, action: JSON, trigger: str
) -> JSON:
    """A block_actions payload from a Home tab (or modal): a view container, no channel."""
    return {
        "type": "block_actions",
        "user": {
            "id": user,
            "username": ws.name_of(user),
            "name": ws.name_of(user),
            "team_id": ws.team.id,
        },
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view.get("id")},
        "trigger_id": trigger,
        "team": {"id": ws.team.id, "domain": ws.team.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [action],
    }
