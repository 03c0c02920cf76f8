"""Every Slack request, observed: its surface, a correlation id, a log line and metrics.

A Bolt global middleware tags the request (after the signature check, before the
listeners): the correlation id it sets reaches the listener pool, the after-ack work
and the tasks enqueued from there (``ragtime.logs``; the pools copy context variables).
Slack's event id serves as the id where there is one, so a retry reads the same.
Bolt runs listeners after every middleware has returned, so the timing is taken
around the whole dispatch by the HTTP and Lambda entry points (``observed``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from slack_bolt import BoltRequest, BoltResponse

from ragtime.logs import correlation_id, new_correlation_id
from ragtime.metrics import metrics

T = TypeVar("T")

log = logging.getLogger(__name__)


def surface(body: dict[str, Any]) -> str:
    """Which Slack surface a request comes from: "event:app_mention", "command:/ask"…"""
    if body.get("command"):
        return f"command:{body['command']}"
    kind = str(body.get("type", ""))
    if kind == "event_callback":
        return f"event:{(body.get('event') or {}).get('type', '?')}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return f"action:{actions[0].get('action_id', '?')}"
    if kind in ("view_submission", "view_closed"):
        return f"view:{(body.get('view') or {}).get('callback_id', '?')}"
    return kind or "unknown"


_surface: ContextVar[str | None] = ContextVar("slack_surface", default=None)


def tag_request(req: BoltRequest, resp: BoltResponse, next: Callable[[], None]) -> BoltResponse:
    """Bolt global middleware (runs after the signature check): the request's surface and
    its correlation id, set for this thread, from which the listeners are started."""
    body = req.body if isinstance(req.body, dict) else {}
    _surface.set(surface(body))
    correlation = str(body.get("event_id") or "") or new_correlation_id()
    correlation_id.set(correlation)
    req.context["correlation_id"] = correlation
    next()
    return resp


def observed(call: Callable[[], T], *, status_of: Callable[[T], int]) -> T:
    """Run one Slack request through Bolt, then count it, time its ack and log a line."""
    surface_token, correlation_token = _surface.set(None), correlation_id.set("-")
    started = time.perf_counter()
    try:
        result = call()
        _record(_surface.get(), status_of(result), time.perf_counter() - started)
        return result
    finally:  # the thread serves other requests next: nothing of this one stays set
        _surface.reset(surface_token)
        correlation_id.reset(correlation_token)


def _record(where: str | None, status: int, elapsed: float) -> None:
    found = metrics()
    if status == 401:
        found.rejected_signatures.inc()
    if where is None:  # refused before Bolt looked inside: nothing more to say
        log.info("slack request refused status=%d", status)
        return
    found.slack_requests.labels(surface=where).inc()
    found.ack_seconds.labels(surface=where).observe(elapsed)
    log.info("slack request surface=%s status=%d ack_ms=%.1f", where, status, elapsed * 1000)
