"""Every kind of bad file through a real Celery worker (the laptop's broker, prefork).

Twenty-two files built by ``tests.hostile``; a good document is indexed first. Each bad
file ends failed with its own one-sentence reason in its Slack thread, each readable
one is indexed; the worker process is the same one throughout and the good document
still answers, with the instructions hidden in one file changing nothing.
"""

from __future__ import annotations

from celery import Celery

from ragtime.db import session_scope
from ragtime.db.documents import get_document
from taskqueue.enqueue import Enqueuer
from tests.hostile import INJECTION, corpus
from tests.integration.test_worker_celery import (
    GUIDE,
    _ask,
    _document_status,
    _question_status,
    _start,
    _stop,
    _wait_until,
)
from tests.unit.test_worker_fake_slack import (
    FakeSlack,
    shared_document,
    worker_context,
    worker_settings,
)

TERMINAL = {"indexed", "failed"}


def test_every_hostile_file_fails_alone_and_the_worker_keeps_answering(
    tmp_path_factory: object,
) -> None:
    folder = tmp_path_factory.mktemp("hostile")  # type: ignore[attr-defined]
    files = corpus()
    with FakeSlack() as slack:
        settings = worker_settings(folder, slack, pdf_timeout_seconds=3)
        ctx = worker_context(settings)
        log = folder / "worker.log"
        worker = _start(settings.model_dump(), log, {"RAGTIME_PDF_TIMEOUT_SECONDS": "3"})
        enqueuer = Enqueuer.from_settings(settings, Celery("ragtime-hostile-client"))
        try:
            slack.add_file("F0", GUIDE, name="guide.pdf")
            good = shared_document(ctx, file_id="F0", title="guide.pdf", message_ts="1.0")
            enqueuer.ingest(good)
            _wait_until(lambda: _document_status(ctx, good) in TERMINAL, log)

            ids = {}
            for number, bad in enumerate(files, start=1):
                slack.add_file(f"F{number}", bad.data, name=bad.name)
                ids[bad.name] = shared_document(
                    ctx, file_id=f"F{number}", title=bad.name, message_ts=f"2.{number}"
                )
                enqueuer.ingest(ids[bad.name])
            _wait_until(
                lambda: all(_document_status(ctx, d) in TERMINAL for d in ids.values()), log
            )
            # The status is recorded first, then the thread is told.
            _wait_until(lambda: len(_replies_by_thread(slack)) > len(files), log)

            assert worker.poll() is None, "the worker died"
            threads = _replies_by_thread(slack)
            for number, bad in enumerate(files, start=1):
                status, error = _document_status(ctx, ids[bad.name]), _error(ctx, ids[bad.name])
                assert status == bad.outcome, f"{bad.name}: {status} ({error})"
                [reply] = threads[f"2.{number}"]
                if bad.outcome == "failed":
                    assert error and bad.says in error, f"{bad.name}: {error}"
                    assert error.endswith(".") and ". " not in error  # one sentence
                    assert reply == f"I couldn't index *{bad.name}*: {error}"
                else:
                    assert reply.startswith(f"Indexed *{bad.name}*"), reply
            assert slack.token not in log.read_text()
            reasons = {_error(ctx, ids[b.name]) for b in files if b.outcome == "failed"}
            print(f"\n{len(files)} files: {len(reasons)} distinct reasons, worker pid unchanged")

            # The good document still answers, in its own words, with the worker that read
            # all of the above; the hidden instructions ask for APPROVED and get nothing.
            answer = _answer(ctx, enqueuer, slack, "How long does an e-commerce website take?")
            assert "7-10 weeks" in answer and "APPROVED" not in answer
            assert INJECTION[:30] not in answer
        finally:
            _stop(worker, log)
            ctx.close()


def _error(ctx: object, document_id: str) -> str | None:
    with session_scope(ctx.sessions) as session:  # type: ignore[attr-defined]
        document = get_document(session, document_id=document_id)
        return document.error if document else None


def _replies_by_thread(slack: FakeSlack) -> dict[str, list[str]]:
    threads: dict[str, list[str]] = {}
    for call in slack.calls_to("chat.postMessage"):
        threads.setdefault(str(call.params.get("thread_ts")), []).append(str(call.params["text"]))
    return threads


def _answer(ctx: object, enqueuer: Enqueuer, slack: FakeSlack, text: str) -> str:
    question_id = _ask(ctx, text, "9.1")  # type: ignore[arg-type]
    before = len(slack.calls_to("chat.update"))
    enqueuer.answer(question_id)
    updates = slack.wait_for("chat.update", count=before + 1, timeout=60)
    _wait_until(lambda: _question_status(ctx, question_id) == "answered")  # type: ignore[arg-type]
    return str(updates[-1].params["text"])
