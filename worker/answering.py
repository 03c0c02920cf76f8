"""Answer a question asked in Slack and put the answer where the person will see it.

The answer is recorded before it is posted (its id goes into the vote buttons), and
the question is marked answered only once Slack has it. So a run that crashed or hit
a Slack outage in between is finished by the next run from what was recorded, never
answered twice; a question already answered is left alone.

``Answer.total_ms`` is the worker's own time for the answer: from taking the task to
the answer being recorded (loading the question and its thread, embed, search,
generate, store). Time spent queued and posting to Slack is logged, not stored.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.orm import Session

from ragtime.db import session_scope
from ragtime.db.answers import (
    answer_for_question,
    answer_with_sources,
    record_answer,
    sources_from_answer,
)
from ragtime.db.models import Question
from ragtime.db.questions import get_question, mark_question, thread_history
from ragtime.db.slack_files import document_links
from ragtime.db.types import utcnow
from ragtime.domain import Answer, Citation, Scope
from ragtime.generation import NOT_FOUND, Turn
from ragtime.metrics import metrics
from ragtime.pipeline import answer_question, stream_answer
from slackkit.streaming import ThreadStream
from worker.context import WorkerContext
from worker.posting import Live, Posting, live_surface, post_answer

log = logging.getLogger(__name__)

_TO_ANSWER = frozenset({"queued", "answering"})


def answer_slack_question(
    ctx: WorkerContext, question_id: str, reply_url: str | None = None
) -> Posting | None:
    """Answer the question within its conversation's scope, where its asker is looking.

    ``reply_url``: a slash command's response_url, for a question asked where the bot
    cannot post (the answer goes to the asker alone). Returns what was posted, or None
    when there was nothing to do (no such question, or it is already answered).
    """
    started = time.perf_counter()
    with session_scope(ctx.sessions) as session:
        question = get_question(session, question_id=question_id)
        if question is None or question.status not in _TO_ANSWER:
            status = question.status if question else "missing"
            log.info("answer skipped question=%s status=%s", question_id, status)
            return None
        recorded = _recorded(session, question_id)
        history = _history(session, question) if recorded is None else []
        mark_question(session, question_id=question_id, status="answering")
    live = live_surface(ctx, question, reply_url) if recorded is None else None
    try:
        if recorded is None:
            recorded = _answer_and_record(ctx, question, history, started, live)
        posting = time.perf_counter()
        post_answer(ctx, question, recorded, live, reply_url)
    except BaseException:
        if isinstance(live, ThreadStream):
            live.close()  # never leave a message "writing…"; the failure notice follows
        raise
    with session_scope(ctx.sessions) as session:
        status = "answered" if recorded.found else "not_found"
        mark_question(session, question_id=question_id, status=status)
    found = metrics()
    found.answers.labels(outcome=status).inc()
    found.answer_seconds.labels(stage="post").observe(time.perf_counter() - posting)
    found.answer_seconds.labels(stage="total").observe(time.perf_counter() - started)
    queued_s = (utcnow() - question.asked_at).total_seconds()
    log.info(
        "answered question=%s answer=%s found=%s worker_ms=%.0f post_ms=%.0f since_asked_s=%.2f",
        question_id, recorded.answer_id, recorded.found, _ms(posting - started),
        _ms(time.perf_counter() - posting), queued_s,
    )  # fmt: skip
    return recorded


def _history(session: Session, question: Question) -> list[Turn]:
    if question.thread_ts is None:
        return []
    turns = thread_history(
        session,
        team_id=question.team_id,
        conversation_id=question.conversation_id,
        thread_ts=question.thread_ts,
    )
    return [Turn(question=t.question, answer=t.answer) for t in turns]


def _answer_and_record(
    ctx: WorkerContext, question: Question, history: list[Turn], started: float, live: Live | None
) -> Posting:
    answer = _answer(ctx, question, history, live)
    _observe(answer)
    with session_scope(ctx.sessions) as session:
        row = record_answer(
            session,
            question_id=question.id,
            text=answer.text,
            generator=answer.generator,
            model=answer.model,
            embed_ms=answer.timings.embed_ms,
            search_ms=answer.timings.search_ms,
            generate_ms=answer.timings.generate_ms,
            total_ms=_ms(time.perf_counter() - started),
            input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens,
            sources=sources_from_answer(answer),
        )
    return _as_recorded(row.id, answer)


def _answer(
    ctx: WorkerContext, question: Question, history: list[Turn], live: Live | None
) -> Answer:
    """The pipeline's answer; shown while it is written when there is a live surface."""
    scope = Scope(team_id=question.team_id, conversation=question.conversation_id)
    if live is None:
        return answer_question(ctx.services, question=question.text, scope=scope, history=history)
    answer = None
    for item in stream_answer(ctx.services, question=question.text, scope=scope, history=history):
        if isinstance(item, Answer):
            answer = item
        else:
            live.add(item)
    if answer is None:
        raise RuntimeError("the generator's stream ended without an answer")
    return answer


def _observe(answer: Answer) -> None:
    found = metrics()
    for stage in ("embed", "search", "generate"):
        found.answer_seconds.labels(stage=stage).observe(
            getattr(answer.timings, f"{stage}_ms") / 1000
        )
    for direction, used in (("input", answer.input_tokens), ("output", answer.output_tokens)):
        if used:
            found.tokens.labels(direction=direction, model=answer.model or answer.generator).inc(
                used
            )


def _as_recorded(answer_id: str, answer: Answer) -> Posting:
    text = answer.text if answer.found else NOT_FOUND
    return Posting(answer_id, text, answer.citations if answer.found else (), answer.found)


def _recorded(session: Session, question_id: str) -> Posting | None:
    """The answer an earlier run recorded but may not have posted, with its citations."""
    row = answer_for_question(session, question_id=question_id)
    if row is None:
        return None
    stored = answer_with_sources(session, answer_id=row.id)
    sources = stored.sources if stored else ()
    links = document_links(session, document_ids=[s.document_id for s in sources if s.document_id])
    citations = tuple(
        Citation(
            number=source.rank,
            document_id=source.document_id or "",
            title=source.title,
            page_start=source.page_start,
            page_end=source.page_end,
            link=links.get(source.document_id or "", ""),
        )
        for source in sources
    )
    return Posting(row.id, row.text, citations, row.text != NOT_FOUND)


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)
