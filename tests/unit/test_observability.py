"""Metrics, logs and readiness: what operators see, and what they must never see.

The bot's whole HTTP surface (``create_wsgi_app``) and the worker's job functions run
against the Slack stand-in; /metrics is read after a scripted share, question and vote;
the captured log lines are JSON, carry the request's correlation id, and hold none of
the secrets fed through every path that could leak one.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.standin import BOB, GENERAL
from ragtime.logs import MASK, SecretFilter, configure_logging, correlated, correlation_id
from ragtime.settings import load_settings
from taskqueue.enqueue import CORRELATION_HEADER, Enqueuer
from tests.pdfs import make_pdf
from tests.unit.slack_harness import Harness, harness
from worker.health import probe, serve_health

TOKEN_SECRET = "standin"  # the stand-in's token is known; the signing secret too
WEAVIATE_KEY = "wv-key-0123456789"
DB_PASSWORD = "pg-pass-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Harness]:
    with harness(tmp_path, log_format="json") as running:
        yield running


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(prefix + " "):
            return float(line.split()[-1])
    return 0.0


def scripted(bot: Harness) -> None:
    bot.driver.share_file("guide.pdf", make_pdf([["Onboarding takes one week."]]))
    bot.ingest_all()
    bot.driver.slash_command("/ask", "How long is onboarding?")
    bot.answer_all()
    answer = bot.standin.messages(GENERAL)[-1]
    bot.driver.click_feedback(answer, positive=True, user=BOB)
    bot.settle()


def test_metrics_count_surfaces_acks_answers_ingests_votes_and_refusals(bot: Harness) -> None:
    base = bot.bot_url.removesuffix("/slack/events")
    before = get(f"{base}/metrics")[1]

    scripted(bot)
    bot.driver.slash_command("/ask", "forged", secret="wrong-secret")

    status, after = get(f"{base}/metrics")
    assert status == 200

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("ragtime_slack_requests_total", surface="command:/ask") == 1
    assert grew("ragtime_slack_requests_total", surface="action:answer_feedback") == 1
    assert grew("ragtime_ack_seconds_count", surface="event:message") >= 1
    assert grew("ragtime_rejected_signatures_total") == 1
    assert grew("ragtime_answers_total", outcome="answered") == 1
    assert grew("ragtime_answer_stage_seconds_count", stage="search") == 1
    assert grew("ragtime_ingest_pages_total") == 1 and grew("ragtime_ingest_chunks_total") == 1
    assert grew("ragtime_votes_total", vote="up") == 1


def test_the_worker_port_serves_metrics_with_queue_depth_and_readiness(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", embedder="hashing")
    from ragtime.db.migrate import upgrade

    upgrade(settings.resolved_database_url)
    from taskqueue.broker import app, configure_celery

    configure_celery(app, settings)
    Enqueuer.from_settings(settings).ingest("doc-1")
    port = free_port()
    server = serve_health(settings, port, host="127.0.0.1")
    assert server is not None
    try:
        status, text = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and sample(text, "ragtime_queue_depth", queue="ingest") == 1
        status, body = get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200 and json.loads(body)["checks"] == {
            "database": "ok", "broker": "ok", "vector_store": "ok",
        }  # fmt: skip
    finally:
        server.shutdown()


def test_readiness_names_each_dependency_that_is_down(tmp_path: Path, bot: Harness) -> None:
    dead = f"127.0.0.1:{free_port()}"
    settings = load_settings(
        data_dir=tmp_path / "w", embedder="hashing", database_url=f"postgresql+psycopg://u@{dead}/x",
        redis_url=f"redis://{dead}/0", vector_store="weaviate", weaviate_url=f"http://{dead}",
        weaviate_timeout_seconds=1,
    )  # fmt: skip
    checks = probe(settings)
    assert checks["database"].startswith("the database is unreachable")
    assert checks["broker"].startswith("the broker (redis) is unreachable")
    assert checks["vector_store"].startswith(f"Weaviate at http://{dead} could not be reached")

    base = bot.bot_url.removesuffix("/slack/events")
    status, body = get(f"{base}/readyz")
    assert status == 200 and json.loads(body)["checks"] == {"database": "ok", "broker": "ok"}


def test_a_task_carries_the_requests_correlation_id_to_the_worker() -> None:
    sent: list[dict[str, Any]] = []
    enqueuer = Enqueuer(
        lambda name, **options: sent.append(options),
        answer_expiry_seconds=1, ingest_expiry_seconds=1, maintenance_expiry_seconds=1,
    )  # fmt: skip
    with correlated("Ev0CORRELATE") as cid:
        enqueuer.answer("q1")
    assert sent[0]["headers"] == {CORRELATION_HEADER: cid}

    import worker.tasks

    seen: list[str] = []

    class Request:
        ragtime_correlation_id = "Ev0CORRELATE"

    class Task:
        name = "ragtime.answer_question"
        request = Request()

    original = worker.tasks.JOBS[Task.name]
    worker.tasks.JOBS[Task.name] = lambda ctx, kw: seen.append(correlation_id.get())
    try:
        worker.tasks.current_context = lambda: None  # type: ignore[assignment]
        worker.tasks._run(Task(), question_id="q1")  # type: ignore[arg-type]
    finally:
        worker.tasks.JOBS[Task.name] = original
        from worker.context import current_context

        worker.tasks.current_context = current_context
    assert seen == ["Ev0CORRELATE"]


def test_log_lines_are_json_with_the_correlation_id_and_never_a_secret(
    bot: Harness, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(
        data_dir=Path(bot.settings.data_dir), log_format="json",
        slack_bot_token=bot.settings.slack_bot_token.get_secret_value(),  # type: ignore[union-attr]
        slack_signing_secret="harness-signing-secret", weaviate_api_key=WEAVIATE_KEY,
        database_url=f"postgresql+psycopg://ragtime:{DB_PASSWORD}@db:5432/ragtime",
    )  # fmt: skip
    configure_logging(settings)
    secrets = [
        bot.settings.slack_bot_token.get_secret_value(),  # type: ignore[union-attr]
        "harness-signing-secret", WEAVIATE_KEY, DB_PASSWORD,
        "xoxb-1234567890-abcdefghij", "https://hooks.slack.com/commands/T1/123/abc",
    ]  # fmt: skip
    try:
        scripted(bot)
        bot.driver.slash_command("/ask", "What about xoxb-1234567890-abcdefghij?")
        bot.settle()
        log = logging.getLogger("test.leak")
        for secret in secrets:  # every way a secret could be handed to a logger
            log.warning("token %s in a message", secret)
            log.error("failed", exc_info=RuntimeError(f"the server said {secret}"))
            log.info("in args: %s / %r", secret, {"url": secret})
    finally:
        logging.getLogger().handlers.clear()
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert records and all(
        set(r) >= {"time", "level", "message", "correlation_id"} for r in records
    )
    for secret in secrets:
        assert not [line for line in lines if secret in line], secret
    assert sum(MASK in line for line in lines) >= 3 * len(secrets)
    asked = [r for r in records if "surface=command:/ask" in r["message"]]
    answered = [r for r in records if r["message"].startswith("answered question=")]
    assert asked and answered and asked[0]["correlation_id"] != "-"
    assert answered[0]["correlation_id"] == asked[0]["correlation_id"]  # one id, end to end


def test_the_secret_filter_masks_tokens_urls_and_passwords_in_any_text() -> None:
    scrub = SecretFilter(["s3cr3t-value"]).scrub
    assert scrub("postgresql://ragtime:hunter22@db/x") == "postgresql://ragtime:***@db/x"
    assert scrub("token xoxb-123-456-abc and xapp-1-A0-1-ab") == "token *** and ***"
    assert scrub("reply to https://hooks.slack.com/commands/T/1/x now") == "reply to *** now"
    assert scrub("it was s3cr3t-value!") == "it was ***!"


def test_the_first_requests_of_a_burst_all_get_the_same_metrics() -> None:
    """32 threads ask for the metrics at once in a fresh process (a burst right after
    start): one set is made, and no request fails registering a second."""
    code = (
        "import threading; from ragtime import metrics as m; b = threading.Barrier(32); got = []\n"
        "def go():\n    b.wait(); got.append(m.metrics())\n"
        "ts = [threading.Thread(target=go) for _ in range(32)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(len(got), len({id(x) for x in got}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["32", "1"], done.stderr
