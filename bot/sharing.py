"""PDFs shared in Slack: one document per file, one ingest per share, scope kept in step."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.deps import BotDeps
from ragtime.db.documents import (
    create_or_get_document_for_file,
    document_scope,
    mark_document_deleted,
    share_document,
    unshare_document,
)
from ragtime.db.slack_lookups import document_for_file, forget_shares, requeue_document
from slackkit.blocks import escape


def is_pdf(file: dict[str, Any]) -> bool:
    return (
        file.get("mimetype") == "application/pdf"
        or file.get("filetype") == "pdf"
        or str(file.get("name", "")).lower().endswith(".pdf")
    )


def accept_shared_file(
    deps: BotDeps,
    client: WebClient,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    file: dict[str, Any],
    message_ts: str | None,
) -> None:
    """Record the share and queue the ingest once, however many events announce it."""
    name = str(file.get("name") or file.get("title") or file["id"])
    if not is_pdf(file):
        if message_ts is not None:  # say it once: on the share message, not on file_shared too
            client.chat_postEphemeral(
                channel=channel_id,
                user=user_id,
                text=f"I only read PDFs, so I'll leave {escape(name)} alone.",
            )
        return
    with deps.session() as session:
        document, created = create_or_get_document_for_file(
            session, team_id=team_id, slack_file_id=file["id"], title=name, shared_by=user_id
        )
        was = document.status
        if was == "deleted":
            forget_shares(session, document_id=document.id)
        requeued = was in ("deleted", "failed") and requeue_document(
            session, document_id=document.id
        )
        new_here = share_document(
            session,
            document_id=document.id,
            conversation_id=channel_id,
            shared_by=user_id,
            message_ts=message_ts,
        )
    shown = escape(name)
    if created or requeued:
        _read(deps, client, document.id, shown, where=(channel_id, message_ts))
    elif new_here:
        deps.enqueuer.sync_scope(document.id)
        client.chat_postMessage(
            channel=channel_id,
            thread_ts=message_ts,
            text=f"I already know *{shown}*; questions asked here can now use it too.",
        )
    # else: the second event of the same share, or a retry: nothing new to say


def _read(
    deps: BotDeps,
    client: WebClient,
    document_id: str,
    name: str,
    *,
    where: tuple[str, str | None],
) -> None:
    """Say "Reading…", then queue the ingest with that reply to edit as it goes.

    The ingest is queued even if Slack refuses the reply: the file still gets read.
    """
    channel_id, message_ts = where
    notice: tuple[str, str] | None = None
    try:
        posted = client.chat_postMessage(
            channel=channel_id,
            thread_ts=message_ts,
            text=f"Reading *{name}*… I'll reply here when it's ready to answer questions.",
        )
        ts = posted.get("ts")
        notice = (channel_id, str(ts)) if ts else None
    finally:
        deps.enqueuer.ingest(document_id, notice)


def forget_deleted_file(deps: BotDeps, *, team_id: str, file_id: str) -> None:
    """A file deleted in Slack leaves the index."""
    with deps.session() as session:
        document = document_for_file(session, team_id=team_id, slack_file_id=file_id)
        if document is None:
            return
        mark_document_deleted(session, document_id=document.id)
    deps.enqueuer.forget(document.id)


def forget_unshared_file(deps: BotDeps, *, team_id: str, file_id: str, channel_id: str) -> None:
    """Unshared from a conversation: it leaves that conversation's scope (or the index)."""
    with deps.session() as session:
        document = document_for_file(session, team_id=team_id, slack_file_id=file_id)
        if document is None:
            return
        unshare_document(session, document_id=document.id, conversation_id=channel_id)
        scope = document_scope(session, document_id=document.id)
        gone = scope is None or not (scope.conversations or scope.workspace_wide)
        if gone:
            mark_document_deleted(session, document_id=document.id)
    if gone:
        deps.enqueuer.forget(document.id)
    else:
        deps.enqueuer.sync_scope(document.id)
