"""Engine and session plumbing on SQLite: no server needed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from ragtime.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    make_engine,
    normalize_database_url,
    session_factory,
    session_scope,
)
from ragtime.db.types import UtcDateTime


def test_sqlite_gets_foreign_keys_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'folder' / 'ragtime.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert (
                connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
            )
    finally:
        engine.dispose()
    assert (tmp_path / "nested" / "folder" / "ragtime.db").is_file()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db/app", "postgresql+psycopg://u:***@db/app"),
        ("postgresql://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:///.ragtime/ragtime.db", "sqlite:///.ragtime/ragtime.db"),
    ],
)
def test_managed_database_urls_use_psycopg_3(given: str, expected: str) -> None:
    assert str(normalize_database_url(given)) == expected


def test_session_scope_commits_on_success_and_rolls_back_on_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'scope.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    factory = session_factory(engine)
    with session_scope(factory) as session:
        session.execute(text("INSERT INTO notes VALUES ('kept')"))
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        session.execute(text("INSERT INTO notes VALUES ('lost')"))
        raise RuntimeError("boom")
    with session_scope(factory) as session:
        assert session.execute(text("SELECT body FROM notes")).scalars().all() == ["kept"]
    engine.dispose()


def test_a_timestamp_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        UtcDateTime().process_bind_param(datetime(2025, 1, 1), sqlite.dialect())
