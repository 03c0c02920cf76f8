"""The HTTP entry point: a WSGI app serving /slack/events, /healthz and /readyz.

Run it under a production WSGI server with threads (``ragtime bot`` starts
gunicorn, 2 workers x 16 threads); ``create_wsgi_app`` is the factory gunicorn calls.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.app import create_app
from bot.deps import BotDeps, build_bot_deps
from ragtime.settings import Settings, get_settings

log = logging.getLogger(__name__)
WsgiApp = WSGIApplication


def create_wsgi_app(settings: Settings | None = None, deps: BotDeps | None = None) -> WsgiApp:
    settings = settings or get_settings()
    deps = deps or build_bot_deps(settings)
    # Acks wait for the GIL while after-ack work holds it; a shorter switch interval
    # (default 5 ms) hands it over sooner.
    sys.setswitchinterval(0.001)
    slack = SlackRequestHandler(create_app(settings, deps), path="/slack/events")

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, "200 OK", {"ok": True})
        if path == "/readyz":
            problem = _not_ready(deps)
            status = "503 Service Unavailable" if problem else "200 OK"
            return _json(start_response, status, {"ok": not problem, "problem": problem})
        return slack(environ, start_response)

    return application


def _not_ready(deps: BotDeps) -> str | None:
    try:
        with deps.session() as session:
            session.execute(text("SELECT 1"))
            # The schema comes from `ragtime db upgrade`; without it every request would fail.
            version = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # readiness reports, it never raises
        log.warning("not ready: %s", type(exc).__name__)
        return "database unreachable or without its schema; run `ragtime db upgrade`"
    return None if version else "database schema missing; run `ragtime db upgrade`"


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def serve(
    settings: Settings, *, host: str = "0.0.0.0", workers: int = 2, threads: int = 16
) -> None:
    """Serve the bot with gunicorn (threads) — the same way the benchmark measures it."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{settings.bot_port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": None,
                "timeout": 30,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WsgiApp:
            return create_wsgi_app(settings)

    Server().run()
