"""The `event_callback` envelope in the shapes Slack really sends.

- Ordinary: `team_id` is the workspace, with one entry in `authorizations`.
- Slack Connect: for an event in a channel shared with another organisation,
  `is_ext_shared_channel` is true, and when someone from the other organisation acts
  the top-level `team_id` is THEIR team, while `authorizations[0].team_id` and
  `context_team_id` stay the installed workspace (for `app_mention`, Slack keeps the
  installed team at the top and says whose user it was in `event.user_team`).
- Legacy (`legacy=True`): no `authorizations`, only `authed_users` / `authed_teams`,
  as apps installed before 2021 and some older deliveries see it.
"""

from __future__ import annotations

from bot.standin.model import BOT_USER_ID, JSON, Channel
from bot.standin.payloads import envelope
from bot.standin.state import Workspace


def _actor(event: JSON) -> str:
    if isinstance(event.get("assistant_thread"), dict):
        return str(event["assistant_thread"].get("user_id") or "")
    return str(event.get("user") or event.get("user_id") or "")


def _channel(ws: Workspace, event: JSON) -> Channel | None:
    ref = event.get("channel") or event.get("channel_id") or event.get("item", {}).get("channel")
    return ws.channels.get(str(ref)) if isinstance(ref, str) else None


def event_envelope(ws: Workspace, event: JSON, event_id: str, *, legacy: bool = False) -> JSON:
    """Wrap one event as Slack would for this workspace, channel and actor."""
    body = envelope(ws, event, event_id)
    with ws.changed:
        channel = _channel(ws, event)
        actor = ws.users.get(_actor(event))
    if channel is not None and channel.is_ext_shared:
        body["is_ext_shared_channel"] = True
        foreign = actor.team_id if actor and actor.team_id != ws.team.id else None
        if foreign and event.get("type") != "app_mention":
            body["team_id"] = foreign
    if legacy:
        del body["authorizations"]
        body.pop("context_team_id", None)
        body.pop("context_enterprise_id", None)
        body["authed_users"] = [BOT_USER_ID]
        body["authed_teams"] = [ws.team.id]
    return body
