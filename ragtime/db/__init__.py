"""Engine and sessions. Nothing is built at import: callers pass the URL from settings.

All SQL lives in this package. Query functions take a ``Session`` and never commit;
``session_scope`` owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000


def normalize_database_url(url: str | URL) -> URL:
    """Accept the URLs managed databases hand out (``postgres://``, ``postgresql://``)
    and point them at psycopg 3, the only PostgreSQL driver ragtime installs."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


# psycopg's shortest connect timeout (it treats anything under 2 s as 2 s).
CONNECT_TIMEOUT_SECONDS = 2
POOL_WAIT_SECONDS = 5


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder is created if missing."""
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        _create_sqlite_folder(parsed)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _configure_sqlite_connection)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # An unreachable server fails in seconds, not after the system's TCP timeout: the bot
    # answers Slack within 3 s and says it can't take the question now.
    kwargs.setdefault("pool_timeout", POOL_WAIT_SECONDS)
    if parsed.get_backend_name() == "postgresql":
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    return create_engine(parsed, **kwargs)


def _create_sqlite_folder(url: URL) -> None:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked, per connection. WAL lets readers run
    # beside the one writer; the busy timeout makes a second writer wait, not fail.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after the transaction ends: callers use what they loaded.
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    with factory() as session, session.begin():
        yield session
