"""Make the index match the database, and say what had to be fixed.

Work that races (a re-index finishing after a delete, a scope change landing between
another's read and write, a worker killed between the store and the database) can
leave the index out of step with the database, which is the record. This runs
periodically (the maintenance worker's schedule, ``reconcile_interval_seconds``) and
on demand (``ragtime reconcile``), per workspace:

- chunks of a document the database has deleted, or does not know, are removed;
- chunks whose scope differs from the database's get the database's scope (a document
  shared nowhere any more is forgotten);
- a document the database calls indexed, with chunks, but the index lacks is indexed
  again from its kept original.

The index is read before the database: a document created meanwhile is in the second
read, so nothing just shared is taken for a stranger. Documents being indexed, queued or
failed are left to their own task, and a workspace under ``/ragtime reindex`` is skipped.
Event ids older than a day (Slack retries for an hour) are forgotten here too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from ragtime.db import session_scope
from ragtime.db.audit import forget_events_before
from ragtime.db.documents import (
    document_scope,
    get_document,
    workspace_documents,
    workspaces_with_documents,
)
from ragtime.db.locks import lock_holder
from ragtime.db.types import utcnow
from taskqueue.names import reindex_lock_name
from worker.context import WorkerContext
from worker.maintenance import sync_document_scope
from worker.reindexing import ReindexReport, reindex_one

log = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=1)


@dataclass
class Reconciled:
    removed: list[str] = field(default_factory=list)  # deleted or unknown: chunks removed
    rescoped: list[str] = field(default_factory=list)  # chunks given the database's scope
    restored: list[str] = field(default_factory=list)  # indexed again from the original
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document, why not)
    skipped_workspaces: list[str] = field(default_factory=list)  # a re-index is running
    events_forgotten: int = 0

    @property
    def fixed(self) -> int:
        return len(self.removed) + len(self.rescoped) + len(self.restored)

    def summary(self) -> str:
        if not self.fixed and not self.failed:
            return "The index matches the database."
        parts = [
            f"{len(self.removed)} removed (deleted or unknown)",
            f"{len(self.rescoped)} given their current scope",
            f"{len(self.restored)} indexed again",
        ]
        line = "Reconciled the index: " + ", ".join(parts) + "."
        if self.failed:
            line += f" {len(self.failed)} could not be fixed: " + "; ".join(
                f"{doc} ({why})" for doc, why in self.failed
            )
        return line


def reconcile_index(ctx: WorkerContext) -> Reconciled:
    """Fix every difference between the index and the database; report what was fixed."""
    done = Reconciled()
    with session_scope(ctx.sessions) as session:
        teams = workspaces_with_documents(session)
    for team_id in teams:
        _reconcile_team(ctx, team_id, done)
    with session_scope(ctx.sessions) as session:
        done.events_forgotten = forget_events_before(session, older_than=utcnow() - EVENT_MEMORY)
    level = logging.WARNING if done.fixed or done.failed else logging.INFO
    log.log(
        level,
        "reconciled removed=%d rescoped=%d restored=%d failed=%d events_forgotten=%d",
        len(done.removed), len(done.rescoped), len(done.restored), len(done.failed),
        done.events_forgotten,
    )  # fmt: skip
    return done


def _reconcile_team(ctx: WorkerContext, team_id: str, done: Reconciled) -> None:
    held = ctx.services.store.document_scopes(team_id)  # first: see the module's note
    with session_scope(ctx.sessions) as session:
        if lock_holder(session, name=reindex_lock_name(team_id)) is not None:
            done.skipped_workspaces.append(team_id)
            return
        indexed = workspace_documents(session, team_id=team_id, statuses=["indexed"])
    for document_id, stored in held.items():
        with session_scope(ctx.sessions) as session:
            document = get_document(session, document_id=document_id)
            status = document.status if document else "missing"
            wanted = document_scope(session, document_id=document_id) if document else None
        if status in {"missing", "deleted"}:
            ctx.services.store.delete_document(document_id, team_id=team_id)
            log.warning("reconcile removed document=%s status=%s", document_id, status)
            done.removed.append(document_id)
        elif status == "indexed" and wanted is not None and wanted != stored:
            sync_document_scope(ctx, document_id)  # also forgets one shared nowhere now
            log.warning("reconcile rescoped document=%s", document_id)
            done.rescoped.append(document_id)
    for document in indexed:
        if document.id in held or not document.chunk_count:
            continue
        report = ReindexReport()
        reindex_one(ctx, document, report)
        if report.documents:
            log.warning("reconcile restored document=%s chunks=%d", document.id, report.chunks)
            done.restored.append(document.id)
        else:
            done.failed.extend(report.failures)
