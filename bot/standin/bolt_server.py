"""Serve a Bolt app on loopback so the stand-in's driver can reach it (demo and tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    # Slack delivers events concurrently; one thread per request lets races show up.
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Silent: the stand-in's call log says what happened."""


@contextmanager
def serve_bolt(app: App, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` over HTTP in a background thread; yields its /slack/events URL."""
    with serve_wsgi(SlackRequestHandler(app), host=host, port=port) as url:
        yield url


@contextmanager
def serve_wsgi(application: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve any WSGI app (the bot's whole HTTP surface) the same way; yields /slack/events."""
    server = make_server(
        host,
        port,
        application,
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
