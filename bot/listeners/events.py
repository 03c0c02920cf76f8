"""Events: @mentions, DMs, thread replies, the agent view, App Home, PDF shares and removals.

Slack may deliver one event twice (its retries, ``x-slack-retry-num``) and one
share fires two events; every listener first claims the event id, and the
document's unique Slack file id makes the two share events one ingest. Messages
from bots (other apps and this one) are never answered: two bots could loop.
The workspace is always the one the app is installed in (Bolt's authorization),
never the envelope's ``team_id``, which in a Slack Connect channel is the other
organisation's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.asking import Asked, accept_question
from bot.deps import BotDeps
from bot.home import publish_home
from bot.sharing import accept_shared_file, forget_deleted_file, forget_unshared_file, is_pdf
from bot.suggestions import suggest_prompts
from bot.workspace import installed_team
from ragtime.db.audit import claim_event
from ragtime.db.slack_lookups import is_answer_thread
from slackkit.text import plain_text

# Message subtypes that are a person writing: a plain message, and "also send to channel".
_WRITTEN = frozenset({None, "thread_broadcast"})


@dataclass(frozen=True, slots=True)
class Where:
    """What every event listener needs from Bolt's context."""

    team_id: str  # the installed workspace
    bot_user_id: str | None


def first_delivery(deps: BotDeps, body: dict[str, Any]) -> bool:
    event_id = body.get("event_id")
    if not event_id:
        return True
    with deps.session() as session:
        return claim_event(session, event_id=str(event_id))


Handler = Callable[[BotDeps, WebClient, Where, dict[str, Any]], None]


def register(app: App, deps: BotDeps) -> None:
    """Events are acked by Bolt before the listener runs; the work goes to AfterAck."""

    def later(handler: Handler) -> Callable[..., None]:
        def listener(
            body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
        ) -> None:
            where = Where(installed_team(context), context.bot_user_id)
            if handler is on_message and not _may_concern_us(where, event):
                return  # most channel chatter: nothing to claim, nothing to do
            channel = event.get("channel") or event.get("channel_id")
            # A reply in some channel thread may not be to us: if it fails (the database
            # is down), the log has it and nobody in that thread gets an apology.
            unrelated = (
                handler is on_message
                and event.get("channel_type") != "im"
                and event.get("subtype") != "file_share"
            )
            deps.after_ack.run(
                lambda: handler(deps, client, where, event) if first_delivery(deps, body) else None,
                client=client,
                channel=channel if isinstance(channel, str) else None,
                user=None if unrelated else event.get("user") or event.get("user_id"),
            )

        listener.__name__ = handler.__name__
        return listener

    for event_type, handler in EVENT_HANDLERS.items():
        app.event(event_type)(later(handler))
    # Subscribed for the agent view; questions there are scoped to the DM, so the
    # channel the person is looking at changes nothing. Acked, never a 404.
    for event_type in ACKED_ONLY:
        app.event(event_type)(lambda: None)


def from_a_bot(event: dict[str, Any]) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile")) or (
        event.get("subtype") == "bot_message"
    )


def on_mention(deps: BotDeps, client: WebClient, where: Where, event: dict[str, Any]) -> None:
    if not from_a_bot(event):
        _ask(deps, client, where, event, "mention")


def _may_concern_us(where: Where, event: dict[str, Any]) -> bool:
    """Whether ``on_message`` could act on this, judged without the database: never a
    bot's; a file share; a person writing (not an edit, deletion or join) in a DM, or in
    a thread without mentioning the bot (``on_mention`` answers those)."""
    if from_a_bot(event):
        return False
    if event.get("subtype") == "file_share":
        return True
    if event.get("subtype") not in _WRITTEN:
        return False
    if event.get("channel_type") == "im":
        return True
    return bool(event.get("thread_ts")) and not _mentions(where, event)


