"""The HTTP entry point: a WSGI app serving /slack/events, /healthz and /readyz.

Run it under a production WSGI server with threads (``ragtime bot`` starts
gunicorn, 2 workers x 16 threads); ``create_wsgi_app`` is the factory gunicorn calls.
"""

from __future__ import annotations

import atexit
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
from bot.observe import observed
from ragtime.logs import configure_logging
from ragtime.metrics import exposition, prepare
from ragtime.settings import Settings, get_settings
from taskqueue.broker import broker_problem

log = logging.getLogger(__name__)
WsgiApp = WSGIApplication


def create_wsgi_app(settings: Settings | None = None, deps: BotDeps | None = None) -> WsgiApp:
    settings = settings or get_settings()
    deps = deps or build_bot_deps(settings)
    # Acks wait for the GIL while after-ack work holds it; a shorter switch interval
    # (default 5 ms) hands it over sooner.
    sys.setswitchinterval(0.001)
    slack = SlackRequestHandler(create_app(settings, deps), path="/slack/events")
    # On SIGTERM gunicorn stops taking requests and lets those in flight finish; the
    # work they handed over after acking finishes before the process exits.
    atexit.register(deps.after_ack.shutdown)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, "200 OK", {"ok": True})
        if path == "/readyz":
            checks = {"database": _database_problem(deps), "broker": broker_problem(settings)}
            problems = [problem for problem in checks.values() if problem]
            status = "503 Service Unavailable" if problems else "200 OK"
            body = {"ok": not problems, "problem": "; ".join(problems) or None}
            return _json(start_response, status, body | {"checks": _shown(checks)})
        if path == "/metrics":
            payload, content_type = exposition()
            start_response("200 OK", [("Content-Type", content_type)])
            return [payload]
        seen: list[int] = []

        def remembered(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen.append(int(status.split(maxsplit=1)[0]))
            return start_response(status, headers, exc_info)

        return observed(lambda: slack(environ, remembered), status_of=lambda _: seen[0])

    return application


def _shown(checks: dict[str, str | None]) -> dict[str, str]:
    return {name: problem or "ok" for name, problem in checks.items()}


def _database_problem(deps: BotDeps) -> str | None:
    try:
        with deps.session() as session:
            session.execute(text("SELECT 1"))
            # The schema comes from `ragtime db upgrade`; without it every request would fail.
            version = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # readiness reports, it never raises
        log.warning("not ready: %s", type(exc).__name__)
        return "the database is unreachable or has no schema (run `ragtime db upgrade`)"
    return None if version else "the database has no schema (run `ragtime db upgrade`)"


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
                "graceful_timeout": 30,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WsgiApp:
            return create_wsgi_app(settings)

    configure_logging(settings)
    prepare(settings, "bot", fresh=True)  # gunicorn's workers fork from here and inherit it
    Server().run()
