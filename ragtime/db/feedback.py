"""Votes on answers: one row per (answer, user), whatever the number of clicks."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ragtime.db.models import Answer, DownvoteReason, Feedback, Vote
from ragtime.db.types import utcnow
from ragtime.db.upsert import insert_for


def record_feedback(session: Session, *, answer_id: str, user_id: str, vote: Vote) -> bool:
    """Cast or change a vote in one statement; False (nothing stored) for an unknown answer.

    Two clicks racing each other meet at the primary key: PostgreSQL makes the second
    INSERT wait for the first and then update it, SQLite runs writers one at a time.
    ``changed_at`` moves only when the vote really changes; a vote changed to 👍 loses
    the reason its 👎 gave.
    """
    if session.get(Answer, answer_id) is None:
        return False
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
            "reason": case((statement.excluded.vote == "down", Feedback.reason), else_=None),
            "comment": case((statement.excluded.vote == "down", Feedback.comment), else_=None),
        },
    )
    session.execute(statement)
    return True


def record_downvote_reason(
    session: Session, *, answer_id: str, user_id: str, reason: DownvoteReason, comment: str | None
) -> bool:
    """Say what was wrong with an answer this person voted 👎; False if they hold no 👎."""
    feedback = session.get(Feedback, (answer_id, user_id))
    if feedback is None or feedback.vote != "down":
        return False
    feedback.reason = reason
    feedback.comment = comment.strip()[:1000] if comment and comment.strip() else None
    return True


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
