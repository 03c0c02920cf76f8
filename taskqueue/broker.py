"""The Celery app. Nothing is configured at import: ``configure_celery`` does it from settings.

Laptop size: kombu's filesystem transport under the data directory (no server; bot and
workers on one machine share the folder). ``REDIS_URL`` (or ``CELERY_BROKER_URL``)
switches to a real broker.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from ragtime.settings import Settings
from taskqueue import names
from taskqueue.limits import TIME_LIMITS

app = Celery("ragtime")

# Redis hands an unacknowledged task to another worker after this long (the setting
# broker_visibility_timeout_seconds, this by default), so every hard time limit stays
# below it: a slow task is killed before it could run twice at once.
VISIBILITY_TIMEOUT_SECONDS = 3600
# A task's hard limit ends at least this share of the visibility timeout, or a minute,
# before it (whichever leaves more time); shorter timeouts shorten the limits.
HARD_LIMIT_SHARE = 0.9
HARD_LIMIT_MARGIN_SECONDS = 60
# The default one-second poll makes every answer wait up to a second in the queue;
# 50 ms costs a listdir per queue 20 times a second and keeps enqueue-to-run near 50 ms.
FILESYSTEM_POLL_SECONDS = 0.05
# kombu's filesystem transport with atomic writes and takes (see taskqueue/fstransport.py).
FILESYSTEM_TRANSPORT = "taskqueue.fstransport:Transport"


def is_filesystem_broker(url: str) -> bool:
    """True for kombu's filesystem transport: no server, no broadcast."""
    return url.startswith("filesystem://")


def configure_celery(celery: Any, settings: Settings) -> Any:
    """Point ``celery`` at the configured broker with ragtime's delivery guarantees.

    Tasks are acknowledged after they finish (``acks_late``) and put back if the
    worker process dies, so every task must be safe to run twice; they are.
    """
    url = settings.resolved_broker_url
    filesystem = is_filesystem_broker(url)
    celery.conf.update(
        # kombu warns about a URL without a host on every connection; filesystem needs none.
        broker_url="filesystem://localhost//" if filesystem else url,
        broker_transport=FILESYSTEM_TRANSPORT if filesystem else None,
        broker_transport_options=_transport_options(settings, filesystem=filesystem),
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        task_routes={name: {"queue": queue} for name, queue in names.QUEUE_OF.items()},
        task_default_queue=names.ANSWER_QUEUE,
        # The filesystem transport has no broadcast to carry remote control commands.
        worker_enable_remote_control=not filesystem,
        task_annotations=_shortened_limits(settings.broker_visibility_timeout_seconds),
        beat_schedule=_schedule(settings),
        include=["worker.tasks"],
    )
    return celery


# How often the maintenance worker looks for questions whose task was lost.
SWEEP_SECONDS = 60.0


def _schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """What the maintenance worker's beat sends: the sweep every minute, the reconcile
    every interval (0: never)."""
    schedule: dict[str, dict[str, Any]] = {
        "sweep-questions": {
            "task": names.SWEEP_QUESTIONS,
            "schedule": SWEEP_SECONDS,
            "options": {"queue": names.MAINTENANCE_QUEUE, "expires": SWEEP_SECONDS},
        }
    }
    every = settings.reconcile_interval_seconds
    if not every:
        return schedule
    return schedule | {
        "reconcile": {
            "task": names.RECONCILE,
            "schedule": float(every),
            "options": {"queue": names.MAINTENANCE_QUEUE, "expires": float(every)},
        }
    }


def _shortened_limits(visibility_seconds: int) -> dict[str, dict[str, float]]:
    """Per-task time limits for a visibility timeout shorter than the tasks' own limits."""
    ceiling = max(
        visibility_seconds * HARD_LIMIT_SHARE, visibility_seconds - HARD_LIMIT_MARGIN_SECONDS
    )
    shortened: dict[str, dict[str, float]] = {}
    for name, queue in names.QUEUE_OF.items():
        limits = TIME_LIMITS[queue]
        if limits.hard > ceiling:
            hard = ceiling
            soft = min(limits.soft, hard * HARD_LIMIT_SHARE)
            shortened[name] = {"time_limit": hard, "soft_time_limit": soft}
    return shortened


def is_sqs_broker(url: str) -> bool:
    return url.startswith("sqs://")


def sqs_queue_urls(settings: Settings) -> dict[str, str]:
    """The three queues by name, as the settings give their URLs (sqs:// only)."""
    return {
        names.ANSWER_QUEUE: str(settings.sqs_answer_queue_url),
        names.INGEST_QUEUE: str(settings.sqs_ingest_queue_url),
        names.MAINTENANCE_QUEUE: str(settings.sqs_maintenance_queue_url),
    }


def _transport_options(settings: Settings, *, filesystem: bool) -> dict[str, Any]:
    if is_sqs_broker(settings.resolved_broker_url):
        # Predefined queues: kombu never lists or creates queues, so a Lambda function
        # needs only sqs:SendMessage on these three (and no VPC to reach them).
        return {
            "region": settings.aws_region,
            "predefined_queues": {
                name: {"url": url} for name, url in sqs_queue_urls(settings).items()
            },
            "visibility_timeout": settings.broker_visibility_timeout_seconds,
        }
    if not filesystem:
        return {
            "visibility_timeout": settings.broker_visibility_timeout_seconds,
            # Look for a dead worker's tasks every 10 s (kombu's default: every 100 s).
            "unacked_restore_throttle": 1,
        }
    folders = {
        "data_folder_in": settings.broker_dir / "queue",
        "data_folder_out": settings.broker_dir / "queue",
        "processed_folder": settings.broker_dir / "processed",
        # Exchange bindings; kombu's default is a "control" folder in the working directory.
        "control_folder": settings.broker_dir / "control",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {key: str(folder) for key, folder in folders.items()}
    options["polling_interval"] = FILESYSTEM_POLL_SECONDS
    return options


def broker_problem(settings: Settings) -> str | None:
    """None when the queue can take a task now, else one sentence naming it."""
    url = settings.resolved_broker_url
    try:
        if is_filesystem_broker(url):
            folder = settings.broker_dir / "queue"
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".ready"
            probe.write_bytes(b"")
            probe.unlink()
        elif is_sqs_broker(url):
            from ragtime.aws import aws_client

            client = aws_client("sqs", region=str(settings.aws_region), max_attempts=1)
            client.get_queue_attributes(
                QueueUrl=sqs_queue_urls(settings)[names.ANSWER_QUEUE],
                AttributeNames=["ApproximateNumberOfMessages"],
            )
        else:
            import redis

            redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # readiness reports, it never raises
        return f"the broker ({_kind(url)}) is unreachable ({type(exc).__name__})"
    return None


def _kind(url: str) -> str:
    return url.split("://", 1)[0] or "unknown"


def queue_depths(celery: Any) -> dict[str, float]:
    """Messages waiting in each queue, asked of the broker through kombu (any transport)."""
    depths: dict[str, float] = {}
    with celery.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in names.QUEUE_OF.values():
            if queue not in depths:
                declared = channel.queue_declare(queue=queue, passive=True)
                depths[queue] = float(declared.message_count)
    return depths
