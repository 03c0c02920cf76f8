"""INSERT ... ON CONFLICT for the two databases ragtime runs on.

Concurrent writers meet at a unique constraint and the database decides: no
read-then-write races, no retry loops.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ragtime.db.models import Base

Insert = postgresql.Insert | sqlite.Insert


def insert_for(session: Session, model: type[Base]) -> Insert:
    """An INSERT into ``model``'s table in the session's dialect, so ``on_conflict_*`` is available."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"ragtime supports PostgreSQL and SQLite, not {dialect}.")
