"""Index a PDF shared in Slack, and say how it went in the thread of the share.

Safe to run again: an indexed or deleted document is left alone (the bot re-queues
a failed one by sending it again), and chunk ids are deterministic, so a second run
replaces rather than duplicates.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from ragtime.blobstore import original_key
from ragtime.db import session_scope
from ragtime.db.documents import (
    document_scope,
    get_document,
    mark_document_failed,
    mark_document_indexed,
    start_document_indexing,
)
from ragtime.db.slack_files import ShareMessage, first_share, set_document_permalink
from ragtime.domain import DocumentInfo
from ragtime.metrics import metrics
from ragtime.pdf import PdfError
from ragtime.pipeline import IngestResult, ingest_document
from slackkit.blocks import escape
from worker.context import WorkerContext
from worker.download import SlackFile, fetch_slack_file
from worker.errors import FileRefusedError
from worker.notify import ThrottledNotice, edit_notice, post_notice

log = logging.getLogger(__name__)

_TO_INDEX = frozenset({"queued", "indexing", "failed"})
_REMOVED_SENTENCE = "This document was removed while it was being indexed."


@dataclass(frozen=True, slots=True)
class _Claimed:
    document_id: str
    team_id: str
    title: str
    slack_file_id: str | None
    share: ShareMessage | None


def ingest_slack_file(
    ctx: WorkerContext,
    document_id: str,
    notice_channel: str | None = None,
    notice_ts: str | None = None,
) -> IngestResult | None:
    """Fetch, check, keep, parse, chunk, embed and index one shared file, then reply.

    A file that can't be indexed is marked failed with a one-sentence reason, which is
    also the reply; it is not retried. Slack or network trouble propagates (retried).
    ``notice_ts``: the bot's "Reading…" reply in ``notice_channel``, edited with the
    page reached while a long file is read (at most every few seconds).
    """
    started = time.perf_counter()
    claimed = _claim(ctx, document_id)
    if claimed is None:
        return None
    reading = _Reading(ctx, claimed.title, notice_channel, notice_ts)
    try:
        result = _fetch_and_index(ctx, claimed, reading)
    except PdfError as exc:  # the file's fault: record it, tell the person, never retry
        with session_scope(ctx.sessions) as session:
            mark_document_failed(session, document_id=document_id, error=str(exc))
        log.info("ingest failed document=%s kind=%s", document_id, exc.kind)
        metrics().ingest_failures.labels(reason=exc.kind).inc()
        reading.finish(f"I stopped reading *{escape(claimed.title)}*; the reason is below.")
        _reply(ctx, claimed, f"I couldn't index *{escape(claimed.title)}*: {exc}")
        return None
    seconds = time.perf_counter() - started
    metrics().ingest_pages.inc(result.pages)
    metrics().ingest_chunks.inc(result.chunks)
    log.info(
        "ingested document=%s pages=%d chunks=%d seconds=%.2f",
        document_id, result.pages, result.chunks, seconds,
    )  # fmt: skip
    reading.finish(f"Read *{escape(claimed.title)}*: all {result.pages} pages.")
    _reply(
        ctx,
        claimed,
        f"Indexed *{escape(claimed.title)}*: {result.pages} pages, {result.chunks} chunks"
        f" in {seconds:.1f} s. Ask me about it with /ask or @ragtime.",
    )
    return result


def _claim(ctx: WorkerContext, document_id: str) -> _Claimed | None:
    with session_scope(ctx.sessions) as session:
        document = get_document(session, document_id=document_id)
        if document is None or document.status not in _TO_INDEX:
            status = document.status if document else "missing"
            log.info("ingest skipped document=%s status=%s", document_id, status)
            return None
        start_document_indexing(session, document_id=document_id)
        share = first_share(session, document_id=document_id)
        return _Claimed(
            document_id, document.team_id, document.title, document.slack_file_id, share
        )


class _Reading:
    """The "Reading…" reply, edited with the page reached: text first, then indexing."""

    def __init__(self, ctx: WorkerContext, title: str, channel: str | None, ts: str | None) -> None:
        self.title = escape(title)
        self.notice = None
        if channel and ts:
            interval = ctx.settings.progress_interval_seconds
            self.notice = ThrottledNotice(ctx.slack, channel, ts, interval=interval)
        self.pages = 0
        self.indexing_since = time.monotonic()

    def read(self, done: int, count: int) -> None:
        self.pages = count
        if self.notice:
            self.notice.offer(lambda: f"Reading *{self.title}*… text of page {done} of {count}.")

    def start_indexing(self, pages: int) -> None:
        self.pages, self.indexing_since = pages, time.monotonic()

    def indexed(self, pages: int, _chunks: int) -> None:
        if self.notice is None or pages >= self.pages:
            return
        per_page = (time.monotonic() - self.indexing_since) / max(pages, 1)
        left = _time_left((self.pages - pages) * per_page)
        self.notice.offer(
            lambda: f"Reading *{self.title}*… indexing page {pages} of {self.pages}, {left}."
        )

    def finish(self, text: str) -> None:
        """Leave the reply saying how it ended, if it was ever edited with progress."""
        if self.notice is not None and self.notice.edited:
            edit_notice(
                self.notice.client, channel=self.notice.channel, ts=self.notice.ts, text=text
            )


def _time_left(seconds: float) -> str:
    if seconds < 60:
        return "less than a minute left"
    return f"about {round(seconds / 60)} min left"


def _fetch_and_index(ctx: WorkerContext, claimed: _Claimed, reading: _Reading) -> IngestResult:
    fetched = _fetch(ctx, claimed)
    # Checks it first, then reads it in the child process.
    pages = ctx.pdf_reader.extract(fetched.data, ctx.services.pdf_limits, reading.read)
    key = original_key(claimed.team_id, claimed.document_id)
    ctx.services.blobs.put(key, fetched.data)
    with session_scope(ctx.sessions) as session:
        set_document_permalink(
            session, document_id=claimed.document_id, permalink=fetched.permalink
        )
        scope = document_scope(session, document_id=claimed.document_id)
    if scope is None:
        raise FileRefusedError("deleted", _REMOVED_SENTENCE)
    info = DocumentInfo(claimed.document_id, claimed.title, link=fetched.permalink)
    reading.start_indexing(len(pages))
    result = ingest_document(
        ctx.services,
        document=info,
        scope=scope,
        data=fetched.data,
        pages=pages,
        on_progress=reading.indexed,
    )
    with session_scope(ctx.sessions) as session:
        indexed = mark_document_indexed(
            session,
            document_id=claimed.document_id,
            pages=result.pages,
            chunk_count=result.chunks,
            sha256=hashlib.sha256(fetched.data).hexdigest(),
            size_bytes=len(fetched.data),
            blob_key=key,
        )
        latest = document_scope(session, document_id=claimed.document_id)
    _settle(ctx, claimed, key, deleted=indexed is None, scope_changed=latest != scope)
    return result


def _fetch(ctx: WorkerContext, claimed: _Claimed) -> SlackFile:
    if claimed.slack_file_id is None:
        raise FileRefusedError(
            "no_file", "This document has no Slack file to fetch; share it again."
        )
    return fetch_slack_file(
        ctx.slack,
        file_id=claimed.slack_file_id,
        hosts=ctx.settings.file_hosts,
        max_bytes=ctx.settings.pdf_max_bytes,
    )


def _settle(
    ctx: WorkerContext, claimed: _Claimed, key: str, *, deleted: bool, scope_changed: bool
) -> None:
    """Catch up with a forget or a share that happened while the document was indexed."""
    document_id = claimed.document_id
    if deleted:
        ctx.services.store.delete_document(document_id, team_id=claimed.team_id)
        ctx.services.blobs.delete(key)
        raise FileRefusedError("deleted", _REMOVED_SENTENCE)
    if scope_changed:
        with session_scope(ctx.sessions) as session:
            scope = document_scope(session, document_id=document_id)
        if scope is not None:
            ctx.services.store.set_scope(document_id, scope)


def _reply(ctx: WorkerContext, claimed: _Claimed, text: str) -> None:
    share = claimed.share
    if share is None:
        log.info("no share to reply to document=%s", claimed.document_id)
        return
    post_notice(ctx.slack, channel=share.conversation_id, text=text, thread_ts=share.message_ts)
