"""Ingesting a PDF shared in Slack: the job function, against a local fake of Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError

import ragtime.pipeline
from ragtime.blobstore.local import LocalBlobStore
from ragtime.db import session_scope
from ragtime.db.documents import get_document, mark_document_deleted, queue_document_reindex
from ragtime.db.models import Document
from tests.pdfs import make_pdf
from tests.unit.test_worker_fake_slack import (
    FakeSlack,
    shared_document,
    worker_context,
    worker_settings,
)
from worker.context import WorkerContext
from worker.errors import transient_error
from worker.failures import give_up_ingest
from worker.ingesting import ingest_slack_file

GUIDE = make_pdf(
    [
        ["Onboarding", "The kickoff call happens on day one of the project."],
        ["Timelines", "An e-commerce website takes 7-10 weeks to build."],
    ]
)
SHARE_TS = "1699999999.000100"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def ctx(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[WorkerContext]:
    context = worker_context(worker_settings(tmp_path, fake_slack, pdf_max_bytes=64 * 1024))
    yield context
    context.close()


def document(ctx: WorkerContext, document_id: str) -> Document:
    with session_scope(ctx.sessions) as session:
        found = get_document(session, document_id=document_id)
        assert found is not None
        return found


def replies(fake_slack: FakeSlack) -> list[str]:
    return [str(call.params["text"]) for call in fake_slack.calls_to("chat.postMessage")]


def test_a_shared_pdf_is_indexed_and_the_thread_is_told(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE)
    document_id = shared_document(ctx, file_id="F1", message_ts=SHARE_TS)

    result = ingest_slack_file(ctx, document_id)

    assert result is not None and (result.pages, result.chunks) == (2, 1)
    [reply] = fake_slack.calls_to("chat.postMessage")
    assert reply.params["channel"] == "C1" and reply.params["thread_ts"] == SHARE_TS
    assert str(reply.params["text"]).startswith("Indexed *guide.pdf*: 2 pages, 1 chunks in ")
    stored = document(ctx, document_id)
    assert (stored.status, stored.pages, stored.chunk_count, stored.version) == ("indexed", 2, 1, 1)
    assert stored.size_bytes == len(GUIDE) and stored.sha256 and stored.permalink
    assert ctx.services.blobs.get(f"T1/{document_id}.pdf") == GUIDE
    assert ctx.services.store.count() == 1


def test_running_the_ingest_again_changes_nothing(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE)
    document_id = shared_document(ctx, file_id="F1")
    ingest_slack_file(ctx, document_id)

    assert ingest_slack_file(ctx, document_id) is None  # already indexed: a redelivery
    with session_scope(ctx.sessions) as session:  # an explicit re-queue indexes it again
        queue_document_reindex(session, document_id=document_id)
    assert ingest_slack_file(ctx, document_id) is not None

    assert ctx.services.store.count() == 1
    assert document(ctx, document_id).chunk_count == 1
    assert len(replies(fake_slack)) == 2


def test_a_corrupt_pdf_fails_with_one_sentence_and_leaves_others_alone(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE)
    good = shared_document(ctx, file_id="F1")
    ingest_slack_file(ctx, good)
    fake_slack.add_file("F2", GUIDE[: len(GUIDE) // 2], name="broken.pdf")
    broken = shared_document(ctx, file_id="F2", title="broken.pdf")

    assert ingest_slack_file(ctx, broken) is None  # handled: nothing for Celery to retry

    failed = document(ctx, broken)
    assert failed.status == "failed"
    assert failed.error and "damaged" in failed.error and failed.error.count(".") == 1
    assert replies(fake_slack)[-1] == f"I couldn't index *broken.pdf*: {failed.error}"
    assert document(ctx, good).status == "indexed"
    assert ctx.services.store.count() == 1


def test_a_sign_in_page_instead_of_the_file_is_explained(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE, requires_token="xoxb-another-app")
    document_id = shared_document(ctx, file_id="F1")

    ingest_slack_file(ctx, document_id)

    assert document(ctx, document_id).error == (
        "Slack sent a sign-in page instead of the file;"
        " check that the app has the files:read scope."
    )
    assert "files:read" in replies(fake_slack)[-1]


def test_a_download_address_off_the_allowed_hosts_is_not_fetched(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE, url="https://files.example.com/F1/guide.pdf")
    document_id = shared_document(ctx, file_id="F1")

    ingest_slack_file(ctx, document_id)

    stored = document(ctx, document_id)
    assert stored.status == "failed"
    assert stored.error and "files.example.com, which is not a Slack file host" in stored.error
    assert fake_slack.downloads == 0


def test_a_download_that_redirects_off_the_allowed_hosts_is_refused_unfollowed(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    with FakeSlack() as elsewhere:  # another server, reached by another host name
        elsewhere.add_file("F1", GUIDE)
        target = elsewhere.base_url.replace("127.0.0.1", "localhost") + "/files/F1/guide.pdf"
        fake_slack.add_file("F1", GUIDE)
        fake_slack.redirects["/files/F1/guide.pdf"] = target
        good = shared_document(ctx, file_id="F2", title="good.pdf")
        fake_slack.add_file("F2", GUIDE, name="good.pdf")
        ingest_slack_file(ctx, good)
        document_id = shared_document(ctx, file_id="F1")

        ingest_slack_file(ctx, document_id)

        assert elsewhere.downloads == 0  # never contacted, so never saw the token
    stored = document(ctx, document_id)
    assert stored.status == "failed" and fake_slack.downloads == 2  # good.pdf, the redirect
    assert stored.error == (
        "Slack's download address sent me on to localhost, which is not a Slack file host,"
        " so the file was not fetched; share it again from Slack."
    )
    assert fake_slack.token not in str(stored.error)
    assert document(ctx, good).status == "indexed"


def test_a_redirect_to_slacks_sign_in_page_is_explained(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE)
    fake_slack.redirects["/files/F1/guide.pdf"] = "https://acme.slack.com/?redir=%2Ffiles%2FF1"
    document_id = shared_document(ctx, file_id="F1")

    ingest_slack_file(ctx, document_id)

    assert "sign-in page" in str(document(ctx, document_id).error)


def test_a_file_over_the_size_limit_is_refused_before_downloading(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE, size=10 * 1024 * 1024)
    document_id = shared_document(ctx, file_id="F1")

    ingest_slack_file(ctx, document_id)

    assert document(ctx, document_id).error == (
        "This PDF is 10 MB, over the 64 KB limit, so it can't be indexed;"
        " split or compress it and share the parts."
    )
    assert fake_slack.downloads == 0


@pytest.mark.parametrize("announce_length", [True, False])
def test_a_download_longer_than_announced_is_cut_off_at_the_limit(
    ctx: WorkerContext, fake_slack: FakeSlack, announce_length: bool
) -> None:
    big = GUIDE + b" " * (64 * 1024)
    fake_slack.add_file("F1", big, size=1000, announce_length=announce_length)
    document_id = shared_document(ctx, file_id="F1")

    ingest_slack_file(ctx, document_id)

    error = document(ctx, document_id).error
    expected = "This PDF is 65" if announce_length else "This PDF is larger than the 64 KB limit"
    assert error and error.startswith(expected)


def test_a_file_gone_from_slack_is_reported_not_retried(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    document_id = shared_document(ctx, file_id="F404")

    ingest_slack_file(ctx, document_id)

    assert document(ctx, document_id).error == (
        "This file is no longer in Slack, so it can't be indexed; share it again."
    )


def test_slack_being_down_is_left_to_the_retry(ctx: WorkerContext, fake_slack: FakeSlack) -> None:
    fake_slack.add_file("F1", GUIDE)
    fake_slack.fail("files.info", 500, times=2)  # the client itself retries once
    document_id = shared_document(ctx, file_id="F1")

    with pytest.raises(SlackApiError) as raised:
        ingest_slack_file(ctx, document_id)

    assert transient_error(raised.value) is not None
    assert document(ctx, document_id).status == "indexing"  # the retry picks it up
    assert ingest_slack_file(ctx, document_id) is not None
    assert document(ctx, document_id).status == "indexed"


class ForgetWhenStored(LocalBlobStore):
    """An admin runs `/ragtime forget` just as the worker stores the original."""

    def __init__(self, ctx: WorkerContext) -> None:
        super().__init__(ctx.settings.blob_dir)
        self.ctx = ctx

    def put(self, key: str, data: bytes) -> None:
        super().put(key, data)
        with session_scope(self.ctx.sessions) as session:
            mark_document_deleted(
                session, document_id=key.rsplit("/", maxsplit=1)[-1].removesuffix(".pdf")
            )


def test_a_document_forgotten_while_indexing_leaves_nothing_behind(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE)
    document_id = shared_document(ctx, file_id="F1")
    ctx.services.blobs = ForgetWhenStored(ctx)

    assert ingest_slack_file(ctx, document_id) is None

    assert ctx.services.store.count() == 0
    with pytest.raises(KeyError):
        ctx.services.blobs.get(f"T1/{document_id}.pdf")
    assert document(ctx, document_id).status == "deleted"
    assert replies(fake_slack)[-1].endswith("removed while it was being indexed.")


def test_an_ingest_that_fails_for_good_is_not_left_indexing(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE)
    fake_slack.fail("files.info", 500, times=2)
    document_id = shared_document(ctx, file_id="F1")
    with pytest.raises(SlackApiError) as raised:
        ingest_slack_file(ctx, document_id)

    give_up_ingest(ctx, {"document_id": document_id}, raised.value)

    stored = document(ctx, document_id)
    assert stored.status == "failed" and stored.error and "error on our side" in stored.error
    assert replies(fake_slack) == [stored.error]


_WORDS = [
    "rollout",
    "billing",
    "hosting",
    "backups",
    "support",
    "training",
    "invoices",
    "domains",
    "audits",
]
LONG = make_pdf(
    [
        [
            f"{_WORDS[n % 9].title()} notes",
            f"Part {n}: how {_WORDS[n % 9]} works for {_WORDS[n % 7]}.",
        ]
        for n in range(60)
    ]
)


def test_a_long_file_edits_the_reading_reply_with_the_page_reached(
    tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ragtime.pipeline, "EMBED_SLICE", 1)  # a chunk is a slice
    settings = worker_settings(tmp_path, fake_slack, progress_interval_seconds=0)
    context = worker_context(settings)
    try:
        fake_slack.add_file("F9", LONG)
        document_id = shared_document(context, file_id="F9", message_ts=SHARE_TS)
        result = ingest_slack_file(context, document_id, "C1", "1700000000.000500")
    finally:
        context.close()

    assert result is not None and result.pages == 60
    edits = fake_slack.calls_to("chat.update")
    assert {(e.params["channel"], e.params["ts"]) for e in edits} == {("C1", "1700000000.000500")}
    texts = [str(e.params["text"]) for e in edits]
    assert "Reading *guide.pdf*… text of page 25 of 60." in texts
    indexing = [t for t in texts if "indexing page" in t]
    assert indexing and all(" of 60, " in t and t.endswith(" left.") for t in indexing)
    pages = [int(t.split("indexing page ")[1].split(" ")[0]) for t in indexing]
    assert pages == sorted(pages) and 0 < pages[0] < 60
    assert texts[-1] == "Read *guide.pdf*: all 60 pages."
    assert replies(fake_slack)[-1].startswith("Indexed *guide.pdf*: 60 pages")


def test_a_short_file_leaves_the_reading_reply_alone(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    fake_slack.add_file("F1", GUIDE)
    document_id = shared_document(ctx, file_id="F1", message_ts=SHARE_TS)
    assert ingest_slack_file(ctx, document_id, "C1", "1700000000.000500") is not None
    assert fake_slack.calls_to("chat.update") == []  # 4 s between edits by default
