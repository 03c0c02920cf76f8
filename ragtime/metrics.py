"""Prometheus metrics for the bot and the workers.

Several processes count at once (gunicorn's workers, Celery's prefork children), so
prometheus_client runs in multiprocess mode: each process writes its samples under
one folder per role, and ``/metrics`` sums them. prometheus_client picks that mode
when it is first imported, so ``prepare`` runs before anything imports it, and the
metrics are made on first use, never at import.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragtime.settings import Settings

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def prepare(settings: Settings, role: str, *, fresh: bool) -> Path:
    """Point prometheus_client at ``<metrics dir>/<role>``; ``fresh`` empties it first
    (the parent process at start-up: samples of processes from an earlier run go)."""
    folder = settings.resolved_metrics_dir / role
    if fresh and folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


@dataclass(frozen=True)
class Metrics:
    slack_requests: Any
    ack_seconds: Any
    rejected_signatures: Any
    rate_limited: Any
    votes: Any
    answers: Any
    answer_seconds: Any
    ingest_pages: Any
    ingest_chunks: Any
    ingest_failures: Any
    tokens: Any


_made: list[Metrics] = []
_making = threading.Lock()


def metrics() -> Metrics:
    """The process's metric objects, made once (after ``prepare`` where it applies).

    Made under a lock: the first requests of a burst arrive on many threads at once, and
    a second registration of the same names would fail the request that tried it.
    """
    if not _made:
        with _making:
            if not _made:
                _made.append(_make())
    return _made[0]


def _make() -> Metrics:
    from prometheus_client import Counter, Histogram

    return Metrics(
        slack_requests=Counter("ragtime_slack_requests", "Slack requests by surface", ["surface"]),
        ack_seconds=Histogram(
            "ragtime_ack_seconds", "Time to acknowledge Slack", ["surface"], buckets=LATENCY_BUCKETS
        ),
        rejected_signatures=Counter(
            "ragtime_rejected_signatures", "Requests refused for a bad or missing signature"
        ),
        rate_limited=Counter(
            "ragtime_rate_limited_questions", "Questions refused by the cost guard"
        ),
        votes=Counter("ragtime_votes", "Votes on answers", ["vote"]),
        answers=Counter("ragtime_answers", "Answers by outcome", ["outcome"]),
        answer_seconds=Histogram(
            "ragtime_answer_stage_seconds",
            "Answer time by stage",
            ["stage"],
            buckets=LATENCY_BUCKETS,
        ),
        ingest_pages=Counter("ragtime_ingest_pages", "Pages indexed"),
        ingest_chunks=Counter("ragtime_ingest_chunks", "Chunks indexed"),
        ingest_failures=Counter(
            "ragtime_ingest_failures", "Files not indexed, by reason", ["reason"]
        ),
        tokens=Counter("ragtime_tokens", "Model tokens used", ["direction", "model"]),
    )


def exposition(extra: Iterable[Any] = ()) -> tuple[bytes, str]:
    """The text for a scrape: every process's samples of this role, plus ``extra`` collectors."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    scraped = CollectorRegistry()
    for collector in extra:
        scraped.register(collector)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scraped)  # type: ignore[no-untyped-call]
        return generate_latest(scraped), CONTENT_TYPE_LATEST
    # One process: its own samples, then the extra ones.
    return generate_latest(REGISTRY) + generate_latest(scraped), CONTENT_TYPE_LATEST


class GaugeCollector:
    """A gauge read when scraped (queue depth): ``read`` gives {label value: number}."""

    def __init__(
        self, name: str, documentation: str, label: str, read: Callable[[], dict[str, float]]
    ) -> None:
        self.name, self.documentation, self.label, self.read = name, documentation, label, read

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(self.name, self.documentation, labels=[self.label])
        for value, number in self.read().items():
            family.add_metric([value], number)
        yield family