def on_message(deps: BotDeps, client: WebClient, where: Where, event: dict[str, Any]) -> None:
    """Runs only for what ``_may_concern_us`` lets through (the listener checks first)."""
    if event.get("subtype") == "file_share":
        for file in event.get("files", []):
            accept_shared_file(
                deps, client, team_id=where.team_id, channel_id=event["channel"],
                user_id=event.get("user", ""), file=file, message_ts=event.get("ts"),
            )  # fmt: skip
    elif event.get("channel_type") == "im":
        _ask(deps, client, where, event, "dm")  # Slack sends no app_mention in DMs
    elif _in_answer_thread(deps, where, event):
        _ask(deps, client, where, event, "thread_followup")


def on_file_shared(deps: BotDeps, client: WebClient, where: Where, event: dict[str, Any]) -> None:
    file = client.files_info(file=event["file_id"])["file"]
    if not is_pdf(file):
        return  # the share's message event already told the person, once
    accept_shared_file(
        deps, client, team_id=where.team_id, channel_id=event["channel_id"],
        user_id=event.get("user_id", ""), file=file,
        message_ts=share_ts(file, event["channel_id"]),
    )  # fmt: skip


def on_file_deleted(deps: BotDeps, client: WebClient, where: Where, event: dict[str, Any]) -> None:
    forget_deleted_file(deps, team_id=where.team_id, file_id=event["file_id"])


def on_file_unshared(deps: BotDeps, client: WebClient, where: Where, event: dict[str, Any]) -> None:
    forget_unshared_file(
        deps, team_id=where.team_id, file_id=event["file_id"], channel_id=event["channel_id"]
    )


def on_home_opened(deps: BotDeps, client: WebClient, where: Where, event: dict[str, Any]) -> None:
    if event.get("tab", "home") == "home":
        publish_home(deps, client, team_id=where.team_id, user_id=event["user"])


def on_thread_started(
    deps: BotDeps, client: WebClient, where: Where, event: dict[str, Any]
) -> None:
    thread = event.get("assistant_thread") or {}
    suggest_prompts(
        deps, client, team_id=where.team_id, channel_id=thread["channel_id"],
        thread_ts=thread["thread_ts"],
    )  # fmt: skip


def _ask(deps: BotDeps, client: WebClient, where: Where, event: dict[str, Any], via: Any) -> None:
    channel, user = event["channel"], event.get("user", "")
    thread_ts = event.get("thread_ts") or event["ts"]
    text = plain_text(
        event.get("text", ""),
        bot_user_id=where.bot_user_id,
        name_of=lambda user_id: deps.names.name_of(client, user_id),
    )
    asked = Asked(where.team_id, channel, user, text, via, thread_ts)
    accept_question(
        deps,
        client,
        asked,
        tell=lambda said: client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, text=said
        ),
    )


def share_ts(file: dict[str, Any], channel_id: str) -> str | None:
    """The share message's ts from files.info, so replies land in the file's thread."""
    shares = file.get("shares") or {}
    for kind in ("public", "private"):
        found = (shares.get(kind) or {}).get(channel_id) or []
        if found:
            return str(found[0].get("ts"))
    return None


def _mentions(where: Where, event: dict[str, Any]) -> bool:
    return bool(where.bot_user_id) and f"<@{where.bot_user_id}" in event.get("text", "")


def _in_answer_thread(deps: BotDeps, where: Where, event: dict[str, Any]) -> bool:
    with deps.session() as session:
        return is_answer_thread(
            session,
            team_id=where.team_id,
            conversation_id=event["channel"],
            thread_ts=event["thread_ts"],
        )


# Every event the app subscribes to (slack/manifest.yml) has exactly one of these.
EVENT_HANDLERS: dict[str, Handler] = {
    "app_mention": on_mention,
    "message": on_message,  # message.channels, message.groups, message.im
    "file_shared": on_file_shared,
    "file_deleted": on_file_deleted,
    "file_unshared": on_file_unshared,
    "app_home_opened": on_home_opened,
    "assistant_thread_started": on_thread_started,
}
ACKED_ONLY = ("assistant_thread_context_changed",)
