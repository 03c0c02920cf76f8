"""Show an answer while the model writes it, by editing the placeholder.

Slack's ``chat.update`` allows about one edit a second per channel, so the growing
text is shown at most once per ``interval``; the finished, cited answer replaces it
afterwards (``worker.answering``). An edit Slack refuses is skipped, never fatal:
the final answer still comes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackkit.blocks import truncate, writing_blocks

log = logging.getLogger(__name__)

# What an edit shows at most: a long answer in the making only needs its start.
MAX_LIVE_CHARS = 2800


@dataclass
class PlaceholderEdits:
    client: WebClient
    channel: str
    ts: str
    question: str | None = None
    interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    edits: int = 0
    _text: str = ""
    _last: float = field(default=float("-inf"))

    def add(self, piece: str) -> None:
        """More of the answer arrived; show it if the last edit is old enough."""
        self._text += piece
        now = self.clock()
        if now - self._last < self.interval or not self._text.strip():
            return
        self._last = now
        shown = truncate(self._text, MAX_LIVE_CHARS)
        try:
            self.client.chat_update(
                channel=self.channel,
                ts=self.ts,
                text=shown,
                blocks=writing_blocks(shown, question=self.question),
            )
            self.edits += 1
        except SlackApiError as exc:
            log.info("live edit skipped: %s", exc.response.get("error"))
