"""Keep the index in step with Slack: forget a document, or move it to its new scope.

Both are safe to run again: forgetting what is gone and setting a scope it already has
change nothing.
"""

from __future__ import annotations

import logging

from ragtime.blobstore import original_key
from ragtime.db import session_scope
from ragtime.db.documents import document_scope, get_document, mark_document_deleted
from worker.context import WorkerContext

log = logging.getLogger(__name__)


def forget_slack_document(ctx: WorkerContext, document_id: str) -> int:
    """Take the document's chunks out of the index, delete its original, mark it deleted.

    Marked first, so an ingest finishing meanwhile sees the deletion and cleans up
    after itself. Returns how many chunks left the index.
    """
    with session_scope(ctx.sessions) as session:
        document = get_document(session, document_id=document_id)
        team_id = document.team_id if document else None
        key = document.blob_key if document else None
        if document is not None and key is None:
            key = original_key(document.team_id, document_id)
        mark_document_deleted(session, document_id=document_id)
    removed = ctx.services.store.delete_document(document_id, team_id=team_id)
    if key is not None:
        ctx.services.blobs.delete(key)
    log.info("forgot document=%s chunks=%d", document_id, removed)
    return removed


def sync_document_scope(ctx: WorkerContext, document_id: str) -> None:
    """Give the indexed chunks the document's current scope (shared again, published).

    A document shared nowhere any more is forgotten: its chunks leave the index. One
    not indexed yet is left to its ingest, which reads the scope when it finishes.
    """
    with session_scope(ctx.sessions) as session:
        document = get_document(session, document_id=document_id)
        status = document.status if document else "missing"
        team_id = document.team_id if document else None
        scope = document_scope(session, document_id=document_id)
    if scope is None or status == "deleted":
        ctx.services.store.delete_document(document_id, team_id=team_id)
        log.info("scope sync removed document=%s status=%s", document_id, status)
        return
    if not (scope.conversations or scope.workspace_wide):
        forget_slack_document(ctx, document_id)
        return
    if status != "indexed":
        log.info("scope sync deferred to ingest document=%s status=%s", document_id, status)
        return
    ctx.services.store.set_scope(document_id, scope)
    log.info(
        "scope synced document=%s conversations=%d workspace_wide=%s",
        document_id, len(scope.conversations), scope.workspace_wide,
    )  # fmt: skip
