"""Forget, scope sync, re-index and the maintenance lock, against a local fake of Slack."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from ragtime.db import session_scope
from ragtime.db.audit import recent_audit
from ragtime.db.documents import get_document, share_document
from ragtime.db.locks import acquire_lock, lock_holder, release_lock
from ragtime.domain import Scope
from ragtime.pipeline import search
from taskqueue.names import REINDEX_LOCK_TTL_SECONDS, reindex_lock_name
from tests.pdfs import make_pdf
from tests.unit.test_worker_fake_slack import (
    FakeSlack,
    shared_document,
    worker_context,
    worker_settings,
)
from worker.context import WorkerContext
from worker.ingesting import ingest_slack_file
from worker.maintenance import forget_slack_document, sync_document_scope
from worker.reindexing import Progress, reindex_documents

PROGRESS_TS = "1700000002.000001"


def pdf(topic: str) -> bytes:
    return make_pdf([[f"All about {topic}.", f"The {topic} handbook explains {topic} in depth."]])


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def ctx(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[WorkerContext]:
    context = worker_context(worker_settings(tmp_path, fake_slack))
    yield context
    context.close()


def indexed(ctx: WorkerContext, fake_slack: FakeSlack, topic: str, team_id: str = "T1") -> str:
    fake_slack.add_file(f"F-{topic}", pdf(topic), name=f"{topic}.pdf")
    document_id = shared_document(ctx, file_id=f"F-{topic}", title=f"{topic}.pdf", team_id=team_id)
    assert ingest_slack_file(ctx, document_id) is not None
    return document_id


def found_in(ctx: WorkerContext, conversation: str, text: str) -> set[str]:
    hits, _ = search(ctx.services, question=text, scope=Scope("T1", conversation))
    return {hit.chunk.document_id for hit in hits}


def take_lock(ctx: WorkerContext, team_id: str = "T1", holder: str = "UADMIN") -> bool:
    with session_scope(ctx.sessions) as session:
        return acquire_lock(
            session, name=reindex_lock_name(team_id), holder=holder,
            ttl_seconds=REINDEX_LOCK_TTL_SECONDS,
        )  # fmt: skip


def reindex(ctx: WorkerContext, target: str = "all", team_id: str = "T1") -> None:
    reindex_documents(
        ctx, team_id=team_id, user_id="UADMIN", target=target, channel_id="C1",
        message_ts=PROGRESS_TS,
    )  # fmt: skip


def test_forgetting_removes_the_chunks_and_the_original(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    document_id = indexed(ctx, fake_slack, "gardening")
    kept = indexed(ctx, fake_slack, "sailing")

    assert forget_slack_document(ctx, document_id) == 1
    assert forget_slack_document(ctx, document_id) == 0  # again: nothing left to do

    assert found_in(ctx, "C1", "gardening handbook") == {kept}
    with pytest.raises(KeyError):
        ctx.services.blobs.get(f"T1/{document_id}.pdf")
    with session_scope(ctx.sessions) as session:
        document = get_document(session, document_id=document_id)
        assert document is not None and document.status == "deleted"


def test_a_share_in_another_conversation_reaches_the_index(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    document_id = indexed(ctx, fake_slack, "gardening")
    assert found_in(ctx, "C2", "gardening handbook") == set()
    with session_scope(ctx.sessions) as session:
        share_document(session, document_id=document_id, conversation_id="C2")

    sync_document_scope(ctx, document_id)

    assert found_in(ctx, "C2", "gardening handbook") == {document_id}


def test_reindex_edits_one_message_at_most_once_a_second_then_reports(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    documents = [indexed(ctx, fake_slack, topic) for topic in ("a1", "b2", "c3", "d4", "e5")]
    assert take_lock(ctx)
    started = time.monotonic()

    reindex(ctx)

    elapsed = time.monotonic() - started
    updates = fake_slack.calls_to("chat.update")
    assert {(u.params["channel"], u.params["ts"]) for u in updates} == {("C1", PROGRESS_TS)}
    assert len(updates) <= elapsed + 2
    assert str(updates[-1].params["text"]).startswith("Re-indexed 5 documents (5 chunks) in ")
    with session_scope(ctx.sessions) as session:
        assert all(
            getattr(get_document(session, document_id=d), "version", 0) == 2 for d in documents
        )
        [entry] = recent_audit(session, team_id="T1")
        assert (entry.action, entry.outcome, entry.target) == ("reindex", "succeeded", "all")
    assert take_lock(ctx, holder="USOMEONE")  # released at the end


def test_progress_is_throttled_to_once_a_second(fake_slack: FakeSlack) -> None:
    ticks = itertools.count(step=0.3)  # each document takes 0.3 s
    client = WebClient(token=fake_slack.token, base_url=fake_slack.api_url)
    progress = Progress(client, "C1", PROGRESS_TS, total=10, clock=lambda: next(ticks))

    for done in range(1, 11):
        progress.step(done)

    texts = [call.params["text"] for call in fake_slack.calls_to("chat.update")]
    assert texts == ["Re-indexing: 4/10 documents…", "Re-indexing: 8/10 documents…"]


def test_a_missing_original_is_reported_and_the_rest_goes_on(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    lost = indexed(ctx, fake_slack, "gardening")
    indexed(ctx, fake_slack, "sailing")
    ctx.services.blobs.delete(f"T1/{lost}.pdf")
    take_lock(ctx)

    reindex(ctx)

    final = str(fake_slack.calls_to("chat.update")[-1].params["text"])
    assert final.startswith("Re-indexed 1 document (1 chunks) in ")
    assert "1 failed: *gardening.pdf* (its original is missing; share the file again)" in final
    with session_scope(ctx.sessions) as session:
        assert recent_audit(session, team_id="T1")[0].outcome == "failed"
        assert lock_holder(session, name=reindex_lock_name("T1")) is None


def test_another_workspaces_document_is_not_reindexed(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    theirs = indexed(ctx, fake_slack, "gardening", team_id="T2")

    reindex(ctx, target=theirs)

    final = fake_slack.calls_to("chat.update")[-1].params["text"]
    assert final == "That document is not in this workspace any more, so nothing was re-indexed."
    with session_scope(ctx.sessions) as session:
        document = get_document(session, document_id=theirs)
        assert document is not None and document.version == 1


def test_one_reindex_per_workspace_until_released_or_expired(ctx: WorkerContext) -> None:
    name = reindex_lock_name("T1")
    with session_scope(ctx.sessions) as session:
        assert acquire_lock(session, name=name, holder="U1", ttl_seconds=60)
        assert not acquire_lock(session, name=name, holder="U2", ttl_seconds=60)
        assert acquire_lock(session, name=reindex_lock_name("T2"), holder="U2", ttl_seconds=60)
        assert not release_lock(session, name=name, holder="U2")  # not U2's to release
        assert release_lock(session, name=name, holder="U1")
        assert acquire_lock(session, name=name, holder="U2", ttl_seconds=-1)  # already expired
        assert lock_holder(session, name=name) is None
        assert acquire_lock(session, name=name, holder="U3", ttl_seconds=60)  # takes it over
        assert lock_holder(session, name=name) == "U3"


def test_reindex_all_after_an_embedder_change_rebuilds_and_queues_the_other_workspaces(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    from dataclasses import replace

    from ragtime.embedding.hashing import HashingEmbedder
    from ragtime.vectorstore.embedded import EmbeddedStore

    indexed(ctx, fake_slack, "gardening")
    indexed(ctx, fake_slack, "sailing", team_id="T2")
    ctx.services.close()
    other = HashingEmbedder(dimension=256)
    other.name = "another-model"  # type: ignore[misc]
    ctx.services = replace(
        ctx.services,
        embedder=other,
        store=EmbeddedStore(
            ctx.settings.resolved_index_dir, dimension=256, embedder="another-model"
        ),
    )
    take_lock(ctx)

    reindex(ctx)

    final = str(fake_slack.calls_to("chat.update")[-1].params["text"])
    assert final.startswith("Re-indexed 1 document (1 chunks)")  # this workspace's only
    assert "sailing" not in final
    queued = list((ctx.settings.broker_dir / "queue").glob("*.msg"))
    assert len(queued) == 1 and b"T2" in queued[0].read_bytes()  # T2 re-indexes itself
    assert found_in(ctx, "C1", "gardening handbook")
