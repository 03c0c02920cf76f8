"""What the bot's listeners need, built once per process by ``build_bot_deps``.

Tests build the same object with fakes (an in-memory enqueuer, fakeredis).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.background import AfterAck, ContextPool
from bot.ratelimit import Counter, MemoryCounter, QuestionLimiter, RedisCounter
from ragtime.db import make_engine, session_factory, session_scope
from ragtime.settings import Settings


class Enqueuer(Protocol):
    """The bot's only way to reach the worker (taskqueue.enqueue.Enqueuer in production)."""

    def answer(self, question_id: str, reply_url: str | None = None) -> None: ...
    def ingest(self, document_id: str, notice: tuple[str, str] | None = None) -> None: ...
    def forget(self, document_id: str) -> None: ...
    def sync_scope(self, document_id: str) -> None: ...
    def reindex(
        self, team_id: str, user_id: str, target: str, channel_id: str, message_ts: str
    ) -> None: ...


@dataclass
class AdminCheck:
    """Workspace admins and owners (asked of Slack, cached briefly) or ADMIN_USER_IDS."""

    configured: frozenset[str]
    ttl_seconds: float = 300.0
    _cache: dict[str, tuple[float, bool]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def is_admin(self, client: WebClient, user_id: str, *, team_id: str) -> bool:
        """An admin or owner of workspace ``team_id`` (the installed one), or configured.

        In a Slack Connect channel an admin of the other organisation is not ours.
        """
        if user_id in self.configured:
            return True
        now = time.monotonic()
        key = f"{team_id}:{user_id}"
        with self._lock:
            cached = self._cache.get(key)
        if cached and now - cached[0] < self.ttl_seconds:
            return cached[1]
        user = client.users_info(user=user_id)["user"]
        ours = user.get("team_id") == team_id or team_id in (
            (user.get("enterprise_user") or {}).get("teams") or []
        )
        verdict = bool(
            ours and not user.get("is_stranger") and (user.get("is_admin") or user.get("is_owner"))
        )
        with self._lock:
            self._cache[key] = (now, verdict)
        return verdict


@dataclass
class UserNames:
    """Display names for the bare ``<@U…>`` mentions in question text (cached briefly)."""

    ttl_seconds: float = 3600.0
    _cache: dict[str, tuple[float, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def name_of(self, client: WebClient, user_id: str) -> str:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached and now - cached[0] < self.ttl_seconds:
            return cached[1]
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError:
            return user_id  # an unknown or external user: their id is still readable
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
        )
        with self._lock:
            self._cache[user_id] = (now, name)
        return name


@dataclass
class BotDeps:
    settings: Settings
    sessions: sessionmaker[Session]
    enqueuer: Enqueuer
    limiter: QuestionLimiter
    admins: AdminCheck
    after_ack: AfterAck = field(default_factory=AfterAck)
    names: UserNames = field(default_factory=UserNames)
    # Bolt runs listeners here (more than its default 5: a burst never queues behind them).
    listener_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ContextPool(max_workers=32, thread_name_prefix="listener")
    )

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.sessions) as session:
            yield session


def build_bot_deps(settings: Settings, *, enqueuer: Enqueuer | None = None) -> BotDeps:
    """Production wiring: the configured database, the Celery queue, Redis if configured."""
    if enqueuer is None:
        from taskqueue.enqueue import Enqueuer as CeleryEnqueuer

        enqueuer = CeleryEnqueuer.from_settings(settings)
    return BotDeps(
        settings=settings,
        sessions=session_factory(make_engine(settings.resolved_database_url)),
        enqueuer=enqueuer,
        limiter=QuestionLimiter(
            _counter(settings),
            per_user=settings.rate_limit_user_per_hour,
            per_workspace=settings.rate_limit_workspace_per_hour,
        ),
        admins=AdminCheck(settings.admins),
    )


def _counter(settings: Settings) -> Counter:
    if settings.redis_url:
        import redis

        return RedisCounter(redis.Redis.from_url(settings.redis_url))
    return MemoryCounter()
