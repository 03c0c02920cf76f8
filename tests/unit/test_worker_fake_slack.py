"""A tiny local fake of the Slack Web API and file host, for the worker's tests.

It answers files.info, chat.postMessage, chat.update and chat.postEphemeral, serves
files (a sign-in page without the right token, as Slack does), records every call,
and can be told to fail a method with a status and headers (429 + Retry-After, 500).
The tests at the bottom check the fake itself behaves like Slack where it matters.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ragtime.bootstrap import build_services
from ragtime.db import session_scope
from ragtime.db.documents import create_or_get_document_for_file, share_document
from ragtime.db.migrate import upgrade
from ragtime.embedding.hashing import HashingEmbedder
from ragtime.settings import Settings, load_settings
from worker.context import WorkerContext, build_context, slack_client

TOKEN = "xoxb-test-token"
SIGN_IN_PAGE = b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Failure:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeSlack:
    """Start with ``with FakeSlack() as slack:``; point a WebClient at ``api_url``."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    # URL path: (body, content type, the token it needs)
    served: dict[str, tuple[bytes, str, str]] = field(default_factory=dict)
    unannounced: set[str] = field(default_factory=set)  # paths served without Content-Length
    redirects: dict[str, str] = field(default_factory=dict)  # path: where it redirects (302)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    downloads: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: int = 0

    def __enter__(self) -> FakeSlack:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def add_file(
        self,
        file_id: str,
        data: bytes,
        *,
        name: str = "guide.pdf",
        content_type: str = "application/pdf",
        size: int | None = None,
        url: str | None = None,
        requires_token: str | None = None,
        announce_length: bool = True,
    ) -> None:
        """Describe a file in files.info and serve its bytes at its private URL."""
        path = f"/files/{file_id}/{name}"
        self.served[path] = (data, content_type, requires_token or self.token)
        if not announce_length:
            self.unannounced.add(path)
        self.files[file_id] = {
            "id": file_id,
            "name": name,
            "title": name,
            "filetype": "pdf",
            "size": len(data) if size is None else size,
            "url_private_download": url or f"{self.base_url}{path}",
            "permalink": f"https://example.slack.com/files/U1/{file_id}/{name}",
        }

    def fail(
        self, method: str, status: int, *, headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        """The next ``times`` calls of ``method`` get ``status`` (and these headers)."""
        body = {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
        self.failures.setdefault(method, []).extend(
            Failure(status, headers or {}, body) for _ in range(times)
        )

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.01)
        raise AssertionError(f"{method} was called {len(self.calls_to(method))} times, not {count}")

    def answer(
        self, method: str, params: dict[str, Any], authorized: bool
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            self.calls.append(Call(method, params, time.monotonic()))
            queued = self.failures.get(method)
            if queued:
                failure = queued.pop(0)
                return failure.status, failure.headers, failure.body
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
        if not authorized:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        return 200, {}, self._result(method, params, ts)

    def _result(self, method: str, params: dict[str, Any], ts: str) -> dict[str, Any]:
        if method == "files.info":
            file = self.files.get(str(params.get("file")))
            return {"ok": True, "file": file} if file else {"ok": False, "error": "file_not_found"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method in ("chat.postMessage", "chat.update"):
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts", ts)}
        return {"ok": False, "error": "unknown_method"}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet tests
            pass

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            if parts.path.startswith("/api/"):
                params = dict(urllib.parse.parse_qsl(parts.query))
                self._api(parts.path.removeprefix("/api/"), params)
            else:
                self._download(parts.path)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if self.headers.get_content_type() == "application/json":
                params = json.loads(raw or "{}")
            else:
                params = dict(urllib.parse.parse_qsl(raw))
            self._api(urllib.parse.urlsplit(self.path).path.removeprefix("/api/"), params)

        def _api(self, method: str, params: dict[str, Any]) -> None:
            authorized = self.headers.get("Authorization") == f"Bearer {fake.token}"
            status, headers, body = fake.answer(method, params, authorized)
            self._send(status, json.dumps(body).encode(), "application/json", headers)

        def _download(self, path: str) -> None:
            with fake._lock:
                fake.downloads += 1
            served = fake.served.get(path)
            if path in fake.redirects:
                self._send(302, b"", "text/plain", {"Location": fake.redirects[path]})
            elif served is None:
                self._send(404, b"not found", "text/plain", {})
            elif self.headers.get("Authorization") != f"Bearer {served[2]}":
                self._send(200, SIGN_IN_PAGE, "text/html; charset=utf-8", {})
            else:
                self._send(200, served[0], served[1], {}, announce=path not in fake.unannounced)

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            headers: dict[str, str],
            *,
            announce: bool = True,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if announce:  # else HTTP/1.0: the body ends when the connection closes
                self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def worker_settings(tmp_path: Path, slack: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "embedder": "hashing",
        "database_url": f"sqlite:///{tmp_path / 'ragtime.db'}",
        "slack_bot_token": slack.token,
        "slack_api_url": slack.api_url,
        "slack_file_hosts": "127.0.0.1",
    }
    return load_settings(**(values | overrides))


_MIGRATED: list[Path] = []


def migrate(settings: Settings) -> None:
    """Bring the settings' SQLite file to head: migrated once per run, then copied."""
    if not _MIGRATED:
        template = Path(tempfile.mkdtemp(prefix="ragtime-migrated-")) / "ragtime.db"
        upgrade(f"sqlite:///{template}")
        _MIGRATED.append(template)
    target = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_MIGRATED[0], target)


def worker_context(settings: Settings) -> WorkerContext:
    """A context with the hashing embedder over a freshly migrated database."""
    migrate(settings)
    return build_context(settings, services=build_services(settings, embedder=HashingEmbedder()))


def shared_document(
    ctx: WorkerContext,
    *,
    file_id: str,
    title: str = "guide.pdf",
    team_id: str = "T1",
    conversation_id: str = "C1",
    message_ts: str | None = "1699999999.000100",
) -> str:
    """A queued document for a Slack file, shared in a conversation by a message."""
    with session_scope(ctx.sessions) as session:
        document, _ = create_or_get_document_for_file(
            session, team_id=team_id, slack_file_id=file_id, title=title, shared_by="U1"
        )
        share_document(
            session,
            document_id=document.id,
            conversation_id=conversation_id,
            shared_by="U1",
            message_ts=message_ts,
        )
        return document.id


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def test_the_fake_answers_like_slack_with_the_token_only(fake_slack: FakeSlack) -> None:
    settings = load_settings(slack_bot_token=TOKEN, slack_api_url=fake_slack.api_url)
    posted = slack_client(settings).chat_postMessage(channel="C1", text="hi", thread_ts="1.2")
    assert posted["ok"] and posted["channel"] == "C1"
    assert fake_slack.calls_to("chat.postMessage")[0].params["thread_ts"] == "1.2"
    stranger = WebClient(token="xoxb-wrong", base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError) as refused:
        stranger.chat_update(channel="C1", ts="1.2", text="x")
    assert refused.value.response["error"] == "invalid_auth"


def test_the_client_waits_out_retry_after_then_succeeds(fake_slack: FakeSlack) -> None:
    settings = load_settings(slack_bot_token=TOKEN, slack_api_url=fake_slack.api_url)
    fake_slack.fail("chat.update", 429, headers={"Retry-After": "1"})
    started = time.monotonic()
    slack_client(settings).chat_update(channel="C1", ts="1.2", text="x")
    assert time.monotonic() - started >= 1.0
    assert len(fake_slack.calls_to("chat.update")) == 2
