"""Work that follows an ack runs here: few threads, so acks never wait behind it.

Slack needs its answer within 3 s and we hold ourselves to a bare Bolt app's ack
latency. Recording, posting placeholders and enqueueing are done by a small pool
per process; under a burst the work queues up here while the acks go out at once.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from slack_sdk import WebClient

log = logging.getLogger(__name__)
Tell = Callable[[str], object]
T = TypeVar("T")


DATABASE_DOWN = (
    "I can't reach my database just now, so I couldn't take that (reference {reference});"
    " nothing was saved, please ask again in a minute."
)


def _database_unreachable(error: BaseException) -> bool:
    """SQLAlchemy's "can't connect / connection lost" (not a bug in a statement)."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (OperationalError, InterfaceError)) and (
        "connect" in str(error).lower() or "connection" in str(error).lower()
    )


def apologise(
    client: WebClient,
    channel: str | None,
    user: str | None,
    error: BaseException,
    tell: Tell | None = None,
) -> None:
    """The log keeps the traceback; the person gets a short apology with a reference id.

    ``tell`` (a slash command's response_url) reaches people where the bot can't post,
    such as a DM between two other people.
    """
    reference = uuid.uuid4().hex[:8]
    if _database_unreachable(error):
        log.error("database unreachable (reference %s): %s", reference, type(error).__name__)
        text = DATABASE_DOWN.format(reference=reference)
    else:
        log.error("unhandled error (reference %s)", reference, exc_info=error)
        text = (
            f"Sorry, something went wrong on my side (reference {reference}); "
            "please try again in a moment."
        )
    try:
        if tell is not None:
            tell(text)
        elif channel and user:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
    except Exception as failed:  # Slack may be why it failed: the log has both
        log.warning("could not apologise (reference %s): %s", reference, type(failed).__name__)


class ContextPool(ThreadPoolExecutor):
    """A thread pool whose work sees the submitter's context variables (the correlation id)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)


class AfterAck:
    """A small pool for the work that follows an ack.

    ``inline``: run the work at once, in the listener (AWS Lambda: the response waits for
    it, and nothing may still run once the response is sent, as Lambda freezes threads).
    """

    def __init__(self, workers: int = 2, *, inline: bool = False) -> None:
        self.inline = inline
        self._pool = ContextPool(max_workers=workers, thread_name_prefix="after-ack")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def run(
        self,
        work: Callable[[], object],
        *,
        client: WebClient,
        channel: str | None,
        user: str | None,
        tell: Tell | None = None,
    ) -> None:
        """Run ``work`` soon; if it fails, the person hears about it (see ``apologise``)."""
        if self.inline:
            self._guarded(work, client, channel, user, tell)
            return
        future = self._pool.submit(self._guarded, work, client, channel, user, tell)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every piece of work submitted so far has finished; False on timeout."""
        with self._lock:
            pending = list(self._pending)
        _, not_done = wait(pending, timeout=timeout)
        return not not_done

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    @staticmethod
    def _guarded(
        work: Callable[[], object],
        client: WebClient,
        channel: str | None,
        user: str | None,
        tell: Tell | None,
    ) -> None:
        try:
            work()
        except Exception as error:  # the edge of the background: report, never lose it
            apologise(client, channel, user, error, tell)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
