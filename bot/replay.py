"""Refuse a signed request that was already received: a replayed body gets a 401.

Slack's signature covers the timestamp and the body, and Bolt refuses anything older
than five minutes; within those five minutes a captured request could be sent again
(a second /ask, a second click). Each signature is claimed once, in the table that
already claims event ids (so every bot process and every Lambda container sees it).
Slack's own retries of an event carry ``X-Slack-Retry-Num`` and are left to the event
id check, which answers them 200 without doing the work twice.

If the database can't be reached the request goes through (logged), and for the next
half minute the check is not tried at all: an outage must not make every request wait
for a connection before Slack gets its answer; the listeners tell the person.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse

from bot.deps import BotDeps
from ragtime.db.audit import claim_event

log = logging.getLogger(__name__)

REPLAYED = "This request was already received."
# After a database error, requests go unchecked this long before the next try.
SKIP_AFTER_ERROR_SECONDS = 30.0


def _header(req: BoltRequest, name: str) -> str:
    values = req.headers.get(name) or []
    return str(values[0]) if values else ""


def refuse_replays(
    deps: BotDeps,
) -> Callable[[BoltRequest, BoltResponse, Callable[[], None]], BoltResponse]:
    """Bolt global middleware (after the signature check): one delivery per signature."""

    seen = _Signatures(deps)

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], None]) -> BoltResponse:
        signature = _header(req, "x-slack-signature")
        if signature and not _header(req, "x-slack-retry-num") and not seen.first(signature):
            log.warning("slack request refused: a replay of a request already received")
            return BoltResponse(status=401, body=REPLAYED)
        next()
        return resp

    return middleware


class _Signatures:
    def __init__(self, deps: BotDeps, clock: Callable[[], float] = time.monotonic) -> None:
        self._deps, self._clock = deps, clock
        self._lock = threading.Lock()
        self._unchecked_until = 0.0

    def first(self, signature: str) -> bool:
        """False only for a signature already claimed; True when it can't be known."""
        if self._clock() < self._unchecked_until:
            return True
        key = "sig:" + hashlib.sha256(signature.encode()).hexdigest()[:56]
        try:
            with self._deps.session() as session:
                return claim_event(session, event_id=key)
        except Exception as exc:  # the database is down: let the listeners say so
            with self._lock:
                self._unchecked_until = self._clock() + SKIP_AFTER_ERROR_SECONDS
            log.warning(
                "replay check skipped for %.0f s: %s", SKIP_AFTER_ERROR_SECONDS, type(exc).__name__
            )
            return True
