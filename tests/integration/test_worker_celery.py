"""A real Celery worker process, on Redis and on the filesystem broker (no server).

The worker is started the way production starts it (``worker.main.run_worker``) with
the hashing embedder, a migrated SQLite file and a fake Slack in this process; tasks
are sent through ``taskqueue.enqueue.Enqueuer``, as the bot sends them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery import Celery

from ragtime.db import session_scope
from ragtime.db.documents import get_document
from ragtime.db.questions import get_question, record_question, set_answer_message
from taskqueue.enqueue import Enqueuer
from tests.pdfs import make_pdf
from tests.unit.test_worker_fake_slack import (
    FakeSlack,
    shared_document,
    worker_context,
    worker_settings,
)
from worker.context import WorkerContext

REPO = Path(__file__).resolve().parents[2]
GUIDE = make_pdf([["Timelines", "An e-commerce website takes 7-10 weeks to build."]])
START_WORKER = (
    "from ragtime.settings import get_settings; from worker.main import run_worker; "
    "run_worker(get_settings(), concurrency=2, pool='prefork', loglevel='INFO')"
)
# Read by the application: a developer's own values must not reach the worker.
APP_VARIABLES = {"REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL", "AWS_REGION", "ADMIN_USER_IDS"}


@dataclass
class RunningWorker:
    ctx: WorkerContext
    slack: FakeSlack
    enqueuer: Enqueuer
    log: Path


@pytest.fixture(scope="module", params=["filesystem", "redis"])
def worker(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningWorker]:
    broker = {"redis_url": request.getfixturevalue("redis_url")} if request.param == "redis" else {}
    folder = tmp_path_factory.mktemp(request.param)
    with FakeSlack() as slack:
        settings = worker_settings(folder, slack, **broker)
        ctx = worker_context(settings)  # migrates the database the worker will use
        log = folder / "worker.log"
        process = _start(settings.model_dump(), log)
        enqueuer = Enqueuer.from_settings(settings, Celery("ragtime-test-client"))
        try:
            yield RunningWorker(ctx, slack, enqueuer, log)
        finally:
            _stop(process, log)
            ctx.close()
        assert slack.token not in log.read_text()  # never logged


def _start(
    values: dict[str, object], log: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The worker in a process group of its own (parent and pool children: one kill)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RAGTIME_", "SLACK_")) and key not in APP_VARIABLES
    }
    env |= {
        "RAGTIME_EMBEDDER": "hashing",
        "RAGTIME_DATA_DIR": str(values["data_dir"]),
        "DATABASE_URL": str(values["database_url"]),
        "SLACK_BOT_TOKEN": values["slack_bot_token"].get_secret_value(),  # type: ignore[attr-defined]
        "RAGTIME_SLACK_API_URL": str(values["slack_api_url"]),
        "RAGTIME_SLACK_FILE_HOSTS": "127.0.0.1",
    }
    if values.get("redis_url"):
        env["REDIS_URL"] = str(values["redis_url"])
    env |= extra or {}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", START_WORKER],
            cwd=REPO, env=env, stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip


def _stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGTERM)  # warm shutdown: finish, put unacked tasks back
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"the worker ignored SIGTERM; its log:\n{log.read_text()[-3000:]}")


def _ask(ctx: WorkerContext, text: str, placeholder_ts: str) -> str:
    with session_scope(ctx.sessions) as session:
        question = record_question(
            session, team_id="T1", conversation_id="C1", user_id="U2", text=text,
            asked_via="mention",
        )  # fmt: skip
        set_answer_message(session, question_id=question.id, channel="C1", ts=placeholder_ts)
        return question.id


def _document_status(ctx: WorkerContext, document_id: str) -> str:
    with session_scope(ctx.sessions) as session:
        document = get_document(session, document_id=document_id)
        return document.status if document else "missing"


def _wait_until(done: Callable[[], bool], log: Path | None = None, timeout: float = 60) -> None:
    """Poll ``done`` until it holds; on timeout fail with the worker's log's tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.05)
    tail = log.read_text()[-3000:] if log is not None else "(no log)"
    raise AssertionError(f"not done after {timeout:.0f} s; the worker's log:\n{tail}")


def _question_status(ctx: WorkerContext, question_id: str) -> str:
    with session_scope(ctx.sessions) as session:
        question = get_question(session, question_id=question_id)
        return question.status if question else "missing"


def test_a_shared_pdf_is_indexed_then_questions_are_answered(worker: RunningWorker) -> None:
    ctx, slack = worker.ctx, worker.slack
    slack.add_file("F1", GUIDE)
    document_id = shared_document(ctx, file_id="F1")

    worker.enqueuer.ingest(document_id)

    replies = slack.wait_for("chat.postMessage", timeout=60)
    assert str(replies[0].params["text"]).startswith("Indexed *guide.pdf*: 1 pages, 1 chunks")
    assert _document_status(ctx, document_id) == "indexed"

    latencies = []
    for number in range(1, 6):  # the worker is warm now: these are what people wait
        question_id = _ask(ctx, "How long does an e-commerce website take?", f"1.{number}")
        sent = time.monotonic()
        worker.enqueuer.answer(question_id)
        update = slack.wait_for("chat.update", count=number, timeout=30)[-1]
        latencies.append(update.at - sent)
        assert "7-10 weeks" in update.params["text"]
        assert update.params["blocks"][-1]["block_id"] == "feedback"
    # The status moves after the answer is posted (a failed post is retried first).
    deadline = time.monotonic() + 30
    while _question_status(ctx, question_id) != "answered" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _question_status(ctx, question_id) == "answered"
    print(f"\nenqueue to answer posted (ms): {[round(s * 1000) for s in latencies]}")


def test_a_rate_limited_slack_is_retried_after_retry_after(worker: RunningWorker) -> None:
    ctx, slack = worker.ctx, worker.slack
    slack.add_file("F2", GUIDE, name="again.pdf")
    # Three 429s: the client waits out two itself, the task retries after the third.
    slack.fail("files.info", 429, headers={"Retry-After": "1"}, times=3)
    document_id = shared_document(ctx, file_id="F2", title="again.pdf")
    sent = time.monotonic()

    worker.enqueuer.ingest(document_id)

    deadline = time.monotonic() + 60
    while _document_status(ctx, document_id) != "indexed" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _document_status(ctx, document_id) == "indexed"
    calls = [c for c in slack.calls_to("files.info") if c.params.get("file") == "F2"]
    assert len(calls) == 4
    assert calls[-1].at - sent >= 3.0  # 1 s + 1 s in the client, 1 s before the retry
    assert "will retry" in worker.log.read_text()
