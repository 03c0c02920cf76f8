"""Start a worker from Python: ``run_worker(settings, ...)`` (the ``ragtime worker`` command)."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_init

from ragtime.settings import Settings
from taskqueue import names
from taskqueue.broker import app, configure_celery, is_filesystem_broker
from worker.context import use_settings, warm_up

ALL_QUEUES = [names.ANSWER_QUEUE, names.INGEST_QUEUE, names.MAINTENANCE_QUEUE]
POOLS = ("prefork", "threads", "solo")


def run_worker(
    settings: Settings,
    *,
    queues: list[str] | None = None,
    concurrency: int = 2,
    pool: str = "prefork",
    loglevel: str = "INFO",
) -> None:
    """Run a Celery worker on ``queues`` until it is stopped (SIGTERM: finish, then exit).

    Each process builds its context and loads the embedding model before its first
    task, so the first answer is as fast as the others.
    """
    if pool not in POOLS:
        raise ValueError(f"Unknown pool {pool!r}; use one of {', '.join(POOLS)}.")
    use_settings(settings)
    configure_celery(app, settings)
    if pool == "prefork":
        # Each child warms itself after the fork; the parent never loads the model.
        worker_process_init.connect(_warm_child, weak=False)
    else:
        warm_up()  # solo and threads run tasks in this process
    app.worker_main(worker_argv(settings, queues or ALL_QUEUES, concurrency, pool, loglevel))


def worker_argv(
    settings: Settings, queues: list[str], concurrency: int, pool: str, loglevel: str
) -> list[str]:
    """The ``celery worker`` arguments for these settings."""
    argv = [
        "worker",
        f"--queues={','.join(queues)}",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel}",
        "--hostname=ragtime@%h",
    ]
    if is_filesystem_broker(settings.resolved_broker_url):
        # Mingle, gossip and heartbeats need a broadcast the filesystem transport lacks.
        argv += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    return argv


def _warm_child(**_: Any) -> None:
    warm_up()
