"""`/ragtime reindex`: re-read originals from the blob store and re-embed them.

Progress is shown by editing the one message the bot posted, at most once a second
(Slack's chat.update allows about one a second per channel). A document whose original
is missing or no longer parses is reported, not fatal. The workspace's re-index lock,
taken by the bot, is released however the run ends, and the run is audited.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from ragtime.blobstore import original_key
from ragtime.db import session_scope
from ragtime.db.audit import record_audit
from ragtime.db.documents import (
    document_scope,
    get_document,
    mark_document_failed,
    mark_document_indexed,
    workspace_documents,
)
from ragtime.db.locks import release_lock
from ragtime.db.models import AuditOutcome, Document
from ragtime.domain import DocumentInfo
from ragtime.errors import IndexMismatchError, ServiceError
from ragtime.pdf import PdfError
from ragtime.pipeline import ingest_document
from slackkit.blocks import escape
from taskqueue.names import reindex_lock_name
from worker.context import WorkerContext
from worker.notify import ThrottledNotice, edit_notice

log = logging.getLogger(__name__)

MAX_FAILURES_SHOWN = 5
SYSTEM_USER = "ragtime"  # who the audit names for a re-index nobody asked for


@dataclass
class ReindexReport:
    documents: int = 0
    chunks: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (title, reason)
    seconds: float = 0.0


@dataclass
class Progress:
    """The documents done so far, on the bot's message, at most once a ``interval``."""

    client: WebClient
    channel: str
    ts: str
    total: int
    interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    notice: ThrottledNotice = field(init=False)

    def __post_init__(self) -> None:
        self.notice = ThrottledNotice(self.client, self.channel, self.ts, self.interval, self.clock)

    def step(self, done: int) -> None:
        """``done`` documents are finished; show it if the last edit is old enough."""
        self.notice.offer(lambda: f"Re-indexing: {done}/{self.total} documents…")


def reindex_documents(
    ctx: WorkerContext, *, team_id: str, user_id: str, target: str, channel_id: str, message_ts: str
) -> ReindexReport:
    """Re-index ``target`` ("all": the workspace's indexed and failed documents; else one id).

    ``channel_id`` empty: nobody is watching (a re-index the system started), no progress.
    """
    started = time.monotonic()
    try:
        if target == "all" and _rebuild_if_mismatched(ctx):
            _rebuild_other_workspaces(ctx, team_id)
        with session_scope(ctx.sessions) as session:
            documents = _targets(session, team_id, target)
        report = ReindexReport()
        progress = Progress(ctx.slack, channel_id, message_ts, total=len(documents))
        for done, document in enumerate(documents, start=1):
            reindex_one(ctx, document, report)
            if channel_id:
                progress.step(done)
        report.seconds = time.monotonic() - started
        if channel_id:
            edit_notice(ctx.slack, channel=channel_id, ts=message_ts, text=summary(report, target))
        _audit(ctx, team_id, user_id, target, report)
        return report
    finally:
        with session_scope(ctx.sessions) as session:
            release_lock(session, name=reindex_lock_name(team_id), holder=user_id)


def _rebuild_if_mismatched(ctx: WorkerContext) -> bool:
    """Empty an index built by another embedder, so that the originals can go back in."""
    try:
        ctx.services.store.check()
    except IndexMismatchError as exc:
        log.warning("rebuilding the index: %s", exc)
        ctx.services.store.reset()
        return True
    return False


def _rebuild_other_workspaces(ctx: WorkerContext, team_id: str) -> None:
    """The emptied index is every workspace's: each other one gets a re-index of its own,
    queued now (so a run cut short loses none), reported and audited in that workspace."""
    from taskqueue.enqueue import Enqueuer

    with session_scope(ctx.sessions) as session:
        teams = {
            d.team_id
            for d in workspace_documents(session, team_id=None, statuses=("indexed", "failed"))
        } - {team_id}
    enqueuer = Enqueuer.from_settings(ctx.settings)
    for other in sorted(teams):
        enqueuer.reindex(other, SYSTEM_USER, "all", "", "")
    log.info("index rebuilt: re-index queued for %d other workspaces", len(teams))


def _targets(session: Session, team_id: str, target: str) -> list[Document]:
    if target == "all":
        return workspace_documents(session, team_id=team_id, statuses=("indexed", "failed"))
    document = get_document(session, document_id=target)
    if document is None or document.team_id != team_id or document.status == "deleted":
        return []  # another workspace's document is as good as missing
    return [document]


def reindex_one(ctx: WorkerContext, document: Document, report: ReindexReport) -> None:
    """Index ``document`` again from its kept original; what failed goes in ``report``."""
    try:
        data = ctx.services.blobs.get(
            document.blob_key or original_key(document.team_id, document.id)
        )
    except KeyError:
        report.failures.append((document.title, "its original is missing; share the file again"))
        return
    with session_scope(ctx.sessions) as session:
        scope = document_scope(session, document_id=document.id)
    if scope is None:
        return  # deleted meanwhile: nothing to re-index
    try:
        pages = ctx.pdf_reader.extract(data, ctx.services.pdf_limits)
    except PdfError as exc:
        report.failures.append((document.title, str(exc)))
        return
    info = DocumentInfo(document.id, document.title, link=document.permalink or "")
    try:
        result = ingest_document(ctx.services, document=info, scope=scope, data=data, pages=pages)
    except ServiceError as exc:
        if exc.transient:
            raise  # the store or model is down: the whole run is retried later
        with session_scope(ctx.sessions) as session:  # it may have lost its chunks: say so
            mark_document_failed(session, document_id=document.id, error=str(exc))
        report.failures.append((document.title, str(exc)))
        return
    with session_scope(ctx.sessions) as session:
        mark_document_indexed(
            session, document_id=document.id, pages=result.pages, chunk_count=result.chunks
        )
    report.documents += 1
    report.chunks += result.chunks


def summary(report: ReindexReport, target: str) -> str:
    """The final message: what was re-indexed, how long it took, what failed and why."""
    if not report.documents and not report.failures:
        if target == "all":
            return "There are no documents to re-index in this workspace."
        return "That document is not in this workspace any more, so nothing was re-indexed."
    noun = "document" if report.documents == 1 else "documents"
    text = (
        f"Re-indexed {report.documents} {noun} ({report.chunks} chunks) in {report.seconds:.0f} s"
    )
    if report.failures:
        shown = "; ".join(
            f"*{escape(title)}* ({reason})"
            for title, reason in report.failures[:MAX_FAILURES_SHOWN]
        )
        more = len(report.failures) - MAX_FAILURES_SHOWN
        text += f"; {len(report.failures)} failed: {shown}" + (
            f"; and {more} more" if more > 0 else ""
        )
    return text + "."


def _audit(
    ctx: WorkerContext, team_id: str, user_id: str, target: str, report: ReindexReport
) -> None:
    detail = f"{report.documents} re-indexed, {report.chunks} chunks, {report.seconds:.1f} s"
    if report.failures:
        detail += f"; {len(report.failures)} failed: " + "; ".join(
            f"{title} ({reason})" for title, reason in report.failures
        )
    outcome: AuditOutcome = "failed" if report.failures else "succeeded"
    with session_scope(ctx.sessions) as session:
        record_audit(
            session, team_id=team_id, user_id=user_id, action="reindex", target=target,
            outcome=outcome, detail=detail,
        )  # fmt: skip
    log.info("reindex team=%s target=%s %s", team_id, target, detail)
