"""The Celery tasks: keyword-only string ids in, the work in plain functions.

Retries are for transient trouble only (Slack 429 or 5xx, the network), with
exponential backoff, or after exactly the ``Retry-After`` Slack asked for. Bad input
is never retried: the job functions record and report it themselves. When a task
fails for good, ``worker.failures`` records it and tells the person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from billiard.exceptions import TimeLimitExceeded, WorkerLostError  # type: ignore[import-untyped]
from celery import Task, shared_task
from celery.signals import task_revoked

from ragtime.logs import correlated
from taskqueue import names
from taskqueue.enqueue import CORRELATION_HEADER
from taskqueue.limits import TIME_LIMITS
from worker.context import current_context
from worker.errors import TransientError
from worker.expiry import tell_expired
from worker.failures import GIVE_UP
from worker.jobs import JOBS, retryable

log = logging.getLogger(__name__)

TaskFunction = TypeVar("TaskFunction", bound=Callable[..., None])


class RagtimeTask(Task):  # type: ignore[misc]
    """A task whose final failure is recorded and reported, so nothing waits forever."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Mapping[str, Any], einfo: Any
    ) -> None:
        """Celery's hook after the last retry, a time limit or a bug."""
        # A hard time limit or a lost worker is seen in the pool's parent, where no
        # context may be built (children fork from it); the soft limit came first anyway.
        if isinstance(exc, TimeLimitExceeded | WorkerLostError):
            return
        give_up = GIVE_UP.get(self.name)
        if give_up is not None:
            give_up(current_context(), kwargs, exc)


def _on_revoked(sender: Any = None, request: Any = None, expired: bool = False, **_: Any) -> None:
    if expired and request is not None and sender is not None:
        tell_expired(sender.name, request.kwargs or {})


task_revoked.connect(_on_revoked, weak=False)


@contextmanager
def retry_boundary(task: Any) -> Iterator[None]:
    """Turn transient failures into retries (``worker.jobs.retryable``); let the rest fail."""
    try:
        yield
    except Exception as exc:
        transient = retryable(task.name, exc)
        if transient is None:
            raise
        log.warning("%s will retry (%d so far): %s", task.name, task.request.retries, transient)
        if transient.countdown is not None:  # Slack said how long to wait: wait exactly that
            raise task.retry(exc=transient, countdown=transient.countdown) from exc
        raise transient from exc  # autoretry_for backs off exponentially


def ragtime_task(name: str) -> Callable[[TaskFunction], TaskFunction]:
    """``shared_task`` with ragtime's retry policy and the time limits of the task's queue."""
    limits = TIME_LIMITS[names.QUEUE_OF[name]]
    decorator: Callable[[TaskFunction], TaskFunction] = shared_task(
        name=name,
        bind=True,
        base=RagtimeTask,
        autoretry_for=(TransientError,),
        retry_backoff=True,
        retry_backoff_max=600,
        retry_jitter=True,
        max_retries=5,
        soft_time_limit=limits.soft,
        time_limit=limits.hard,
    )
    return decorator


@ragtime_task(names.ANSWER_QUESTION)
def answer_question(self: Task, *, question_id: str, reply_url: str | None = None) -> None:
    """See ``worker.answering.answer_slack_question``."""
    _run(self, question_id=question_id, reply_url=reply_url)


@ragtime_task(names.INGEST_DOCUMENT)
def ingest_document(
    self: Task,
    *,
    document_id: str,
    notice_channel: str | None = None,
    notice_ts: str | None = None,
) -> None:
    """See ``worker.ingesting.ingest_slack_file``."""
    _run(self, document_id=document_id, notice_channel=notice_channel, notice_ts=notice_ts)


@ragtime_task(names.FORGET_DOCUMENT)
def forget_document(self: Task, *, document_id: str) -> None:
    """See ``worker.maintenance.forget_slack_document``."""
    _run(self, document_id=document_id)


@ragtime_task(names.SYNC_DOCUMENT_SCOPE)
def sync_document_scope_task(self: Task, *, document_id: str) -> None:
    """See ``worker.maintenance.sync_document_scope``."""
    _run(self, document_id=document_id)


@ragtime_task(names.REINDEX)
def reindex(
    self: Task, *, team_id: str, user_id: str, target: str, channel_id: str, message_ts: str
) -> None:
    """See ``worker.reindexing.reindex_documents``."""
    _run(
        self, team_id=team_id, user_id=user_id, target=target, channel_id=channel_id,
        message_ts=message_ts,
    )  # fmt: skip


@ragtime_task(names.RECONCILE)
def reconcile(self: Task) -> None:
    """See ``worker.reconciling.reconcile_index``."""
    _run(self)


@ragtime_task(names.SWEEP_QUESTIONS)
def sweep_questions(self: Task) -> None:
    """See ``worker.sweeping.sweep_stale_questions``."""
    _run(self)


def _run(task: Task, **kwargs: Any) -> None:
    with correlated(getattr(task.request, CORRELATION_HEADER, None)), retry_boundary(task):
        JOBS[task.name](current_context(), kwargs)
