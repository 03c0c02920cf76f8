"""The JSON shapes Slack returns for users, conversations, messages, files and the team."""

from __future__ import annotations

from urllib.parse import quote

from bot.standin.model import APP_ID, BOT_ID, BOT_USER_ID, JSON, Channel, File, Message, User
from bot.standin.state import Workspace


def user_json(ws: Workspace, user: User) -> JSON:
    """users.info's `user`: enough for display names and the admin check."""
    profile: JSON = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": user.team_id or ws.team.id,
    }
    if user.bot_id:
        profile["bot_id"] = user.bot_id
    return {
        "id": user.id,
        "team_id": user.team_id or ws.team.id,
        "name": user.name,
        "deleted": False,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": "Greenwich Mean Time",
        "tz_offset": 0,
        "is_admin": user.is_admin,
        "is_owner": user.is_owner,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 1700000000,
        "profile": profile,
    }


def channel_json(ws: Workspace, channel: Channel) -> JSON:
    """conversations.info's `channel`; IMs have no name, as in Slack."""
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_im": True,
            "is_org_shared": False,
            "user": channel.user,
            "is_user_deleted": False,
            "priority": 0,
            "is_open": True,
        }
    empty = {"value": "", "creator": "", "last_set": 0}
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": False,
        "is_general": channel.name == "general",
        "is_shared": channel.is_ext_shared,
        "is_ext_shared": channel.is_ext_shared,
        "is_org_shared": False,
        "is_member": BOT_USER_ID in channel.members,
        "created": channel.created,
        "creator": channel.members[0] if channel.members else "",
        "num_members": len(channel.members),
        "context_team_id": ws.team.id,
        "topic": dict(empty),
        "purpose": dict(empty),
    }


def message_json(ws: Workspace, message: Message) -> JSON:
    """A message as history, replies and chat.postMessage return it (no `channel` key)."""
    out = _author_fields(ws, message)
    if message.subtype:
        out["subtype"] = message.subtype
    if message.subtype == "assistant_app_thread":
        out["assistant_app_thread"] = {"title": "", "title_blocks": [], "artifacts": []}
    if message.blocks:
        out["blocks"] = message.blocks
    if message.attachments:
        out["attachments"] = message.attachments
    if message.thread_ts:
        out["thread_ts"] = message.thread_ts
        if message.is_reply:
            out["parent_user_id"] = ws.find(message.channel, message.thread_ts).user
    if message.reply_count:
        out["reply_count"] = message.reply_count
        out["reply_users"] = list(message.reply_users)
        out["reply_users_count"] = len(message.reply_users)
        out["latest_reply"] = message.latest_reply
    if message.reactions:
        out["reactions"] = [
            {"name": name, "users": list(users), "count": len(users)}
            for name, users in message.reactions.items()
        ]
    if message.files:
        out["files"] = [file_or_tombstone(ws, file_id) for file_id in message.files]
        out["upload"] = False
    if message.edited:
        out["edited"] = dict(message.edited)
    if message.metadata:
        out["metadata"] = message.metadata
    return out


def _author_fields(ws: Workspace, message: Message) -> JSON:
    out: JSON = {"type": "message", "ts": message.ts, "user": message.user, "text": message.text}
    author = ws.users.get(message.user)
    out["team"] = (author.team_id if author else None) or ws.team.id
    if message.bot_id:
        out |= _bot_fields(ws, message.bot_id)
    if not message.user:  # a classic bot or webhook: a bot_id and a username, no user
        del out["user"], out["team"]
        out["username"] = message.username or "bot"
    return out


def _bot_fields(ws: Workspace, bot_id: str) -> JSON:
    # The bot's own messages carry its profile; another app's carry that app's.
    if bot_id == BOT_ID:
        profile: JSON = {"id": BOT_ID, "app_id": APP_ID, "name": "ragtime", "deleted": False}
        return {
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "bot_profile": profile | {"team_id": ws.team.id},
        }
    other = ws.surfaces.bots.get(bot_id)
    if other is None or other.app_id is None:
        return {"bot_id": bot_id}
    profile = {"id": bot_id, "app_id": other.app_id, "name": other.name, "deleted": False}
    profile |= {"updated": 1_700_000_000, "team_id": ws.team.id}
    return {"bot_id": bot_id, "app_id": other.app_id, "bot_profile": profile}


def file_or_tombstone(ws: Workspace, file_id: str) -> JSON:
    """A shared file as messages carry it; Slack leaves a tombstone once it is deleted."""
    file = ws.files[file_id]
    return {"id": file.id, "mode": "tombstone"} if file.deleted else file_json(ws, file)


def file_urls(ws: Workspace, file: File) -> JSON:
    """Where the file lives on this stand-in; downloads need the bot token, as on Slack."""
    key, name = f"{ws.team.id}-{file.id}", quote(file.name)
    return {
        "url_private": f"{ws.base_url}/files-pri/{key}/{name}",
        "url_private_download": f"{ws.base_url}/files-pri/{key}/download/{name}",
        "permalink": f"{ws.base_url}/files/{file.user}/{file.id}/{name}",
        "permalink_public": f"{ws.base_url}/{key}-0000000000",
    }


def _shares(ws: Workspace, file: File) -> tuple[JSON, dict[str, list[str]]]:
    # Slack splits shares into public and private, and lists channels, groups and ims apart.
    shares: JSON = {}
    kinds: dict[str, list[str]] = {"channel": [], "group": [], "im": []}
    for channel_id, stamps in file.shares.items():
        channel = ws.channels[channel_id]
        kinds[channel.kind].append(channel_id)
        scope = "private" if channel.is_private or channel.is_im else "public"
        shares.setdefault(scope, {})[channel_id] = [
            {"ts": ts, "channel_name": channel.name, "team_id": ws.team.id, "reply_count": 0}
            | {"share_user_id": file.user, "reply_users": [], "reply_users_count": 0}
            for ts in stamps
        ]
    return shares, kinds


def file_json(ws: Workspace, file: File) -> JSON:
    """files.info's `file`: its urls on this stand-in, and where it is shared."""
    shares, kinds = _shares(ws, file)
    return {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title,
        "mimetype": file.mimetype,
        "filetype": file.filetype,
        "pretty_type": file.filetype.upper(),
        "user": file.user,
        "user_team": ws.team.id,
        "size": file.size,
        "mode": "hosted",
        "is_external": False,
        "is_public": bool(kinds["channel"]),
        "public_url_shared": False,
        "display_as_bot": False,
        **file_urls(ws, file),
        "channels": kinds["channel"],
        "groups": kinds["group"],
        "ims": kinds["im"],
        "shares": shares,
        "comments_count": 0,
        "file_access": "visible",
    }


def team_json(ws: Workspace) -> JSON:
    """team.info's `team`."""
    return {
        "id": ws.team.id,
        "name": ws.team.name,
        "domain": ws.team.domain,
        "email_domain": "",
        "icon": {"image_default": True},
        "is_verified": False,
    }
