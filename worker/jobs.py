"""Every task's work as a plain function of (context, kwargs), and which failures to retry.

The Celery tasks (``worker.tasks``) and the SQS-triggered Lambda function
(``worker.lambda_handler``) run the same jobs and retry the same failures: Slack's
429/5xx and the network always; a store or model that is unreachable or busy for
background work only (a person waiting for an answer is told at once instead).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ragtime.errors import ServiceError
from taskqueue import names
from worker.answering import answer_slack_question
from worker.context import WorkerContext
from worker.errors import TransientError, transient_error
from worker.ingesting import ingest_slack_file
from worker.maintenance import forget_slack_document, sync_document_scope
from worker.reconciling import reconcile_index
from worker.reindexing import reindex_documents
from worker.sweeping import sweep_stale_questions

Job = Callable[[WorkerContext, Mapping[str, Any]], object]


def _reindex(ctx: WorkerContext, kw: Mapping[str, Any]) -> object:
    return reindex_documents(
        ctx,
        team_id=kw["team_id"],
        user_id=kw["user_id"],
        target=kw["target"],
        channel_id=kw["channel_id"],
        message_ts=kw["message_ts"],
    )


JOBS: dict[str, Job] = {
    names.ANSWER_QUESTION: lambda ctx, kw: answer_slack_question(
        ctx, kw["question_id"], kw.get("reply_url")
    ),
    names.INGEST_DOCUMENT: lambda ctx, kw: ingest_slack_file(
        ctx, kw["document_id"], kw.get("notice_channel"), kw.get("notice_ts")
    ),
    names.FORGET_DOCUMENT: lambda ctx, kw: forget_slack_document(ctx, kw["document_id"]),
    names.SYNC_DOCUMENT_SCOPE: lambda ctx, kw: sync_document_scope(ctx, kw["document_id"]),
    names.REINDEX: _reindex,
    names.RECONCILE: lambda ctx, kw: reconcile_index(ctx),
    names.SWEEP_QUESTIONS: lambda ctx, kw: sweep_stale_questions(ctx),
}


def retryable(task_name: str, exc: BaseException) -> TransientError | None:
    """The retryable form of ``exc`` for this task, or None when it failed for good."""
    transient = transient_error(exc)
    if transient is not None:
        return transient
    if isinstance(exc, ServiceError) and exc.transient and task_name != names.ANSWER_QUESTION:
        return TransientError(str(exc))
    return None
