"""One running product for the whole session: stand-in, bot (gunicorn) and a Celery worker.

In CI the database is a scratch PostgreSQL database and the broker is Redis; both
must be there (CI or RAGTIME_REQUIRE_SERVICES=1 turns their absence into a failure).
Elsewhere the tests fall back to SQLite and the filesystem broker. The worker runs
the real embedding model, loaded once for the session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.local_stack import LocalStack, local_stack
from ragtime.db import make_engine
from tests.integration.conftest import DEFAULT_POSTGRES_URL, scratch_postgres_database

E2E_REDIS_URL = "redis://127.0.0.1:6379/6"


@dataclass
class Product:
    stack: LocalStack
    db: Engine
    backends: str


def _required() -> bool:
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    return ci or os.environ.get("RAGTIME_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, reason: str) -> None:
    message = f"{what} is not reachable ({reason}); start it to run the end-to-end tests on it."
    if _required():
        pytest.fail(f"{message} CI requires it.")


def _postgres(stack: ExitStack) -> str | None:
    admin = make_url(os.environ.get("RAGTIME_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    engine = create_engine(admin, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        _unavailable("PostgreSQL", type(exc).__name__)
        return None
    finally:
        engine.dispose()
    url = stack.enter_context(scratch_postgres_database(admin))
    return url.render_as_string(hide_password=False)


def _redis() -> str | None:
    url = os.environ.get("RAGTIME_TEST_REDIS_URL", E2E_REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        _unavailable("Redis", type(exc).__name__)
        return None
    return url


@pytest.fixture(scope="session")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    with ExitStack() as stack:
        database_url = _postgres(stack)
        redis_url = _redis()
        extra = {"RAGTIME_EMBEDDER": "local"} | ({"REDIS_URL": redis_url} if redis_url else {})
        data_dir = tmp_path_factory.mktemp(f"e2e-{uuid.uuid4().hex[:6]}")
        running = stack.enter_context(
            local_stack(data_dir, database_url=database_url, extra_env=extra)
        )
        engine = make_engine(running.env["DATABASE_URL"])
        stack.callback(engine.dispose)
        backends = f"{'PostgreSQL' if database_url else 'SQLite'} + {'Redis' if redis_url else 'filesystem broker'}"
        yield Product(running, engine, backends)


@pytest.fixture
def logs_on_failure(product: Product, request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for name, path in product.stack.logs.items():
            print(f"--- {name} log (tail) ---\n{Path(path).read_text(errors='replace')[-4000:]}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
