"""A worker killed in the middle of an ingest loses nothing, on both brokers.

SIGKILL to the worker's whole process group (Celery's parent and its pool children, as
the OOM killer or a lost machine would) while it reads a 900-page PDF; a new worker
then finds the task again (the filesystem broker at once, Redis after its visibility
timeout) and indexes the document exactly once: as many chunks as a clean ingest.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from celery import Celery

from ragtime.pdf import extract_pages
from ragtime.pipeline import chunk_document
from taskqueue.enqueue import Enqueuer
from tests.integration.test_worker_celery import _document_status, _start, _stop
from tests.pdfs import make_pdf
from tests.unit.test_worker_fake_slack import (
    FakeSlack,
    shared_document,
    worker_context,
    worker_settings,
)

VOCABULARY = [
    "kiln",
    "schedule",
    "ramp",
    "rate",
    "hold",
    "time",
    "stoneware",
    "glaze",
    "firing",
    "cone",
    "witness",
    "clay",
    "body",
    "bisque",
    "shelf",
    "wash",
    "reduction",
    "oxidation",
    "crawling",
    "pinholes",
    "crazing",
    "shivering",
    "thermocouple",
    "vent",
]


def _page(number: int) -> list[str]:
    """Thirty lines of words in a page-specific order: no line repeats across pages
    (repeated lines are taken for running headers and left out)."""
    shuffle = random.Random(number)
    return [
        f"{' '.join(shuffle.sample(VOCABULARY, 12))} (page {number}, line {line})."
        for line in range(30)
    ]


LONG_PDF = make_pdf([_page(number) for number in range(900)])
# Redis hands back a dead worker's task only after this (the setting's floor).
VISIBILITY_SECONDS = 30


@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_a_worker_killed_mid_ingest_leaves_the_document_indexed_exactly_once(
    broker: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    options = {"redis_url": request.getfixturevalue("redis_url")} if broker == "redis" else {}
    folder = tmp_path_factory.mktemp(f"killed-{broker}")
    extra = {
        "RAGTIME_PROGRESS_INTERVAL_SECONDS": "0",  # every page report edits the notice
        "RAGTIME_BROKER_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
    }
    with FakeSlack() as slack:
        settings = worker_settings(
            folder, slack, broker_visibility_timeout_seconds=VISIBILITY_SECONDS, **options
        )
        ctx = worker_context(settings)
        log = folder / "worker.log"
        try:
            clean = len(chunk_document(ctx.services, "clean", extract_pages(LONG_PDF)))
            assert clean > 900
            slack.add_file("F9", LONG_PDF, name="kiln.pdf")
            document_id = shared_document(ctx, file_id="F9", title="kiln.pdf")
            enqueuer = Enqueuer.from_settings(settings, Celery("ragtime-fault-client"))

            first = _start(settings.model_dump(), log, extra)
            enqueuer.ingest(document_id, notice=("C1", "1.1"))
            taken = time.monotonic()
            _wait_for_reading(slack, first, log)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            assert _document_status(ctx, document_id) == "indexing"  # caught mid-way
            assert not _replies(slack), "the killed worker had already finished"

            if broker == "redis":  # the task is invisible until its timeout has passed
                time.sleep(max(0.0, taken + VISIBILITY_SECONDS + 1 - time.monotonic()))
            second = _start(settings.model_dump(), log, extra)
            try:
                deadline = time.monotonic() + 90
                while not _replies(slack) and time.monotonic() < deadline:
                    time.sleep(0.1)
                replies = _replies(slack)
                assert replies, f"never indexed again; the log:\n{log.read_text()[-3000:]}"
                time.sleep(1.0)  # a second delivery would reply again by now
            finally:
                _stop(second, log)

            assert [r.params["text"] for r in _replies(slack)] == [replies[0].params["text"]]
            assert f"900 pages, {clean} chunks" in replies[0].params["text"]
            assert _document_status(ctx, document_id) == "indexed"
            assert ctx.services.store.count() == clean
            print(f"\n{broker}: killed mid-read, redelivered, {clean} chunks, one reply")
        finally:
            ctx.close()


def _replies(slack: FakeSlack) -> list[object]:
    return [c for c in slack.calls_to("chat.postMessage") if "Indexed" in str(c.params["text"])]


def _wait_for_reading(slack: FakeSlack, worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any("of 900" in str(c.params.get("text")) for c in slack.calls_to("chat.update")):
            return
        if worker.poll() is not None:
            break
        time.sleep(0.01)
    pytest.fail(f"the worker never started reading; its log:\n{log.read_text()[-3000:]}")
