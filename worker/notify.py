"""Best-effort messages: progress and reports whose loss must not undo finished work.

The client already waits out rate limits and retries server errors; if Slack still
fails, the message is logged and the work stands. Answers do not come through here:
posting an answer is the work, so its failures reach the retry boundary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackkit.client import post_to_response_url

log = logging.getLogger(__name__)

_SLACK_FAILURES = (SlackApiError, URLError, ConnectionError, TimeoutError)


def post_notice(client: WebClient, *, channel: str, text: str, thread_ts: str | None) -> bool:
    """Post ``text`` (in ``thread_ts``'s thread if given); False if Slack would not take it."""
    try:
        client.chat_postMessage(channel=channel, text=text, thread_ts=thread_ts)
    except _SLACK_FAILURES as exc:
        log.warning("could not post in %s: %s", channel, _reason(exc))
        return False
    return True


def edit_notice(client: WebClient, *, channel: str, ts: str, text: str) -> bool:
    """Replace the text of message ``ts``; False if Slack would not take it."""
    try:
        client.chat_update(channel=channel, ts=ts, text=text)
    except _SLACK_FAILURES as exc:
        log.warning("could not edit %s/%s: %s", channel, ts, _reason(exc))
        return False
    return True


@dataclass
class ThrottledNotice:
    """One message edited with news, no more often than every ``interval`` seconds.

    The first edit waits ``interval`` too, so work that ends quickly edits nothing.
    """

    client: WebClient
    channel: str
    ts: str
    interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    edited: bool = field(init=False, default=False)
    last: float = field(init=False)

    def __post_init__(self) -> None:
        self.last = self.clock()

    def offer(self, text: Callable[[], str]) -> None:
        """Show ``text()`` if the last edit is old enough (``text`` is only called then)."""
        now = self.clock()
        if now - self.last >= self.interval:
            self.last = now
            if edit_notice(self.client, channel=self.channel, ts=self.ts, text=text()):
                self.edited = True


def post_private_notice(
    client: WebClient, *, channel: str, user: str, text: str, thread_ts: str | None
) -> bool:
    """Show ``text`` to ``user`` alone; False if Slack would not take it."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    except _SLACK_FAILURES as exc:
        log.warning("could not tell %s privately: %s", user, _reason(exc))
        return False
    return True


def tell_privately(response_url: str, text: str) -> bool:
    """``text`` to the one person behind a slash command's response_url (never logged)."""
    try:
        status = post_to_response_url(response_url, text=text)
    except _SLACK_FAILURES as exc:
        log.warning("could not answer through the response_url: %s", _reason(exc))
        return False
    return status == 200


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return type(exc).__name__
