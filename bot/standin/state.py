"""The in-memory workspace: every change happens under one lock and wakes waiting readers."""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bot.standin.model import (
    BOT_ID,
    BOT_USER_ID,
    DEFAULT_TOKEN,
    JSON,
    SLACKBOT_ID,
    ApiError,
    Call,
    Channel,
    Command,
    Ephemeral,
    File,
    Message,
    ResponseHook,
    Team,
    User,
)
from bot.standin.surfaces import Surfaces

# Slack timestamps are seconds.microseconds strings; a counter keeps them unique, increasing
# and identical from run to run, so transcripts and assertions are reproducible.
_TS_EPOCH = 1_700_000_000
_TS_STEP_MICROS = 100


class Workspace:
    """Users, channels, messages, files and the call log of one Slack workspace."""

    def __init__(self, *, team: Team | None = None, token: str = DEFAULT_TOKEN) -> None:
        self.team = team or Team()
        self.token = token
        self.base_url = "http://127.0.0.1"  # replaced by SlackStandIn.start()
        self.changed = threading.Condition(threading.RLock())
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, File] = {}
        self.hooks: dict[str, ResponseHook] = {}
        self.ephemerals: list[Ephemeral] = []
        self.commands: list[Command] = []
        self.call_log: list[Call] = []
        self.delivery_log: list[Call] = []  # what the driver sent to the bot, for dumps
        self.surfaces = Surfaces()  # streams, statuses, prompts, views, triggers, other bots
        self._history: dict[str, list[Message]] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self.add_user(User(BOT_USER_ID, "ragtime", "ragtime", is_bot=True, bot_id=BOT_ID))
        self.add_user(User(SLACKBOT_ID, "slackbot", "Slackbot"))

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Hold the lock for a change and wake everyone in wait_for() afterwards."""
        with self.changed:
            yield
            self.changed.notify_all()

    def next_ts(self) -> str:
        """A fresh message timestamp, later than every one before it."""
        micros = _TS_EPOCH * 1_000_000 + next(self._ts) * _TS_STEP_MICROS
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        """A fresh Slack-style id such as F0000001 or Ev0000001."""
        return f"{prefix}{next(self._ids):07d}"

    # --- people and conversations -------------------------------------------------------

    def add_user(self, user: User) -> User:
        """Add a member; every human also gets a direct-message channel with the bot."""
        with self.changing():
            self.users[user.id] = user
            if not user.is_bot and user.id != SLACKBOT_ID:
                im = Channel(f"D{user.id[1:]}", "", is_im=True, user=user.id)
                im.members = [user.id, BOT_USER_ID]
                self.channels[im.id] = im
            return user

    def add_channel(self, channel: Channel) -> Channel:
        """Add a channel; list the bot (UBOT) in `members` for it to receive its events."""
        with self.changing():
            self.channels[channel.id] = channel
            return channel

    def join(self, channel: str, user_id: str) -> None:
        """Add a member (the bot is UBOT) to a channel."""
        with self.changing():
            members = self.channel(channel).members
            if user_id not in members:
                members.append(user_id)

    def user(self, user_id: str) -> User:
        """The member with this id, or Slack's user_not_found."""
        with self.changed:
            if user_id not in self.users:
                raise ApiError("user_not_found")
            return self.users[user_id]

    def channel(self, ref: str) -> Channel:
        """Look a conversation up by id, by name (#general) or by user id (their IM)."""
        with self.changed:
            if ref in self.channels:
                return self.channels[ref]
            for channel in self.channels.values():
                if channel.is_im and channel.user == ref:
                    return channel
                if channel.name and channel.name == ref.lstrip("#"):
                    return channel
            raise ApiError("channel_not_found")

    def name_of(self, user_id: str) -> str:
        """The handle a person reads in a transcript; the id when the user is unknown."""
        user = self.users.get(user_id)
        return user.name if user else user_id

    # --- messages -----------------------------------------------------------------------

    def post(self, message: Message) -> Message:
        """Append a message (a reply joins its thread's root, and the bot's reply clears the
        thread's status) and return a copy of it."""
        with self.changing():
            self.channel(message.channel)
            message.ts = message.ts or self.next_ts()
            if message.thread_ts:
                parent = self.find(message.channel, message.thread_ts, "invalid_thread_ts")
                root = self.find(message.channel, parent.thread_ts or parent.ts)
                message.thread_ts = root.thread_ts = root.ts
                if message.user == BOT_USER_ID:
                    self.surfaces.clear_status((message.channel, root.ts))
                root.reply_count += 1
                root.latest_reply = message.ts
                if message.user not in root.reply_users:
                    root.reply_users.append(message.user)
            # Keep history in ts order even for a message whose ts was reserved earlier.
            history = self._history.setdefault(message.channel, [])
            index = len(history)
            while index and history[index - 1].ts > message.ts:
                index -= 1
            history.insert(index, message)
            return copy.deepcopy(message)

    def find(self, channel: str, ts: str, error: str = "message_not_found") -> Message:
        """The live (uncopied) message; callers hold the lock while they change it."""
        with self.changed:
            for message in self._history.get(channel, []):
                if message.ts == ts:
                    return message
            raise ApiError(error)

    def remove(self, channel: str, ts: str) -> None:
        """Delete a message; a parent with replies leaves a tombstone, as in Slack."""
        with self.changing():
            message = self.find(channel, ts)
            if message.reply_count:
                message.subtype, message.blocks, message.files = "tombstone", [], []
                message.text = "This message was deleted."
                return
            self._history[channel].remove(message)
            if message.is_reply and message.thread_ts:
                root = self.find(channel, message.thread_ts)
                root.reply_count -= 1

    def history(self, channel: str) -> list[Message]:
        """Top-level messages and thread broadcasts, oldest first (copies)."""
        with self.changed:
            return [
                copy.deepcopy(m)
                for m in self._history.get(channel, [])
                if not m.is_reply or m.subtype == "thread_broadcast"
            ]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """A thread's parent then its replies, oldest first (copies)."""
        with self.changed:
            start = self.find(channel, ts, "thread_not_found")
            root = start.thread_ts or start.ts
            return [
                copy.deepcopy(m)
                for m in self._history.get(channel, [])
                if root in (m.ts, m.thread_ts)
            ]

    def react(self, channel: str, ts: str, name: str, user: str, *, add: bool) -> None:
        """Add or remove one person's reaction; Slack refuses repeats and missing ones."""
        with self.changing():
            message = self.find(channel, ts)
            users = message.reactions.setdefault(name, [])
            if add and user in users:
                raise ApiError("already_reacted")
            if not add and user not in users:
                raise ApiError("no_reaction")
            if add:
                users.append(user)
            else:
                users.remove(user)
            if not users:
                del message.reactions[name]

    def post_ephemeral(self, ephemeral: Ephemeral) -> Ephemeral:
        """Show a message to one person only."""
        with self.changing():
            ephemeral.ts = ephemeral.ts or self.next_ts()
            self.ephemerals.append(ephemeral)
            return copy.deepcopy(ephemeral)

    # --- files, hooks and the call log --------------------------------------------------

    def add_file(self, file: File) -> File:
        """Register an upload (not yet shared anywhere)."""
        with self.changing():
            self.files[file.id] = file
            return file

    def file(self, file_id: str) -> File:
        """The live file record, or Slack's file_not_found / file_deleted."""
        with self.changed:
            file = self.files.get(file_id)
            if file is None:
                raise ApiError("file_not_found")
            if file.deleted:
                raise ApiError("file_deleted")
            return file

    def unshare(self, file_id: str, channel: str) -> None:
        """Take a file out of a channel: its share messages there stop showing it."""
        with self.changing():
            file = self.file(file_id)
            for ts in file.shares.pop(channel, []):
                message = self.find(channel, ts)
                message.files = [f for f in message.files if f != file_id]

    def new_hook(self, hook: ResponseHook) -> str:
        """Register a response_url target and return its id."""
        with self.changing():
            self.hooks[hook.id] = hook
            return hook.id

    def record(
        self, method: str, params: JSON, status: int, error: str | None, *, sent: bool = False
    ) -> None:
        """Log one served request (never the token), or with `sent` one delivery to the bot."""
        clean = {k: v for k, v in params.items() if k != "token"}
        with self.changing():
            log = self.delivery_log if sent else self.call_log
            log.append(Call(method, clean, status, error, time.time()))
