"""Questions: what was asked, where, how, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ragtime.db.models import Answer, AskedVia, Question, QuestionStatus
from ragtime.db.types import utcnow


@dataclass(frozen=True, slots=True)
class ThreadTurn:
    """An earlier question in a thread and the answer it got."""

    question: str
    answer: str


def record_question(
    session: Session,
    *,
    team_id: str,
    conversation_id: str,
    user_id: str,
    text: str,
    asked_via: AskedVia,
    thread_ts: str | None = None,
    asked_at: datetime | None = None,
) -> Question:
    """A queued question; its id is what the answer task receives."""
    question = Question(
        team_id=team_id,
        conversation_id=conversation_id,
        user_id=user_id,
        text=text,
        asked_via=asked_via,
        thread_ts=thread_ts,
        asked_at=asked_at or utcnow(),
    )
    session.add(question)
    session.flush()
    return question


def get_question(session: Session, *, question_id: str) -> Question | None:
    return session.get(Question, question_id)


def mark_question(
    session: Session, *, question_id: str, status: QuestionStatus, error: str | None = None
) -> Question | None:
    """Move the question to ``status``; ``error`` says why when it failed."""
    return _update(session, question_id, status=status, error=error)


def stale_questions(session: Session, *, asked_before: datetime) -> list[str]:
    """Questions still waiting for an answer that were asked before ``asked_before``."""
    statement = (
        select(Question.id)
        .where(Question.status.in_(("queued", "answering")), Question.asked_at < asked_before)
        .order_by(Question.asked_at)
    )
    return list(session.scalars(statement))


def set_answer_message(
    session: Session, *, question_id: str, channel: str, ts: str
) -> Question | None:
    """Remember the Slack message that carries (or will carry) the answer."""
    return _update(session, question_id, answer_channel=channel, answer_ts=ts)


def _update(session: Session, question_id: str, **values: object) -> Question | None:
    statement = (
        update(Question)
        .where(Question.id == question_id)
        .values(**values)
        .returning(Question)
        .execution_options(populate_existing=True)
    )
    return session.scalars(statement).one_or_none()


def thread_history(
    session: Session, *, team_id: str, conversation_id: str, thread_ts: str, limit: int = 5
) -> list[ThreadTurn]:
    """The last ``limit`` answered questions of a thread, oldest first.

    Questions whose text was purged are left out: half a turn is no context.
    """
    statement = (
        select(Question.text, Answer.text)
        .join(Answer, Answer.question_id == Question.id)
        .where(
            Question.team_id == team_id,
            Question.conversation_id == conversation_id,
            Question.thread_ts == thread_ts,
            Question.text_purged_at.is_(None),
        )
        .order_by(Question.asked_at.desc(), Question.id.desc())
        .limit(limit)
    )
    turns = [ThreadTurn(question=q, answer=a) for q, a in session.execute(statement)]
    return turns[::-1]


def purge_question_text(session: Session, *, older_than: datetime) -> int:
    """Empty the text of questions asked before ``older_than``; return how many.

    Rows, statuses, answers, timings and votes stay, so counts and stats do not
    change. Answer text is kept: it is drawn from the shared documents, not from
    what the person typed, and it is what a reviewer reads beside the votes.
    """
    statement = (
        update(Question)
        .where(Question.asked_at < older_than, Question.text_purged_at.is_(None))
        .values(text="", text_purged_at=utcnow())
        .returning(Question.id)
        .execution_options(synchronize_session="fetch")
    )
    return len(session.execute(statement).all())
