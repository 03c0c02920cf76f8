"""SlackStandIn: a local HTTP server that speaks enough Slack for the bot and the worker."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import TypeVar

from bot.standin.defaults import default_workspace
from bot.standin.model import BOT_USER_ID, Call, Ephemeral, File, Message
from bot.standin.readers import SurfaceReaders
from bot.standin.render import body_lines
from bot.standin.routes import Fault, Faults, StandInHTTPServer
from bot.standin.state import Workspace
from bot.standin.surfaces import STREAM_LIFETIME
from bot.standin.transcript import transcript

T = TypeVar("T")


class StandInTimeoutError(AssertionError):
    """wait_for() gave up; the message shows the recent calls and the conversations."""


class SlackStandIn(SurfaceReaders):
    """Slack's Web API, file hosting and response_urls on 127.0.0.1, recording every call.

    Point a real `WebClient(base_url=standin.api_url, token=standin.token)` at it.
    `stream_lifetime` is how long a chat.startStream stream may sit idle (Slack: ~5 min).
    """

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        stream_lifetime: float = STREAM_LIFETIME,
    ) -> None:
        self.workspace = workspace or default_workspace()
        self.workspace.surfaces.stream_lifetime = stream_lifetime
        self.faults = Faults(self.workspace.changed)
        self._address = (host, port)
        self._server: StandInHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Listen (port 0 picks a free port) and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("The Slack stand-in is already running; stop() it first.")
        self._server = StandInHTTPServer(self._address, self.workspace, self.faults)
        self.workspace.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        if self._server is None:
            raise RuntimeError("The Slack stand-in is not running; call start() first.")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The WebClient base_url: http://127.0.0.1:PORT/api/"""
        return f"{self.url}/api/"

    @property
    def file_host(self) -> str:
        """127.0.0.1:PORT, the host a downloader must allow for url_private_download."""
        return self.url.removeprefix("http://")

    @property
    def token(self) -> str:
        """The bot token the Web API and the file host accept."""
        return self.workspace.token

    def fail_next(
        self, method: str, status: int = 429, *, retry_after: int = 1, times: int = 1
    ) -> None:
        """Fail the next `times` calls of `method` with 429 (+ Retry-After) or a 5xx.

        `method` is a Web API method, or "file.download" / "response_url".
        """
        self.faults.add(Fault(method, status, retry_after, times))

    # --- reading ------------------------------------------------------------------------

    def messages(self, channel: str, thread_ts: str | None = None) -> list[Message]:
        """Top-level messages oldest first, or with `thread_ts` the parent and its replies."""
        channel_id = self.workspace.channel(channel).id
        if thread_ts is None:
            return self.workspace.history(channel_id)
        return self.workspace.thread(channel_id, thread_ts)

    def ephemerals(self, user: str, channel: str | None = None) -> list[Ephemeral]:
        """Messages only `user` saw, oldest first."""
        with self.workspace.changed:
            mine = [e for e in self.workspace.ephemerals if e.user == user]
            return [
                copy.deepcopy(e)
                for e in sorted(mine, key=lambda e: e.ts)
                if channel in (None, e.channel)
            ]

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request served (or those of one method), oldest first."""
        with self.workspace.changed:
            return [c for c in self.workspace.call_log if method in (None, c.method)]

    def downloads(self) -> list[Call]:
        """File downloads; `params["authorized"]` says whether the bot token came with them."""
        return self.calls("file.download")

    def file(self, file_id: str) -> File:
        """A copy of a file record (deleted ones included)."""
        with self.workspace.changed:
            return copy.deepcopy(self.workspace.files[file_id])

    def transcript(self, channel: str) -> str:
        """The conversation as a person would read it."""
        return transcript(self.workspace, self.workspace.channel(channel).id)

    # --- waiting ------------------------------------------------------------------------

    def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 30.0, what: str = ""
    ) -> T:
        """Return the predicate's first truthy value; raise StandInTimeoutError with a dump if none."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StandInTimeoutError(self._report(what or _name_of(predicate), timeout))
            with self.workspace.changed:
                # Woken by every change; the short cap covers a change between check and wait.
                self.workspace.changed.wait(min(remaining, 0.1))

    def wait_for_message(
        self,
        channel: str,
        *,
        contains: str = "",
        thread_ts: str | None = None,
        user: str = BOT_USER_ID,
        timeout: float = 30.0,
    ) -> Message:
        """The first message from `user` (the bot by default) that reads `contains`.

        Both the text and the blocks as rendered in transcripts are searched.
        """
        names = self.workspace.name_of

        def found() -> Message | None:
            for m in self.messages(channel, thread_ts):
                shown = "\n".join([m.text, *body_lines(m.text, m.blocks, m.attachments, names)])
                if m.user == user and contains in shown:
                    return m
            return None

        where = f"in {channel}" + (f" thread {thread_ts}" if thread_ts else "")
        return self.wait_for(
            found, timeout, f"a message from {user} {where} containing {contains!r}"
        )

    def _report(self, what: str, timeout: float) -> str:
        with self.workspace.changed:
            served = [(call, False) for call in self.workspace.call_log]
            sent = [(call, True) for call in self.workspace.delivery_log]
            active = [c for c in self.workspace.channels if self.workspace.history(c)]
        log = sorted(served + sent, key=lambda pair: pair[0].at)[-25:]
        lines = [f"Timed out after {timeout:g} s waiting for {what}.", "Recent activity:"]
        lines += [_describe(call, to_bot) for call, to_bot in log] or ["  (none)"]
        for channel in active:
            lines += ["", self.transcript(channel)]
        return "\n".join(lines)


def _name_of(predicate: Callable[[], object]) -> str:
    return getattr(predicate, "__name__", "a condition")


def _describe(call: Call, sent: bool) -> str:
    clock = datetime.fromtimestamp(call.at).strftime("%H:%M:%S.%f")[:-3]
    outcome = "ok" if call.ok else f"{call.error or 'failed'}"
    args = ", ".join(f"{k}={str(v)[:60]!r}" for k, v in call.params.items())[:200]
    arrow = "-> bot" if sent else "<- bot"
    return f"  {clock} {arrow} {call.method} {call.status} {outcome} {args}"
