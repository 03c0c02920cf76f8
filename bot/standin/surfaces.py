"""What Slack keeps beside messages: streams, thread statuses, prompts, views, triggers.

Everything here is changed under the workspace's lock (`Workspace.changing()`); times
are `time.monotonic()` seconds, so the expiry helpers can simply move them back.
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field

from bot.standin.model import JSON, ApiError

Key = tuple[str, str]  # (channel id, thread or message ts)

# Slack's lifetimes: a trigger_id lasts 3 s, a status 2 minutes, a stream about 5.
TRIGGER_LIFETIME = 3.0
STATUS_LIFETIME = 120.0
STREAM_LIFETIME = 300.0
_LONG_AGO = float("-inf")


@dataclass
class Stream:
    """A message being written with chat.startStream/appendStream/stopStream."""

    channel: str
    ts: str
    state: str = "streaming"  # "streaming", "stopped" or "expired"
    touched: float = field(default_factory=time.monotonic)
    chunks: list[JSON] = field(default_factory=list)  # every chunk received, in order
    recipient_user_id: str | None = None
    recipient_team_id: str | None = None


@dataclass
class ThreadStatus:
    """The "ragtime is thinking…" line of one thread, and every value it had."""

    status: str = ""
    loading_messages: list[str] = field(default_factory=list)
    set_at: float = _LONG_AGO
    history: list[str] = field(default_factory=list)  # "" marks each clearing


@dataclass
class Modal:
    """A modal a person has open; `errors` are the response_action errors it showed."""

    user: str
    view: JSON
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Trigger:
    """A trigger_id sent with an interaction: exchangeable once, within three seconds."""

    user: str
    issued: float
    used: bool = False


@dataclass(frozen=True)
class OtherBot:
    """Another app's bot, or (without user_id and app_id) a classic bot or webhook."""

    bot_id: str
    name: str
    app_id: str | None = None
    user_id: str | None = None


class Surfaces:
    """The registries, keyed by (channel, root ts), user id or view id."""

    def __init__(self) -> None:
        self.stream_lifetime = STREAM_LIFETIME
        self.status_lifetime = STATUS_LIFETIME
        self.trigger_lifetime = TRIGGER_LIFETIME
        self.streams: dict[Key, Stream] = {}
        self.statuses: dict[Key, ThreadStatus] = {}
        self.prompts: dict[Key, JSON] = {}
        self.homes: dict[str, JSON] = {}
        self.modals: dict[str, Modal] = {}  # open modals by view id, oldest first
        self.triggers: dict[str, Trigger] = {}
        self.bots: dict[str, OtherBot] = {}
        self._hashes = itertools.count(1)

    # --- streams ------------------------------------------------------------------------

    def stream_state(self, key: Key) -> str | None:
        """ "streaming", "stopped", "expired", or None for a message that never streamed."""
        stream = self.streams.get(key)
        if stream is None:
            return None
        idle = time.monotonic() - stream.touched
        if stream.state == "streaming" and idle > self.stream_lifetime:
            stream.state = "expired"
        return stream.state

    def streaming(self, key: Key) -> Stream:
        """The open stream, or Slack's message_not_in_streaming_state."""
        if self.stream_state(key) != "streaming":
            raise ApiError("message_not_in_streaming_state")
        return self.streams[key]

    def expire_streams(self) -> None:
        """Every open stream expires now, as if it had been idle for five minutes."""
        for key, stream in self.streams.items():
            if self.stream_state(key) == "streaming":
                stream.state = "expired"

    # --- statuses and suggested prompts -------------------------------------------------

    def set_status(self, key: Key, status: str, loading: list[str]) -> None:
        """Show (or with "" clear) a thread's status."""
        record = self.statuses.setdefault(key, ThreadStatus())
        record.status, record.loading_messages = status, loading if status else []
        record.set_at = time.monotonic()
        record.history.append(status)

    def status(self, key: Key) -> ThreadStatus | None:
        """The thread's status record; a status older than two minutes has cleared itself."""
        record = self.statuses.get(key)
        if record and record.status and time.monotonic() - record.set_at > self.status_lifetime:
            self.set_status(key, "", [])
        return record

    def clear_status(self, key: Key) -> None:
        """The bot posted in the thread: Slack takes the status away."""
        record = self.status(key)
        if record and record.status:
            self.set_status(key, "", [])

    def expire_statuses(self) -> None:
        """Every status clears now, as if two minutes had passed."""
        for key, record in self.statuses.items():
            record.set_at = _LONG_AGO
            self.status(key)

    # --- views and triggers -------------------------------------------------------------

    def next_hash(self) -> str:
        """A view hash, shaped like Slack's "1700000000.a1b2c3d4"."""
        return f"{1_700_000_000 + next(self._hashes)}.{uuid.uuid4().hex[:8]}"

    def issue_trigger(self, user: str) -> str:
        """A fresh trigger_id for an interaction `user` just had."""
        trigger = f"{int(time.time())}.{uuid.uuid4().int % 10**13}.{uuid.uuid4().hex}"
        self.triggers[trigger] = Trigger(user, time.monotonic())
        return trigger

    def check_trigger(self, trigger_id: str) -> Trigger:
        """The trigger, if views.open may still exchange it; Slack's errors otherwise."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_lifetime:
            raise ApiError("expired_trigger_id")
        return trigger

    def expire_triggers(self) -> None:
        """Every trigger_id issued so far is now older than three seconds."""
        for trigger in self.triggers.values():
            trigger.issued = _LONG_AGO

    def open_modals(self, user: str) -> list[Modal]:
        """The person's open modals, oldest (the root) first."""
        return [m for m in self.modals.values() if m.user == user]

    def find_modal(self, user: str, ref: str) -> Modal:
        """An open modal of `user` by view id or callback_id (the newest one wins)."""
        for modal in reversed(self.open_modals(user)):
            if ref in (modal.view.get("id"), modal.view.get("callback_id")):
                return modal
        shown = [(m.view.get("id"), m.view.get("callback_id")) for m in self.open_modals(user)]
        raise LookupError(f"{user} has no open modal {ref!r}; open ones: {shown}.")
