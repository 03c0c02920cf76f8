"""The bot's HTTP surface: health, readiness, and Slack's signature check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

from bot.deps import build_bot_deps
from bot.http import create_wsgi_app
from ragtime.db.migrate import upgrade
from ragtime.settings import load_settings


class Recorder:
    def __init__(self) -> None:
        self.enqueued: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda *args: self.enqueued.append((name, args))


def _call(app: Any, path: str, method: str = "GET", body: bytes = b"") -> tuple[str, bytes]:
    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": method}
    setup_testing_defaults(environ)
    environ["wsgi.input"].write(body)
    environ["wsgi.input"].seek(0)
    environ["CONTENT_LENGTH"] = str(len(body))
    seen: list[str] = []
    chunks = app(environ, lambda status, headers, *_: seen.append(status))
    return seen[0], b"".join(chunks)


@pytest.fixture
def app_and_db(tmp_path: Path) -> tuple[Any, str]:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    settings = load_settings(
        data_dir=tmp_path, database_url=url, slack_bot_token="xoxb-test", slack_signing_secret="s3"
    )
    return create_wsgi_app(settings, build_bot_deps(settings, enqueuer=Recorder())), url


def test_healthz_answers_without_touching_anything(app_and_db: tuple[Any, str]) -> None:
    status, body = _call(app_and_db[0], "/healthz")
    assert status == "200 OK" and json.loads(body) == {"ok": True}


def test_readyz_says_when_the_database_is_not_there_yet(app_and_db: tuple[Any, str]) -> None:
    app, url = app_and_db
    status, body = _call(app, "/readyz")
    assert status.startswith("503")
    assert "ragtime db upgrade" in json.loads(body)["problem"]
    upgrade(url)
    assert _call(app, "/readyz")[0] == "200 OK"


def test_an_unsigned_slack_request_is_refused(app_and_db: tuple[Any, str]) -> None:
    status, _ = _call(app_and_db[0], "/slack/events", "POST", b"command=%2Fask&text=hi")
    assert status.startswith("401")
