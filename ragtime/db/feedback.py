"""Votes on answers: one row per (answer, user), whatever the number of clicks."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ragtime.db.models import Feedback, Vote
from ragtime.db.types import utcnow
from ragtime.db.upsert import insert_for


def record_feedback(session: Session, *, answer_id: str, user_id: str, vote: Vote) -> None:
    """Cast or change a vote in one statement.

    Two clicks racing each other meet at the primary key: PostgreSQL makes the second
    INSERT wait for the first and then update it, SQLite runs writers one at a time.
    ``changed_at`` moves only when the vote really changes.
    """
    now = utcnow()
    statement = insert_for(session, Feedback).values(
        answer_id=answer_id, user_id=user_id, vote=vote, voted_at=now, changed_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["answer_id", "user_id"],
        set_={
            "vote": statement.excluded.vote,
            "changed_at": case(
                (Feedback.vote != statement.excluded.vote, statement.excluded.changed_at),
                else_=Feedback.changed_at,
            ),
        },
    )
    session.execute(statement)


def user_vote(session: Session, *, answer_id: str, user_id: str) -> Vote | None:
    return session.scalar(
        select(Feedback.vote).where(Feedback.answer_id == answer_id, Feedback.user_id == user_id)
    )


def vote_counts(session: Session, *, answer_id: str) -> dict[Vote, int]:
    """How many 👍 and 👎 an answer has, for redrawing its buttons."""
    counts: dict[Vote, int] = {"up": 0, "down": 0}
    rows = session.execute(
        select(Feedback.vote, func.count())
        .where(Feedback.answer_id == answer_id)
        .group_by(Feedback.vote)
    )
    counts.update({vote: count for vote, count in rows})
    return counts
