"""How long each queue's tasks may run: soft limit (clean up and report), hard limit (killed).

Every hard limit stays below the broker's visibility timeout, so a slow task is
killed before Redis could hand it to a second worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskqueue import names


@dataclass(frozen=True, slots=True)
class TimeLimits:
    soft: float
    hard: float


TIME_LIMITS = {
    names.ANSWER_QUEUE: TimeLimits(soft=60, hard=90),
    names.INGEST_QUEUE: TimeLimits(soft=1500, hard=1800),
    names.MAINTENANCE_QUEUE: TimeLimits(soft=3000, hard=3300),
}
