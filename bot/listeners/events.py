"""Events: @mentions, DMs, replies in answer threads, PDF shares, deleted and unshared files.

Slack may deliver one event twice (its retries, ``x-slack-retry-num``) and one
share fires two events; every listener first claims the event id, and the
document's unique Slack file id makes the two share events one ingest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.asking import accept_question, question_text
from bot.deps import BotDeps
from bot.sharing import accept_shared_file, forget_deleted_file, forget_unshared_file, is_pdf
from ragtime.db.audit import claim_event
from ragtime.db.slack_lookups import is_answer_thread


def first_delivery(deps: BotDeps, body: dict[str, Any]) -> bool:
    event_id = body.get("event_id")
    if not event_id:
        return True
    with deps.session() as session:
        return claim_event(session, event_id=str(event_id))


def register(app: App, deps: BotDeps) -> None:
    """Events are acked by Bolt before the listener runs; the work goes to AfterAck."""

    def later(handler: Handler) -> Callable[..., None]:
        def listener(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
            channel = event.get("channel") or event.get("channel_id")
            deps.after_ack.run(
                lambda: handler(deps, client, body, event) if first_delivery(deps, body) else None,
                client=client,
                channel=channel,
                user=event.get("user") or event.get("user_id"),
            )

        listener.__name__ = handler.__name__
        return listener

    app.event("app_mention")(later(on_mention))
    app.event("message")(later(on_message))
    app.event("file_shared")(later(on_file_shared))
    app.event("file_deleted")(later(on_file_deleted))
    app.event("file_unshared")(later(on_file_unshared))


Handler = Callable[[BotDeps, WebClient, dict[str, Any], dict[str, Any]], None]


def on_mention(
    deps: BotDeps, client: WebClient, body: dict[str, Any], event: dict[str, Any]
) -> None:
    _ask(deps, client, body, event, "mention")


def on_message(
    deps: BotDeps, client: WebClient, body: dict[str, Any], event: dict[str, Any]
) -> None:
    if event.get("bot_id"):
        return
    if event.get("subtype") == "file_share":
        for file in event.get("files", []):
            accept_shared_file(
                deps, client, team_id=body["team_id"], channel_id=event["channel"],
                user_id=event.get("user", ""), file=file, message_ts=event.get("ts"),
            )  # fmt: skip
        return
    if event.get("subtype") or _mentions_bot(body, event):
        return  # edits, joins...; and @mentions are answered by on_mention
    if event.get("channel_type") == "im":
        _ask(deps, client, body, event, "dm")
    elif event.get("thread_ts") and _in_answer_thread(deps, body, event):
        _ask(deps, client, body, event, "thread_followup")


def on_file_shared(
    deps: BotDeps, client: WebClient, body: dict[str, Any], event: dict[str, Any]
) -> None:
    file = client.files_info(file=event["file_id"])["file"]
    if not is_pdf(file):
        return  # the share's message event already told the person, once
    accept_shared_file(
        deps, client, team_id=body["team_id"], channel_id=event["channel_id"],
        user_id=event.get("user_id", ""), file=file,
        message_ts=share_ts(file, event["channel_id"]),
    )  # fmt: skip


def on_file_deleted(
    deps: BotDeps, client: WebClient, body: dict[str, Any], event: dict[str, Any]
) -> None:
    forget_deleted_file(deps, team_id=body["team_id"], file_id=event["file_id"])


def on_file_unshared(
    deps: BotDeps, client: WebClient, body: dict[str, Any], event: dict[str, Any]
) -> None:
    forget_unshared_file(
        deps, team_id=body["team_id"], file_id=event["file_id"], channel_id=event["channel_id"]
    )


def _ask(
    deps: BotDeps, client: WebClient, body: dict[str, Any], event: dict[str, Any], via: Any
) -> None:
    channel, user = event["channel"], event.get("user", "")
    thread_ts = event.get("thread_ts") or event["ts"]
    accept_question(
        deps, client, team_id=body["team_id"], channel_id=channel, user_id=user,
        text=question_text(event.get("text", "")), asked_via=via, thread_ts=thread_ts,
        tell=lambda text: client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, text=text
        ),
    )  # fmt: skip


def share_ts(file: dict[str, Any], channel_id: str) -> str | None:
    """The share message's ts from files.info, so replies land in the file's thread."""
    shares = file.get("shares") or {}
    for kind in ("public", "private"):
        found = (shares.get(kind) or {}).get(channel_id) or []
        if found:
            return str(found[0].get("ts"))
    return None


def _mentions_bot(body: dict[str, Any], event: dict[str, Any]) -> bool:
    bot_users = {a.get("user_id") for a in body.get("authorizations", []) if a.get("is_bot")}
    return any(f"<@{user}" in event.get("text", "") for user in bot_users if user)


def _in_answer_thread(deps: BotDeps, body: dict[str, Any], event: dict[str, Any]) -> bool:
    with deps.session() as session:
        return is_answer_thread(
            session,
            team_id=body["team_id"],
            conversation_id=event["channel"],
            thread_ts=event["thread_ts"],
        )
