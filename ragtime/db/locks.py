"""Named maintenance locks with an expiry: one re-index per workspace at a time.

A lock is a row; the database's unique key decides who gets it, so two bots or
workers racing each other never both win. A holder that crashes blocks others
only until ``expires_at``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ragtime.db.models import MaintenanceLock
from ragtime.db.types import utcnow
from ragtime.db.upsert import insert_for


def acquire_lock(session: Session, *, name: str, holder: str, ttl_seconds: float) -> bool:
    """Take the lock ``name`` for ``ttl_seconds``; False while someone else holds it.

    One statement: insert it, or take over a lock whose time ran out. On PostgreSQL a
    concurrent taker waits for the first and then sees a live lock; SQLite runs
    writers one at a time.
    """
    now = utcnow()
    insert = insert_for(session, MaintenanceLock).values(
        name=name, holder=holder, acquired_at=now, expires_at=now + timedelta(seconds=ttl_seconds)
    )
    statement = insert.on_conflict_do_update(
        index_elements=["name"],
        set_={
            "holder": insert.excluded.holder,
            "acquired_at": insert.excluded.acquired_at,
            "expires_at": insert.excluded.expires_at,
        },
        where=MaintenanceLock.expires_at < insert.excluded.acquired_at,
    ).returning(MaintenanceLock.name)
    return session.execute(statement).scalar_one_or_none() is not None


def release_lock(session: Session, *, name: str, holder: str | None) -> bool:
    """Let go of ``name`` if ``holder`` holds it (``None``: whoever does); True if released."""
    statement = delete(MaintenanceLock).where(MaintenanceLock.name == name)
    if holder is not None:
        statement = statement.where(MaintenanceLock.holder == holder)
    released = session.execute(statement.returning(MaintenanceLock.name)).scalar_one_or_none()
    return released is not None


def lock_holder(session: Session, *, name: str) -> str | None:
    """Who holds ``name`` now (an expired lock is held by nobody)."""
    lock = session.get(MaintenanceLock, name)
    if lock is None or lock.expires_at <= utcnow():
        return None
    return lock.holder
