"""The worker on AWS Lambda: an SQS-triggered function that runs the same tasks.

Each SQS record is a Celery task message as the bot's enqueuer sent it (kombu's SQS
transport: base64 JSON, the task's kwargs in its body, name, id and expiry in its
headers). The job runs as ``worker.jobs`` has it. A transient failure (Slack 429/5xx,
the network, a busy store or model for background work) is reported in
``batchItemFailures``, so only that message comes back after the queue's visibility
timeout (or after the Retry-After Slack asked for); on its last receive, or for a
failure that would fail again, the person is told (``worker.failures``) and the
message is dropped rather than left for the dead-letter queue. A record that cannot
start with enough time left is handed back untouched.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ragtime.logs import configure_logging, correlated
from taskqueue import names
from taskqueue.enqueue import CORRELATION_HEADER
from worker.context import WorkerContext, current_context

log = logging.getLogger(__name__)

# The queues' maxReceiveCount (deploy/aws/template.yaml): the last try tells the person.
MAX_RECEIVES = 5
# Don't start a task with less time than this left (milliseconds), by queue.
TIME_NEEDED_MS = {
    names.ANSWER_QUEUE: 30_000,
    names.INGEST_QUEUE: 120_000,
    names.MAINTENANCE_QUEUE: 60_000,
}
_configured: list[bool] = []


@dataclass(frozen=True, slots=True)
class TaskMessage:
    name: str
    task_id: str
    kwargs: dict[str, Any]
    expires: datetime | None
    correlation: str | None


def decode(body: str) -> TaskMessage:
    """A Celery (protocol 2) message as kombu's SQS transport writes it; ValueError if not."""
    try:
        envelope = json.loads(_maybe_base64(body))
        headers = envelope["headers"]
        payload = envelope["body"]
        if envelope.get("properties", {}).get("body_encoding") == "base64":
            payload = base64.b64decode(payload)
        _args, kwargs, _embed = json.loads(payload)
        expires = headers.get("expires")
        return TaskMessage(
            name=str(headers["task"]),
            task_id=str(headers.get("id", "")),
            kwargs=dict(kwargs),
            expires=datetime.fromisoformat(expires) if expires else None,
            correlation=headers.get(CORRELATION_HEADER),
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError(f"not a task message ({type(exc).__name__})") from None


def _maybe_base64(body: str) -> str:
    stripped = body.strip()
    if stripped.startswith("{"):
        return stripped
    return base64.b64decode(stripped, validate=True).decode("utf-8")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's entry point: every record run, failures reported by message id.

    ``{"ragtime": "db upgrade"}`` (a one-off invocation after a deploy) migrates the
    database instead: the function can reach it, a laptop may not.
    ``{"ragtime": "job", "job": <name>}`` (EventBridge Scheduler, see the template) runs a
    periodic job: the minute's sweep of lost questions, the hourly reconcile.
    """
    if event.get("ragtime") == "db upgrade":
        return _migrate()
    if event.get("ragtime") == "job":
        return _scheduled(str(event.get("job")))
    ctx = _context()
    failures = []
    for record in event.get("Records", []):
        if not run_record(ctx, record, context):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


SCHEDULED_JOBS = frozenset({names.SWEEP_QUESTIONS, names.RECONCILE})


def _scheduled(job: str) -> dict[str, Any]:
    if job not in SCHEDULED_JOBS:
        log.error("refused scheduled job %r: not one of %s", job, sorted(SCHEDULED_JOBS))
        return {"ran": None}
    from worker.jobs import JOBS

    JOBS[job](_context(), {})
    return {"ran": job}


def run_record(ctx: WorkerContext, record: dict[str, Any], context: Any) -> bool:
    """True when the message is done with (run, or dropped for good); False to get it back."""
    try:
        message = decode(record["body"])
    except ValueError as exc:
        log.error("dropped message %s: %s", record.get("messageId"), exc)
        return True
    queue = names.QUEUE_OF.get(message.name, names.ANSWER_QUEUE)
    remaining = context.get_remaining_time_in_millis() if context is not None else 10**9
    if remaining < TIME_NEEDED_MS[queue]:
        log.info("handing back %s: %d ms left", message.name, remaining)
        return False
    receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    with correlated(message.correlation):
        return _run(ctx, message, receives, record)


def _run(ctx: WorkerContext, message: TaskMessage, receives: int, record: dict[str, Any]) -> bool:
    from worker.expiry import tell_expired
    from worker.failures import GIVE_UP
    from worker.jobs import JOBS, retryable

    if message.expires is not None and message.expires < datetime.now(UTC):
        tell_expired(message.name, message.kwargs, ctx)
        return True
    job = JOBS.get(message.name)
    if job is None:
        log.error("dropped unknown task %s", message.name)
        return True
    try:
        job(ctx, message.kwargs)
        return True
    except Exception as exc:
        transient = retryable(message.name, exc)
        if transient is not None and receives < MAX_RECEIVES:
            log.warning("%s will retry (receive %d): %s", message.name, receives, transient)
            if transient.countdown is not None:
                _come_back_after(ctx, record, transient.countdown)
            return False
        log.error("%s failed for good", message.name, exc_info=exc)
        give_up = GIVE_UP.get(message.name)
        if give_up is not None:
            give_up(ctx, message.kwargs, exc)
        return True


def _come_back_after(ctx: WorkerContext, record: dict[str, Any], seconds: float) -> None:
    """Slack said when to try again: the message comes back exactly then."""
    from ragtime.aws import aws_client
    from taskqueue.broker import sqs_queue_urls

    queue_name = str(record.get("eventSourceARN", "")).rsplit(":", 1)[-1]
    urls = [u for u in sqs_queue_urls(ctx.settings).values() if u.endswith("/" + queue_name)]
    if not urls:
        return
    try:
        aws_client(
            "sqs", region=str(ctx.settings.aws_region), max_attempts=2
        ).change_message_visibility(
            QueueUrl=urls[0],
            ReceiptHandle=record["receiptHandle"],
            VisibilityTimeout=int(seconds) + 1,
        )
    except Exception as exc:  # the queue's own visibility timeout brings it back anyway
        log.info("visibility not changed: %s", type(exc).__name__)


def _migrate() -> dict[str, Any]:
    from ragtime.db.migrate import schema_state, upgrade
    from ragtime.settings import get_settings

    url = get_settings().resolved_database_url
    upgrade(url)
    return {"migrated_to": schema_state(url).current}


def _context() -> WorkerContext:
    ctx = current_context()
    if not _configured:
        configure_logging(ctx.settings)
        _configured.append(True)
    return ctx
