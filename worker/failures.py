"""When a task has failed for good: record it and tell the person, so nothing waits forever.

Called from the tasks' failure hook after the last retry, a time limit or a bug. The
Slack messages are best-effort: Slack may be the reason the task failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

from ragtime.db import session_scope
from ragtime.db.audit import record_audit
from ragtime.db.documents import get_document, mark_document_failed
from ragtime.db.questions import get_question, mark_question
from ragtime.db.slack_files import first_share
from ragtime.errors import ServiceError
from ragtime.metrics import metrics
from taskqueue import names
from worker.context import WorkerContext
from worker.errors import TaskExpiredError, TaskLostError, TransientError
from worker.notify import edit_notice, post_notice, post_private_notice, tell_privately
from worker.posting import clear_status

log = logging.getLogger(__name__)

GiveUp = Callable[[WorkerContext, Mapping[str, Any], BaseException], None]


def failure_sentence(exc: BaseException, *, doing: str) -> str:
    """One sentence for a person: what stopped ``doing`` and what to do about it."""
    if isinstance(exc, ServiceError):  # a store or model said what went wrong
        return str(exc)
    if isinstance(exc, TaskLostError):
        return f"{doing} was lost while the queue restarted, so it was dropped; please ask again."
    if isinstance(exc, TaskExpiredError):
        return f"{doing} waited too long for a free worker, so it was dropped; please try again."
    if isinstance(exc, SoftTimeLimitExceeded):
        return f"{doing} took longer than its time limit, so it was stopped; try again later."
    if isinstance(exc, TransientError):
        return f"{doing} failed because Slack could not be reached; try again in a few minutes."
    return f"{doing} failed because of an error on our side; try again, and tell an admin if it keeps happening."


def give_up_answer(ctx: WorkerContext, kwargs: Mapping[str, Any], exc: BaseException) -> None:
    """Mark the question failed and say why where the answer would have appeared."""
    question_id = str(kwargs.get("question_id"))
    sentence = failure_sentence(exc, doing="Answering this question")
    with session_scope(ctx.sessions) as session:
        question = get_question(session, question_id=question_id)
        if question is None or question.status not in ("queued", "answering"):
            return
        mark_question(session, question_id=question_id, status="failed", error=sentence)
    metrics().answers.labels(outcome="failed").inc()
    reply_url = kwargs.get("reply_url")
    if reply_url:
        tell_privately(str(reply_url), sentence)
    elif ctx.settings.answer_visibility == "private":
        post_private_notice(
            ctx.slack, channel=question.conversation_id, user=question.user_id,
            text=sentence, thread_ts=question.thread_ts,
        )  # fmt: skip
        clear_status(ctx, question)
    elif question.answer_channel and question.answer_ts:
        edit_notice(
            ctx.slack, channel=question.answer_channel, ts=question.answer_ts, text=sentence
        )
    else:  # a thread question has no placeholder: the notice is the reply (and ends the status)
        post_notice(
            ctx.slack, channel=question.conversation_id, text=sentence, thread_ts=question.thread_ts
        )


def give_up_ingest(ctx: WorkerContext, kwargs: Mapping[str, Any], exc: BaseException) -> None:
    """Mark a document stuck in indexing as failed and say so in the share's thread."""
    document_id = str(kwargs.get("document_id"))
    sentence = failure_sentence(exc, doing="Indexing this file")
    with session_scope(ctx.sessions) as session:
        document = get_document(session, document_id=document_id)
        if document is None or document.status != "indexing":
            return
        mark_document_failed(session, document_id=document_id, error=sentence)
        share = first_share(session, document_id=document_id)
    if share is not None:
        post_notice(
            ctx.slack, channel=share.conversation_id, text=sentence, thread_ts=share.message_ts
        )


def give_up_reindex(ctx: WorkerContext, kwargs: Mapping[str, Any], exc: BaseException) -> None:
    """Audit the re-index as failed and say why in its progress message."""
    # The run released its lock on the way out; what is left is the record and the message.
    sentence = failure_sentence(exc, doing="Re-indexing")
    with session_scope(ctx.sessions) as session:
        record_audit(
            session, team_id=str(kwargs.get("team_id")), user_id=str(kwargs.get("user_id")),
            action="reindex", target=str(kwargs.get("target")), outcome="failed", detail=sentence,
        )  # fmt: skip
    channel, ts = kwargs.get("channel_id"), kwargs.get("message_ts")
    if channel and ts:
        edit_notice(ctx.slack, channel=str(channel), ts=str(ts), text=sentence)


GIVE_UP: dict[str, GiveUp] = {
    names.ANSWER_QUESTION: give_up_answer,
    names.INGEST_DOCUMENT: give_up_ingest,
    names.REINDEX: give_up_reindex,
}
