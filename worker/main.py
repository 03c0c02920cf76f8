"""Start a worker from Python: ``run_worker(settings, ...)`` (the ``ragtime worker`` command)."""

from __future__ import annotations

from typing import Any

from celery.signals import setup_logging, worker_process_init

from ragtime.logs import configure_logging
from ragtime.metrics import prepare
from ragtime.settings import Settings
from taskqueue import names
from taskqueue.broker import app, configure_celery, is_filesystem_broker
from worker.context import use_settings, warm_up
from worker.health import serve_health

ALL_QUEUES = [names.ANSWER_QUEUE, names.INGEST_QUEUE, names.MAINTENANCE_QUEUE]
POOLS = ("prefork", "threads", "solo")


def run_worker(
    settings: Settings,
    *,
    queues: list[str] | None = None,
    concurrency: int = 2,
    pool: str = "prefork",
    loglevel: str = "INFO",
    metrics_port: int | None = None,
) -> None:
    """Run a Celery worker on ``queues`` until it is stopped (SIGTERM: finish, then exit).

    Each process builds its context and loads the embedding model before its first
    task, so the first answer is as fast as the others. ``metrics_port`` serves
    /metrics, /healthz and /readyz (0 or None: not served).
    """
    if pool not in POOLS:
        raise ValueError(f"Unknown pool {pool!r}; use one of {', '.join(POOLS)}.")
    use_settings(settings)
    configure_celery(app, settings)
    # Celery keeps its hands off logging: ragtime's (JSON or text, scrubbed) is used.
    setup_logging.connect(lambda **_: configure_logging(settings), weak=False)
    role = "worker-" + "-".join(sorted(queues or ALL_QUEUES))
    prepare(settings, role, fresh=True)  # the children inherit it when they fork
    if metrics_port:
        serve_health(settings, metrics_port)
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
    if names.MAINTENANCE_QUEUE in queues:
        # The maintenance worker also sends the periodic jobs (Celery beat in-process).
        schedule = settings.data_dir / "beat-schedule"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        argv += ["--beat", f"--schedule={schedule}"]
    if is_filesystem_broker(settings.resolved_broker_url):
        # Mingle, gossip and heartbeats need a broadcast the filesystem transport lacks.
        argv += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    return argv


def _warm_child(**_: Any) -> None:
    warm_up()
