"""Figures for ``/ragtime stats``: volume, answer rate, votes, slow and disliked answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ragtime.db.models import Answer, Feedback, Question

TOP = 5


@dataclass(frozen=True, slots=True)
class SlowAnswer:
    question_id: str
    answer_id: str
    question: str
    total_ms: float
    conversation_id: str = ""


@dataclass(frozen=True, slots=True)
class DownvotedAnswer:
    question_id: str
    answer_id: str
    question: str
    downvotes: int
    upvotes: int
    conversation_id: str = ""


@dataclass(frozen=True, slots=True)
class WorkspaceStats:
    questions: int
    answered: int
    not_found: int
    failed: int
    upvotes: int
    downvotes: int
    slowest: tuple[SlowAnswer, ...]
    most_downvoted: tuple[DownvotedAnswer, ...]
    # What the 👎 said was wrong: reason -> how many times, most given first.
    downvote_reasons: tuple[tuple[str, int], ...] = ()

    @property
    def answer_rate(self) -> float:
        """Share of questions answered from the documents (0 when none were asked)."""
        return self.answered / self.questions if self.questions else 0.0


def workspace_stats(
    session: Session, *, team_id: str, since: datetime | None = None
) -> WorkspaceStats:
    """The workspace's figures, for questions asked ``since`` (None: ever)."""
    asked = [Question.team_id == team_id]
    if since is not None:
        asked.append(Question.asked_at >= since)
    by_status = select(Question.status, func.count()).where(*asked).group_by(Question.status)
    by_vote = (
        select(Feedback.vote, func.count())
        .join(Answer, Answer.id == Feedback.answer_id)
        .join(Question, Question.id == Answer.question_id)
        .where(*asked)
        .group_by(Feedback.vote)
    )
    statuses: dict[str, int] = {status: count for status, count in session.execute(by_status)}
    votes: dict[str, int] = {vote: count for vote, count in session.execute(by_vote)}
    return WorkspaceStats(
        questions=sum(statuses.values()),
        answered=statuses.get("answered", 0),
        not_found=statuses.get("not_found", 0),
        failed=statuses.get("failed", 0),
        upvotes=votes.get("up", 0),
        downvotes=votes.get("down", 0),
        slowest=_slowest(session, team_id),
        most_downvoted=_most_downvoted(session, team_id),
        downvote_reasons=_downvote_reasons(session, asked),
    )


def _downvote_reasons(session: Session, asked: list[Any]) -> tuple[tuple[str, int], ...]:
    statement = (
        select(Feedback.reason, func.count())
        .join(Answer, Answer.id == Feedback.answer_id)
        .join(Question, Question.id == Answer.question_id)
        .where(*asked, Feedback.vote == "down", Feedback.reason.is_not(None))
        .group_by(Feedback.reason)
        .order_by(func.count().desc(), Feedback.reason)
    )
    return tuple((str(reason), int(count)) for reason, count in session.execute(statement))


def _slowest(session: Session, team_id: str) -> tuple[SlowAnswer, ...]:
    statement = (
        select(Question.id, Answer.id, Question.text, Answer.total_ms, Question.conversation_id)
        .join(Answer, Answer.question_id == Question.id)
        .where(Question.team_id == team_id)
        .order_by(Answer.total_ms.desc(), Answer.id)
        .limit(TOP)
    )
    return tuple(SlowAnswer(*row) for row in session.execute(statement))


def _most_downvoted(session: Session, team_id: str) -> tuple[DownvotedAnswer, ...]:
    downvotes = func.count().filter(Feedback.vote == "down")
    upvotes = func.count().filter(Feedback.vote == "up")
    statement = (
        select(Question.id, Answer.id, Question.text, downvotes, upvotes, Question.conversation_id)
        .join(Answer, Answer.question_id == Question.id)
        .join(Feedback, Feedback.answer_id == Answer.id)
        .where(Question.team_id == team_id)
        .group_by(Question.id, Answer.id, Question.text, Question.conversation_id)
        .having(downvotes > 0)
        .order_by(downvotes.desc(), upvotes, Answer.id)
        .limit(TOP)
    )
    return tuple(DownvotedAnswer(*row) for row in session.execute(statement))
