"""The reconcile makes the index match the database after the races that can split them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ragtime.db import session_scope
from ragtime.db.documents import document_scope, mark_document_deleted, share_document
from ragtime.db.locks import acquire_lock
from ragtime.domain import DocumentInfo, Scope
from ragtime.pipeline import ingest_document, search
from taskqueue.names import reindex_lock_name
from tests.pdfs import make_pdf
from tests.unit.test_worker_fake_slack import (
    FakeSlack,
    shared_document,
    worker_context,
    worker_settings,
)
from worker.context import WorkerContext
from worker.ingesting import ingest_slack_file
from worker.maintenance import forget_slack_document
from worker.reconciling import reconcile_index

GUIDE = make_pdf([["Timelines", "An e-commerce website takes 7-10 weeks to build."]])
KILN = make_pdf([["Firing", "The glaze firing holds at cone 6 for fifteen minutes."]])


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[WorkerContext]:
    with FakeSlack() as slack:
        slack.add_file("F1", GUIDE, name="guide.pdf")
        slack.add_file("F2", KILN, name="kiln.pdf")
        context = worker_context(worker_settings(tmp_path, slack))
        yield context
        context.close()


def _indexed(ctx: WorkerContext, file_id: str, title: str) -> str:
    document_id = shared_document(ctx, file_id=file_id, title=title)
    assert ingest_slack_file(ctx, document_id) is not None
    return document_id


def _found(ctx: WorkerContext, question: str, conversation: str = "C1") -> set[str]:
    hits, _ = search(ctx.services, question=question, scope=Scope("T1", conversation))
    return {hit.chunk.document_id for hit in hits}


def test_a_reindex_that_lands_after_a_delete_is_undone(ctx: WorkerContext) -> None:
    guide = _indexed(ctx, "F1", "guide.pdf")
    with session_scope(ctx.sessions) as session:
        scope = document_scope(session, document_id=guide)
    forget_slack_document(ctx, guide)
    # The re-index that read the document before the delete writes its chunks after it.
    assert scope is not None
    info = DocumentInfo(guide, "guide.pdf", "")
    ingest_document(ctx.services, document=info, scope=scope, data=GUIDE)
    assert guide in _found(ctx, "How long does an e-commerce website take?")

    done = reconcile_index(ctx)

    assert done.removed == [guide] and not done.rescoped and not done.restored
    assert guide not in _found(ctx, "How long does an e-commerce website take?")
    assert done.summary().startswith("Reconciled the index: 1 removed")


def test_chunks_of_a_document_the_database_never_knew_are_removed(ctx: WorkerContext) -> None:
    kept = _indexed(ctx, "F2", "kiln.pdf")
    with session_scope(ctx.sessions) as session:
        scope = document_scope(session, document_id=kept)
    assert scope is not None
    stray = DocumentInfo("doc-nobody-knows", "stray.pdf", "")
    ingest_document(ctx.services, document=stray, scope=scope, data=GUIDE)

    done = reconcile_index(ctx)

    assert done.removed == ["doc-nobody-knows"]
    assert set(ctx.services.store.document_scopes("T1")) == {kept}


def test_a_scope_change_lost_in_a_race_is_applied(ctx: WorkerContext) -> None:
    guide = _indexed(ctx, "F1", "guide.pdf")
    with session_scope(ctx.sessions) as session:  # shared in C2; its scope sync never ran
        share_document(session, document_id=guide, conversation_id="C2", message_ts="2.1")
    assert guide not in _found(ctx, "How long does an e-commerce website take?", "C2")

    done = reconcile_index(ctx)

    assert done.rescoped == [guide]
    assert guide in _found(ctx, "How long does an e-commerce website take?", "C2")


def test_an_indexed_document_missing_from_the_index_is_restored_from_its_original(
    ctx: WorkerContext,
) -> None:
    guide = _indexed(ctx, "F1", "guide.pdf")
    chunks = ctx.services.store.count()
    ctx.services.store.delete_document(guide, team_id="T1")  # lost, say, with a volume

    done = reconcile_index(ctx)

    assert done.restored == [guide] and ctx.services.store.count() == chunks
    assert guide in _found(ctx, "How long does an e-commerce website take?")


def test_an_index_in_step_is_left_alone_and_a_running_reindex_is_not_disturbed(
    ctx: WorkerContext,
) -> None:
    guide = _indexed(ctx, "F1", "guide.pdf")
    _indexed(ctx, "F2", "kiln.pdf")

    done = reconcile_index(ctx)
    assert (done.fixed, done.summary()) == (0, "The index matches the database.")

    with session_scope(ctx.sessions) as session:
        mark_document_deleted(session, document_id=guide)
        acquire_lock(session, name=reindex_lock_name("T1"), holder="U1", ttl_seconds=60)
    done = reconcile_index(ctx)
    assert done.skipped_workspaces == ["T1"] and done.fixed == 0
