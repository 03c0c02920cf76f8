"""Redis restarted while questions arrive: each is answered or its asker told to ask again.

A Redis server of this test's own (no persistence, as most teams run it) takes
questions from the real enqueuer; it is killed and started again part-way. Questions
sent while it is down fail to enqueue (the bot tells the asker at once: see
``bot.asking``); those it held when it died are gone with it, and the minute's sweep
fails them with a sentence asking to ask again, where the answer would have appeared.
Questions sent after the restart are answered by a real worker.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery

from bot.local_stack import free_port
from ragtime.db.types import utcnow
from taskqueue.enqueue import Enqueuer
from tests.integration.test_worker_celery import (
    GUIDE,
    _ask,
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
from worker.ingesting import ingest_slack_file
from worker.sweeping import STILL_ALIVE_FOR, sweep_stale_questions

QUESTION = "How long does an e-commerce website take?"


class OwnRedis:
    def __init__(self, folder: Path) -> None:
        self.port, self.folder = free_port(), folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.kill()


def test_no_question_is_lost_silently_across_a_redis_restart(
    own_redis: OwnRedis, tmp_path: Path
) -> None:
    with FakeSlack() as slack:
        settings = worker_settings(tmp_path, slack, redis_url=own_redis.url)
        ctx = worker_context(settings)
        slack.add_file("F1", GUIDE)
        ingest_slack_file(ctx, shared_document(ctx, file_id="F1"))
        enqueuer = Enqueuer.from_settings(settings, Celery("ragtime-restart-client"))
        held, refused, after = [], [], []
        try:
            for number in range(5):  # queued, no worker yet: Redis holds them
                question_id = _ask(ctx, QUESTION, f"1.{number}")
                enqueuer.answer(question_id)
                held.append(question_id)
            own_redis.kill()
            for number in range(3):  # Redis is down: the enqueue fails, the bot says so
                question_id = _ask(ctx, QUESTION, f"2.{number}")
                with pytest.raises(Exception):  # noqa: B017 - kombu's, whichever
                    enqueuer.answer(question_id)
                refused.append(question_id)
            own_redis.start()  # empty: the five it held are gone
            log = tmp_path / "worker.log"
            worker = _start(settings.model_dump(), log)
            try:
                for number in range(3):
                    question_id = _ask(ctx, QUESTION, f"3.{number}")
                    enqueuer.answer(question_id)
                    after.append(question_id)
                slack.wait_for("chat.update", count=3, timeout=60)
                _wait_until(lambda: all(_question_status(ctx, q) == "answered" for q in after), log)
            finally:
                _stop(worker, log)

            assert [_question_status(ctx, q) for q in held] == [
                "queued"
            ] * 5  # lost, so far silently
            later = utcnow() + timedelta(seconds=settings.answer_expiry_seconds) + STILL_ALIVE_FOR
            swept = sweep_stale_questions(ctx, now=later + timedelta(seconds=1))

            assert set(held) <= set(swept) and not set(after) & set(swept)
            assert all(_question_status(ctx, q) == "failed" for q in held)
            told = [c.params["text"] for c in slack.calls_to("chat.update")]
            assert (
                sum("lost while the queue restarted" in t and "ask again" in t for t in told) >= 5
            )
        finally:
            ctx.close()
        print(
            f"\nheld {len(held)} (lost, then told), refused {len(refused)}, answered {len(after)}"
        )
