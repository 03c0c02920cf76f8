"""Web API methods that only read: auth, conversations, users, team and files."""

from __future__ import annotations

from collections.abc import Callable

from bot.standin.model import BOT_ID, BOT_USER_ID, JSON, ApiError, Channel, Message
from bot.standin.params import Params, page, visible_channel
from bot.standin.shapes import channel_json, file_json, message_json, team_json, user_json
from bot.standin.state import Workspace


def auth_test(ws: Workspace, params: Params) -> JSON:
    """Who the token belongs to: Bolt reads bot_id and user_id from here."""
    return {
        "ok": True,
        "url": f"{ws.base_url}/",
        "team": ws.team.name,
        "user": ws.users[BOT_USER_ID].name,
        "team_id": ws.team.id,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def api_test(ws: Workspace, params: Params) -> JSON:
    """Echo the arguments back, as Slack's api.test does (no token needed)."""
    args = {k: v for k, v in params.values.items() if k != "token"}
    # Uploaded parts arrive as bytes; Slack echoes text only.
    return {
        "ok": True,
        "args": {k: f"({len(v)} bytes)" if isinstance(v, bytes) else v for k, v in args.items()},
    }


def _in_window(messages: list[Message], params: Params) -> list[Message]:
    oldest, latest = float(params.text("oldest") or 0), float(params.text("latest") or "inf")
    inclusive = params.flag("inclusive")
    return [
        m
        for m in messages
        if (oldest < float(m.ts) < latest) or (inclusive and float(m.ts) in (oldest, latest))
    ]


def conversations_history(ws: Workspace, params: Params) -> JSON:
    """A channel's top-level messages, newest first, in cursor pages."""
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    messages = _in_window(ws.history(channel), params)[::-1]
    chunk, paging = page(messages, params)
    with ws.changed:
        shaped = [message_json(ws, m) for m in chunk]
    return {"ok": True, "messages": shaped, "pin_count": 0, **paging}


def conversations_replies(ws: Workspace, params: Params) -> JSON:
    """A thread: its parent, then its replies oldest first, in cursor pages."""
    channel = visible_channel(ws, params.required("channel", "channel_not_found"))
    thread = ws.thread(channel, params.required("ts", "thread_not_found"))
    chunk, paging = page(_in_window(thread, params), params, default_limit=1000)
    with ws.changed:
        shaped = [message_json(ws, m) for m in chunk]
    return {"ok": True, "messages": shaped, **paging}


def conversations_info(ws: Workspace, params: Params) -> JSON:
    """One conversation's details; private ones the bot is not in do not exist for it."""
    channel = ws.channel(params.required("channel", "channel_not_found"))
    if channel.is_private and BOT_USER_ID not in channel.members:
        raise ApiError("channel_not_found")
    return {"ok": True, "channel": channel_json(ws, channel)}


def conversations_members(ws: Workspace, params: Params) -> JSON:
    """The member ids of a conversation the bot can see."""
    channel = ws.channel(visible_channel(ws, params.required("channel", "channel_not_found")))
    chunk, paging = page(list(channel.members), params)
    return {"ok": True, "members": chunk, "response_metadata": paging["response_metadata"]}


def conversations_open(ws: Workspace, params: Params) -> JSON:
    """The bot's direct-message channel with one person (group DMs are not modelled)."""
    users = params.required("users", "users_list_not_supplied").split(",")
    if len(users) != 1:
        raise ApiError("not_supported")
    if ws.user(users[0]).is_bot:
        raise ApiError("cannot_dm_bot")
    im = channel_json(ws, ws.channel(users[0]))
    return {"ok": True, "no_op": True, "already_open": True, "channel": im}


_TYPES = {"public_channel", "private_channel", "mpim", "im"}


def users_conversations(ws: Workspace, params: Params) -> JSON:
    """The conversations a member (the bot by default) is in, of those the bot is in too."""
    user = ws.user(params.optional("user") or BOT_USER_ID).id
    types = set((params.optional("types") or "public_channel").split(","))
    if not types <= _TYPES:
        raise ApiError("invalid_types")
    with ws.changed:
        shaped = [
            channel_json(ws, c)
            for c in ws.channels.values()
            if user in c.members and BOT_USER_ID in c.members and _type_of(c) in types
        ]
    chunk, paging = page(shaped, params)
    return {"ok": True, "channels": chunk, "response_metadata": paging["response_metadata"]}


def _type_of(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "private_channel" if channel.is_private else "public_channel"


def users_info(ws: Workspace, params: Params) -> JSON:
    """One member's profile, including is_admin for the admin check."""
    user = ws.user(params.required("user", "user_not_found"))
    return {"ok": True, "user": user_json(ws, user)}


def users_list(ws: Workspace, params: Params) -> JSON:
    """Every member, in cursor pages."""
    with ws.changed:
        members = [user_json(ws, u) for u in ws.users.values()]
    chunk, paging = page(members, params)
    return {"ok": True, "members": chunk, "response_metadata": paging["response_metadata"]}


def team_info(ws: Workspace, params: Params) -> JSON:
    """The workspace's name and domain."""
    return {"ok": True, "team": team_json(ws)}


def files_info(ws: Workspace, params: Params) -> JSON:
    """A file the bot can see: it must be shared in a conversation the bot is in."""
    with ws.changed:
        file = ws.file(params.required("file", "file_not_found"))
        if not any(BOT_USER_ID in ws.channels[c].members for c in file.shares):
            raise ApiError("file_not_found")
        shaped = file_json(ws, file)
    return {"ok": True, "file": shaped, "comments": [], "response_metadata": {"next_cursor": ""}}


READ_METHODS: dict[str, Callable[[Workspace, Params], JSON]] = {
    "api.test": api_test,
    "auth.test": auth_test,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "conversations.info": conversations_info,
    "conversations.members": conversations_members,
    "conversations.open": conversations_open,
    "users.info": users_info,
    "users.conversations": users_conversations,
    "users.list": users_list,
    "team.info": team_info,
    "files.info": files_info,
}
