"""Refuse a signed request that was already received: a replayed body gets a 401.

Slack's signature covers the timestamp and the body, and Bolt refuses anything older
than five minutes; within those five minutes a captured request could be sent again
(a second /ask, a second click). Each signature is claimed once, in the table that
already claims event ids (so every bot process and every Lambda container sees it).
Slack's own retries of an event carry ``X-Slack-Retry-Num`` and are left to the event
id check, which answers them 200 without doing the work twice.

If the database can't be reached the request goes through (logged): an outage must
not stop the bot from acknowledging, and the listeners say what is wrong.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse

from bot.deps import BotDeps
from ragtime.db.audit import claim_event

log = logging.getLogger(__name__)

REPLAYED = "This request was already received."


def _header(req: BoltRequest, name: str) -> str:
    values = req.headers.get(name) or []
    return str(values[0]) if values else ""


def refuse_replays(
    deps: BotDeps,
) -> Callable[[BoltRequest, BoltResponse, Callable[[], None]], BoltResponse]:
    """Bolt global middleware (after the signature check): one delivery per signature."""

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], None]) -> BoltResponse:
        signature = _header(req, "x-slack-signature")
        if signature and not _header(req, "x-slack-retry-num") and not _first(deps, signature):
            log.warning("slack request refused: a replay of a request already received")
            return BoltResponse(status=401, body=REPLAYED)
        next()
        return resp

    return middleware


def _first(deps: BotDeps, signature: str) -> bool:
    key = "sig:" + hashlib.sha256(signature.encode()).hexdigest()[:56]
    try:
        with deps.session() as session:
            return claim_event(session, event_id=key)
    except Exception as exc:  # the database is down: let the listeners say so
        log.warning("replay check skipped: %s", type(exc).__name__)
        return True
