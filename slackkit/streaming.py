"""Show an answer while the model writes it.

Two ways, by where the answer goes. ``/ask`` has no thread yet, only the placeholder
the bot posted: ``PlaceholderEdits`` edits it with the growing text (Slack's
``chat.update`` allows about one edit a second per channel). Everywhere else the
answer is a reply in a thread: ``ThreadStream`` uses Slack's native streaming. Either
way the finished, cited answer ends it, and a refusal along the way is never fatal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackkit.blocks import (
    MAX_MESSAGE_CHARS,
    Block,
    escape,
    markdown_safe,
    truncate,
    writing_blocks,
)

log = logging.getLogger(__name__)

# What an edit shows at most: a long answer in the making only needs its start.
MAX_LIVE_CHARS = 2800
# Past this a streamed answer stops streaming and arrives whole, split to Slack's limits.
MAX_STREAMED_CHARS = MAX_MESSAGE_CHARS


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
                text=escape(shown),
                blocks=writing_blocks(shown, question=self.question),
            )
            self.edits += 1
        except SlackApiError as exc:
            log.info("live edit skipped: %s", exc.response.get("error"))


@dataclass
class ThreadStream:
    """An answer streamed into a thread with Slack's chat.startStream / appendStream / stopStream.

    Nothing is posted until text arrives; ``on_started`` hears the message's ts at once,
    so a retry after a crash edits that message instead of posting another. Text goes
    out at most once per ``interval``. When Slack refuses part-way (the stream expired,
    rate limits that outlast the client's retries) or the answer grows past what one
    message holds, streaming stops and ``finish`` replaces the message with
    ``chat.update``: the person always ends up with one complete, cited message.
    """

    client: WebClient
    channel: str
    thread_ts: str
    recipient_user_id: str
    recipient_team_id: str
    on_started: Callable[[str], None] = lambda ts: None
    interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    ts: str | None = None
    streaming: bool = True  # False once anything went wrong: the end replaces it all
    calls: int = 0
    _open: bool = False  # Slack holds the message in streaming state
    _pending: str = ""
    _sent: int = 0
    _last: float = field(default=float("-inf"))

    def add(self, piece: str) -> None:
        """More of the answer as the model wrote it (markdown; made safe here, once)."""
        self._pending += markdown_safe(piece)
        self._sent += len(piece)
        if self._sent > MAX_STREAMED_CHARS:
            self.streaming = False  # too long for one message: it comes whole at the end
        if self.streaming and self.clock() - self._last >= self.interval:
            self._flush()

    def finish(
        self, *, stop_blocks: list[Block], text: str, blocks: list[Block], replace: bool = False
    ) -> bool:
        """End with ``stop_blocks`` under the streamed text, or (``replace``, or after a
        refusal) put ``text``/``blocks`` in its place; False when nothing was ever
        streamed (the caller posts it)."""
        if self.ts is None:
            return False
        if self.streaming and not replace:
            self._flush()
        if self.streaming and not replace and self._stop(blocks=stop_blocks):
            return True
        self.close()
        self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
        return True

    def close(self) -> None:
        """Take the message out of streaming state, whatever follows; never raises."""
        if self._open:
            self._stop(blocks=None)
        self.streaming = False

    def _stop(self, *, blocks: list[Block] | None) -> bool:
        try:
            self.client.chat_stopStream(channel=self.channel, ts=str(self.ts), blocks=blocks)
            self.calls += 1
            self._open = False
            return True
        except SlackApiError as exc:
            log.info("stream stop refused (%s): the message is replaced", _error(exc))
            self.streaming = False
            if _error(exc) == "message_not_in_streaming_state" or blocks is None:
                self._open = False  # gone already, or refused even bare: nothing more to try
            return False

    def _flush(self) -> None:
        if not self._pending.strip():
            return
        text, self._pending = self._pending, ""
        self._last = self.clock()
        try:
            if self.ts is None:
                started = self.client.chat_startStream(
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    markdown_text=text,
                    recipient_user_id=self.recipient_user_id,
                    recipient_team_id=self.recipient_team_id,
                )
                self.ts, self._open = str(started["ts"]), True
                self.on_started(self.ts)
            else:
                self.client.chat_appendStream(channel=self.channel, ts=self.ts, markdown_text=text)
            self.calls += 1
        except SlackApiError as exc:
            log.info("streaming stopped (%s): the answer will come whole", _error(exc))
            self.streaming = False
            if _error(exc) == "message_not_in_streaming_state":
                self._open = False


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error"))
