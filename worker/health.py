"""The worker's own HTTP port: /metrics (its processes' samples, queue depth), /healthz, /readyz.

Served by the worker's parent process on a thread; the prefork children only write
their samples (prometheus_client's multiprocess mode). /readyz names each dependency
that is down: the database, the broker and the vector store.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import text

from ragtime.metrics import GaugeCollector, exposition
from ragtime.settings import Settings
from taskqueue.broker import app, broker_problem, queue_depths
from worker.context import WorkerContext, build_context

log = logging.getLogger(__name__)


def probe(settings: Settings) -> dict[str, str]:
    """``readiness`` with a context of its own, closed afterwards: the worker's parent
    process must hold no connection when Celery forks a child."""
    ctx = build_context(settings)
    try:
        return readiness(ctx)
    finally:
        ctx.close()
        ctx.sessions.kw["bind"].dispose()


def readiness(ctx: WorkerContext) -> dict[str, str]:
    """Each dependency by name: "ok" or what is wrong with it."""
    checks = {"database": _database(ctx), "broker": broker_problem(ctx.settings)}
    try:
        ctx.services.store.check()
        checks["vector_store"] = None
    except Exception as exc:  # readiness reports, it never raises
        checks["vector_store"] = str(exc) if str(exc) else type(exc).__name__
    return {name: problem or "ok" for name, problem in checks.items()}


def _database(ctx: WorkerContext) -> str | None:
    try:
        with ctx.sessions() as session:
            session.execute(text("SELECT version_num FROM alembic_version"))
    except Exception as exc:
        return f"the database is unreachable or has no schema ({type(exc).__name__})"
    return None


def _depths() -> dict[str, float]:
    try:
        return queue_depths(app)
    except Exception as exc:
        log.info("queue depth unknown: %s", type(exc).__name__)
        return {}


def serve_health(
    settings: Settings, port: int, host: str = "0.0.0.0"
) -> ThreadingHTTPServer | None:
    """Start the port on a daemon thread; None (and a log line) when it is taken."""
    depth = GaugeCollector("ragtime_queue_depth", "Tasks waiting, by queue", "queue", _depths)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Scrapes are not worth a log line each."""

        def do_GET(self) -> None:
            if self.path == "/metrics":
                payload, content_type = exposition([depth])
                self._send(200, payload, content_type)
            elif self.path == "/healthz":
                self._send(200, b'{"ok": true}', "application/json")
            elif self.path == "/readyz":
                checks = probe(settings)
                ok = all(value == "ok" for value in checks.values())
                body = json.dumps({"ok": ok, "checks": checks}).encode()
                self._send(200 if ok else 503, body, "application/json")
            else:
                self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        log.warning("worker health port %d not served: %s", port, exc.strerror)
        return None
    threading.Thread(target=server.serve_forever, daemon=True, name="worker-health").start()
    return server
