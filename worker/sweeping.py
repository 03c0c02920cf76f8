"""No question waits forever: one whose task was lost is failed and its asker told.

A question's task can vanish without running or failing: Redis restarted without
persistence, a queue was purged, a message was dropped. The database still says
"queued" (or "answering", if a worker died mid-way and nothing redelivered it), and the
person would watch "Looking…" for good. Every minute the maintenance worker fails the
questions older than any task could still be alive for (its queue expiry, every
retry's backoff and time limit), with the sentence that asks them to ask again, where
the answer would have appeared.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ragtime.db import session_scope
from ragtime.db.questions import stale_questions
from ragtime.db.types import utcnow
from worker.context import WorkerContext
from worker.errors import TaskLostError
from worker.failures import give_up_answer

log = logging.getLogger(__name__)

# Longer than an answer task can live: its expiry, then up to five retries (backoff up
# to ten minutes in all) of at most 90 s each.
STILL_ALIVE_FOR = timedelta(minutes=15)


def sweep_stale_questions(ctx: WorkerContext, *, now: datetime | None = None) -> list[str]:
    """Fail every question whose task can no longer be alive; returns their ids."""
    wait = timedelta(seconds=ctx.settings.answer_expiry_seconds) + STILL_ALIVE_FOR
    with session_scope(ctx.sessions) as session:
        stale = stale_questions(session, asked_before=(now or utcnow()) - wait)
    for question_id in stale:
        give_up_answer(ctx, {"question_id": question_id}, TaskLostError())
        log.warning("question %s lost its task: failed, the asker told", question_id)
    return stale
