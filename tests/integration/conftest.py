"""Database fixtures: every DB test runs on a SQLite file and on a scratch PostgreSQL database.

PostgreSQL is the server at RAGTIME_TEST_POSTGRES_URL (default: the local `test`
database, used only to CREATE and DROP scratch databases). When it is unreachable the
PostgreSQL half is skipped, or fails when RAGTIME_REQUIRE_SERVICES=1 or CI is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from ragtime.db import make_engine, session_factory
from ragtime.db.migrate import upgrade

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)]


@dataclass(frozen=True)
class ServiceEnvironment:
    postgres_url: URL
    required: bool


@pytest.fixture(scope="session", autouse=True)
def service_environment() -> ServiceEnvironment:
    # An autouse session fixture runs before tests/conftest.py strips RAGTIME_* for each
    # test; the PostgreSQL fixtures below are requested later, from inside other fixtures.
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    return ServiceEnvironment(
        postgres_url=make_url(os.environ.get("RAGTIME_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)),
        required=ci or os.environ.get("RAGTIME_REQUIRE_SERVICES") == "1",
    )


@pytest.fixture(scope="session")
def postgres_admin_url(service_environment: ServiceEnvironment) -> URL:
    url = service_environment.postgres_url
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        shown = url.render_as_string(hide_password=True)
        reason = str(exc).strip().splitlines()[0]
        message = (
            f"PostgreSQL is not reachable at {shown} ({reason}); start it, or set "
            "RAGTIME_TEST_POSTGRES_URL to a server where this user may CREATE DATABASE, "
            "to run these tests."
        )
        if service_environment.required:
            pytest.fail(f"{message} CI requires them (RAGTIME_REQUIRE_SERVICES=1).")
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


@contextmanager
def scratch_postgres_database(admin_url: URL) -> Iterator[URL]:
    """A fresh, empty database on the server, dropped afterwards whatever happened."""
    name = f"ragtime_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_database(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{folder / 'ragtime.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    with scratch_postgres_database(admin_url) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, one per test: for migration tests."""
    with empty_database(request, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def migrated_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of each kind at head, shared by a module's tests (they use fresh ids)."""
    with empty_database(request, tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="module")
def db_engine(migrated_database_url: str) -> Iterator[Engine]:
    built = make_engine(migrated_database_url)
    yield built
    built.dispose()


@pytest.fixture(scope="module")
def db_sessions(db_engine: Engine) -> sessionmaker[Session]:
    return session_factory(db_engine)


@pytest.fixture
def team() -> str:
    """A workspace id of its own, so tests sharing a database never see each other's rows."""
    return f"T{uuid.uuid4().hex[:10].upper()}"


@pytest.fixture(scope="module")
def redis_url(service_environment: ServiceEnvironment) -> str:
    url = os.environ.get("RAGTIME_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.flushdb()  # a database of its own (5 by default): nothing else lives there
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {url} ({exc}); start it to run these tests."
        if service_environment.required:
            pytest.fail(f"{message} CI requires it (RAGTIME_REQUIRE_SERVICES=1).")
        pytest.skip(message)
    return url
