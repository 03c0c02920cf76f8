"""The bot's only way to reach the worker: tasks are sent by name, never imported.

Importing this module loads Celery and kombu but not ``worker.tasks``, torch or any
model: the bot stays small and its acknowledgements fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ragtime.logs import correlation_id
from ragtime.settings import Settings
from taskqueue import names

SendTask = Callable[..., Any]


REMOVAL_EXPIRY_SECONDS = 7 * 24 * 3600
# The message header carrying the Slack request's correlation id to the worker.
CORRELATION_HEADER = "ragtime_correlation_id"
# A lost maintenance task may be redelivered this long after it was sent.
MAINTENANCE_EXPIRY_SECONDS = 3600


class Enqueuer:
    """Sends each task to its queue with an expiry, so a stale task is dropped, not run late.

    ``send_task`` is ``Celery.send_task`` (tests pass a recorder).
    """

    def __init__(
        self,
        send_task: SendTask,
        *,
        answer_expiry_seconds: float,
        ingest_expiry_seconds: float,
        maintenance_expiry_seconds: float,
    ) -> None:
        self._send_task = send_task
        self._expiry = {
            names.ANSWER_QUEUE: answer_expiry_seconds,
            names.INGEST_QUEUE: ingest_expiry_seconds,
            names.MAINTENANCE_QUEUE: maintenance_expiry_seconds,
        }

    @classmethod
    def from_settings(cls, settings: Settings, celery: Any = None) -> Enqueuer:
        """An enqueuer on ``celery`` (default: a Celery app of its own), configured from ``settings``.

        Its own app: the worker's (``taskqueue.broker.app``) may hold a pooled connection
        to the broker it was configured for, and sending needs nothing else of it.
        """
        from celery import Celery

        from taskqueue.broker import configure_celery

        app = celery if celery is not None else Celery("ragtime", set_as_current=False)
        configured = configure_celery(app, settings)
        return cls(
            configured.send_task,
            answer_expiry_seconds=settings.answer_expiry_seconds,
            ingest_expiry_seconds=settings.ingest_expiry_seconds,
            maintenance_expiry_seconds=MAINTENANCE_EXPIRY_SECONDS,
        )

    def answer(self, question_id: str, reply_url: str | None = None) -> None:
        """Answer a recorded question where its asker is looking.

        ``reply_url``: a slash command's response_url, when the bot can't post where it
        was asked; it travels only in the task, never in the database or a log line.
        """
        extra = {"reply_url": reply_url} if reply_url else {}
        self._send(names.ANSWER_QUESTION, question_id=question_id, **extra)

    def ingest(self, document_id: str, notice: tuple[str, str] | None = None) -> None:
        """Fetch, index and report on a shared file (queued or failed before).

        ``notice``: (channel, ts) of the "Reading…" reply to edit with progress.
        """
        extra = {"notice_channel": notice[0], "notice_ts": notice[1]} if notice else {}
        self._send(names.INGEST_DOCUMENT, document_id=document_id, **extra)

    def forget(self, document_id: str) -> None:
        """Take a document out of the index and the blob store; mark it deleted."""
        self._send(names.FORGET_DOCUMENT, document_id=document_id)

    def sync_scope(self, document_id: str) -> None:
        """Give the indexed chunks the document's current shares and publication."""
        self._send(names.SYNC_DOCUMENT_SCOPE, document_id=document_id)

    def reindex(
        self, team_id: str, user_id: str, target: str, channel_id: str, message_ts: str
    ) -> None:
        """Re-index ``target`` ("all" or a document id), editing ``message_ts`` with progress.

        The caller holds the workspace's re-index lock; the task releases it.
        """
        self._send(
            names.REINDEX,
            team_id=team_id,
            user_id=user_id,
            target=target,
            channel_id=channel_id,
            message_ts=message_ts,
        )

    def _send(self, name: str, **kwargs: str) -> None:
        queue = names.QUEUE_OF[name]
        expires = self._expiry[queue]
        if name in (names.FORGET_DOCUMENT, names.SYNC_DOCUMENT_SCOPE):
            # Removals must not be lost to a worker that was down for an hour: the
            # database already says "deleted" or "unshared", the index must follow.
            expires = max(expires, REMOVAL_EXPIRY_SECONDS)
        # The message's readable copy of its kwargs (shown by Celery's tools) never holds
        # the response_url: it is a credential for posting in the conversation.
        extra: dict[str, object] = {}
        if correlation_id.get() != "-":
            extra["headers"] = {CORRELATION_HEADER: correlation_id.get()}
        if "reply_url" in kwargs:
            extra["kwargsrepr"] = repr(kwargs | {"reply_url": "<hidden>"})
        self._send_task(name, kwargs=kwargs, queue=queue, expires=expires, **extra)
