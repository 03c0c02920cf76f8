"""Which failures are worth a retry: Slack busy or down, or the network. Never bad input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.error import HTTPError, URLError

from slack_sdk.errors import SlackApiError

from ragtime.pdf import PdfError


class TransientError(Exception):
    """Slack or the network failed for now; the task is retried later.

    ``countdown`` is how long Slack asked us to wait (``Retry-After``), if it said.
    """

    def __init__(self, message: str, *, countdown: float | None = None) -> None:
        super().__init__(message)
        self.countdown = countdown


class FileRefusedError(PdfError):
    """A Slack file that will not be indexed, for a reason one sentence explains.

    A ``PdfError``, so ingest reports it exactly like a PDF that cannot be read.
    """


def transient_error(exc: BaseException) -> TransientError | None:
    """The retryable form of ``exc``, or None when retrying would fail the same way."""
    if isinstance(exc, TransientError):
        return exc
    if isinstance(exc, SlackApiError):
        response = exc.response
        return _by_status(
            f"Slack answered {response.status_code} ({response.get('error')})",
            response.status_code,
            response.headers,
        )
    if isinstance(exc, HTTPError):  # before URLError: HTTPError is one
        return _by_status(f"HTTP {exc.code} from {exc.url}", exc.code, exc.headers)
    if isinstance(exc, URLError | ConnectionError | TimeoutError):
        return TransientError(f"network error: {exc}")
    return None


def _by_status(message: str, status: int, headers: Any) -> TransientError | None:
    if status == 429:
        return TransientError(message, countdown=retry_after(headers))
    if status >= 500:
        return TransientError(message)
    return None


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Slack's ``Retry-After`` in seconds (header names are case-insensitive)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return max(float(value), 0.0)
            except ValueError:
                return None
    return None


class TaskLostError(Exception):
    """The task never ran nor failed: its message was lost (a broker restarted empty)."""


class TaskExpiredError(Exception):
    """The task waited longer than its expiry (workers busy or down) and was dropped."""
