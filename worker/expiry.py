"""Tasks that waited in the queue past their expiry: Celery drops them; we tell the person.

Celery discards an expired task in the pool's parent process without running it,
so no failure hook fires and the placeholder would say "Looking…" forever.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from worker.context import WorkerContext, build_context, configured_settings
from worker.errors import TaskExpiredError
from worker.failures import GIVE_UP

log = logging.getLogger(__name__)


def tell_expired(
    task_name: str, kwargs: Mapping[str, Any], ctx: WorkerContext | None = None
) -> None:
    """Record the dropped task as failed and say so where the person is waiting."""
    give_up = GIVE_UP.get(task_name)
    if give_up is None:
        return
    # Ids only: a reply_url is a credential for posting in the conversation.
    shown = {key: value for key, value in kwargs.items() if key != "reply_url"}
    log.warning("expired before it ran: %s %s", task_name, shown)
    # In the pool's parent no shared context may exist (children fork from it): a
    # throwaway one is built and closed here.
    own = ctx is None
    context = ctx or build_context(configured_settings())
    try:
        give_up(context, kwargs, TaskExpiredError())
    finally:
        if own:
            context.close()
            context.sessions.kw["bind"].dispose()
