"""The audit log of admin actions, and the Slack event ids already processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ragtime.db.models import AuditEntry, AuditOutcome, ProcessedEvent
from ragtime.db.types import utcnow
from ragtime.db.upsert import insert_for


def record_audit(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    action: str,
    target: str | None,
    outcome: AuditOutcome,
    detail: str | None = None,
) -> AuditEntry:
    """Who did what to which target, and how it ended (succeeded, denied, failed)."""
    entry = AuditEntry(
        team_id=team_id, user_id=user_id, action=action, target=target, outcome=outcome,
        detail=detail,
    )  # fmt: skip
    session.add(entry)
    session.flush()
    return entry


def recent_audit(session: Session, *, team_id: str, limit: int = 20) -> list[AuditEntry]:
    statement = (
        select(AuditEntry)
        .where(AuditEntry.team_id == team_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def claim_event(session: Session, *, event_id: str) -> bool:
    """True for the first delivery of a Slack event id, False for every retry or copy.

    Claim in its own short transaction, before the work: a concurrent delivery
    waits for that commit and then sees the id taken.
    """
    statement = (
        insert_for(session, ProcessedEvent)
        .values(event_id=event_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


def release_event(session: Session, *, event_id: str) -> None:
    """Give a claim back: the work it guarded did not happen and may be tried again."""
    session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id == event_id))


def forget_events_before(session: Session, *, older_than: datetime) -> int:
    """Drop event ids older than Slack's retry window; return how many went."""
    statement = (
        delete(ProcessedEvent)
        .where(ProcessedEvent.received_at < older_than)
        .returning(ProcessedEvent.event_id)
    )
    return len(session.execute(statement).all())
