"""The cost guard: how many questions a user and a workspace may ask per hour.

Counts live in Redis when it is configured, so every bot process shares them,
and in memory otherwise (the laptop size runs one bot process). Fixed windows
of one hour: simple, and a limited person is told exactly when to try again.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WINDOW_SECONDS = 3600


class Counter(ABC):
    @abstractmethod
    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Count one more under ``key``; return (count in this window, seconds left in it)."""


class MemoryCounter(Counter):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        now = self._clock()
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now - started >= window_seconds:
                started, count = now, 0
            self._windows[key] = (started, count + 1)
        return count + 1, max(1, int(started + window_seconds - now))


class RedisCounter(Counter):
    def __init__(self, redis: Any) -> None:
        self._redis = redis

    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        name = f"ragtime:rate:{key}"
        # One MULTI: the first hit of a window creates the counter with its expiry (SET NX
        # EX, any Redis since 2.6.12; EXPIRE ... NX would need Redis 7), then counts;
        # INCR keeps the expiry, so the window's clock starts once.
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(name, 0, ex=window_seconds, nx=True)
        pipe.incr(name)
        pipe.ttl(name)
        _, count, ttl = pipe.execute()
        return int(count), max(1, int(ttl))


@dataclass(frozen=True, slots=True)
class Limited:
    retry_after_seconds: int
    whole_workspace: bool

    @property
    def sentence(self) -> str:
        minutes = max(1, round(self.retry_after_seconds / 60))
        who = "This workspace has" if self.whole_workspace else "You've"
        return (
            f"{who} asked a lot of questions this hour, so I'm pausing to keep costs down; "
            f"please try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


class QuestionLimiter:
    """Per-user and per-workspace limits; ``check`` says how long to wait, or None."""

    def __init__(self, counter: Counter, *, per_user: int, per_workspace: int) -> None:
        self.counter, self.per_user, self.per_workspace = counter, per_user, per_workspace

    def check(self, *, team_id: str, user_id: str) -> Limited | None:
        count, left = self.counter.hit(f"user:{team_id}:{user_id}", WINDOW_SECONDS)
        if count > self.per_user:
            return Limited(left, whole_workspace=False)
        count, left = self.counter.hit(f"team:{team_id}", WINDOW_SECONDS)
        if count > self.per_workspace:
            return Limited(left, whole_workspace=True)
        return None
