"""Refuse a signed request that was already received: a replayed body gets a 401.

Slack's signature covers the timestamp and the body, and Bolt refuses anything older
than five minutes; within those five minutes a captured request could be sent again
(a second /ask, a second click). Each signature is claimed once, before the ack, in a
store every bot process shares and that answers in well under a millisecond:

- Redis when it is configured (``SET NX EX``, gone after the five minutes);
- on the laptop size (SQLite), a small SQLite file of its own beside the database, so
  the claim never waits behind the bot's and the worker's writes to the main one;
- otherwise (PostgreSQL without Redis: the Lambda size) the table that already claims
  event ids.

Slack's own retries of an event carry ``X-Slack-Retry-Num`` and are left to the event
id check, which answers them 200 without doing the work twice. If the store can't be
reached the request goes through (logged), and for the next half minute the check is
not tried at all: an outage must not make acks wait; the listeners tell the person.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.deps import BotDeps
from ragtime.db.audit import claim_event

log = logging.getLogger(__name__)

REPLAYED = "This request was already received."
# After a store error, requests go unchecked this long before the next try.
SKIP_AFTER_ERROR_SECONDS = 30.0
# Bolt refuses timestamps older than five minutes; a claim must outlive that.
REMEMBER_SECONDS = 600
# The laptop's file forgets expired claims once every this many new ones.
PURGE_EVERY = 500


class SeenSignatures(ABC):
    @abstractmethod
    def claim(self, key: str) -> bool:
        """True the first time ``key`` is claimed, False every time after (for a while)."""


class RedisSeen(SeenSignatures):
    def __init__(self, redis: Any) -> None:
        self._redis = redis

    def claim(self, key: str) -> bool:
        return bool(self._redis.set(f"ragtime:seen:{key}", 1, nx=True, ex=REMEMBER_SECONDS))


class SqliteSeen(SeenSignatures):
    """One small file shared by the laptop's bot processes (WAL: readers never wait)."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path, self._clock = path, clock
        self._local = threading.local()
        self._claims = itertools.count(1)
        with self._connection() as db:
            db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL)")

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=2.0, isolation_level=None)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            self._local.db = db
        return db

    def claim(self, key: str) -> bool:
        db, now = self._connection(), self._clock()
        claimed = db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, now)).rowcount == 1
        if claimed and next(self._claims) % PURGE_EVERY == 0:  # forget what Bolt would refuse
            db.execute("DELETE FROM seen WHERE at < ?", (now - REMEMBER_SECONDS,))
        return claimed


class DatabaseSeen(SeenSignatures):
    def __init__(self, deps: BotDeps) -> None:
        self._deps = deps

    def claim(self, key: str) -> bool:
        with self._deps.session() as session:
            return claim_event(session, event_id=key)


def seen_signatures(deps: BotDeps) -> SeenSignatures:
    settings = deps.settings
    if settings.redis_url:
        import redis

        return RedisSeen(redis.Redis.from_url(settings.redis_url, socket_timeout=1))
    if settings.resolved_database_url.startswith("sqlite"):
        return SqliteSeen(settings.data_dir / "seen-requests.db")
    return DatabaseSeen(deps)


def _header(req: BoltRequest, name: str) -> str:
    values = req.headers.get(name) or []
    return str(values[0]) if values else ""


def refuse_replays(
    deps: BotDeps, seen: SeenSignatures | None = None
) -> Callable[[BoltRequest, BoltResponse, Callable[[], None]], BoltResponse]:
    """Bolt global middleware (after the signature check): one delivery per signature."""
    guard = _Guard(seen or seen_signatures(deps))

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], None]) -> BoltResponse:
        signature = _header(req, "x-slack-signature")
        if signature and not _header(req, "x-slack-retry-num") and not guard.first(signature):
            log.warning("slack request refused: a replay of a request already received")
            return BoltResponse(status=401, body=REPLAYED)
        next()
        return resp

    return middleware


class _Guard:
    def __init__(self, seen: SeenSignatures, clock: Callable[[], float] = time.monotonic) -> None:
        self._seen, self._clock = seen, clock
        self._unchecked_until = 0.0  # one float: threads may race to set it, harmlessly

    def first(self, signature: str) -> bool:
        """False only for a signature already claimed; True when it can't be known."""
        if self._clock() < self._unchecked_until:
            return True
        key = "sig:" + hashlib.sha256(signature.encode()).hexdigest()[:56]
        try:
            return self._seen.claim(key)
        except Exception as exc:  # the store is down: let the listeners say so
            self._unchecked_until = self._clock() + SKIP_AFTER_ERROR_SECONDS
            log.warning(
                "replay check skipped for %.0f s: %s", SKIP_AFTER_ERROR_SECONDS, type(exc).__name__
            )
            return True
