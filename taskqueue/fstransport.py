"""kombu's filesystem transport, with messages that appear whole, are taken once and
come back when the worker that took them dies.

kombu creates a message file and then writes it, so a worker polling at that instant
can take the empty file, fail to decode it and lose the task (celery/kombu#1551); it
moves taken files to the system's temporary folder, which is a copy, not an atomic
rename, when that folder is on another disk; and it deletes a message as soon as it is
taken, so a worker killed in the middle of a task (SIGKILL, the OOM killer, a laptop
losing power) loses it although Celery acknowledges only after the task (``acks_late``).

Here a message is written under a name no queue matches and renamed into place, and
taken by a rename into the processed folder beside the queue under a name that carries
the taking process (its pid and start time): both renames are atomic, so one worker
wins each message. The file is deleted when Celery acknowledges the message; a
rejected or restored message is put back. Every worker, at start and every few
seconds, renames back into the queue what a dead process had taken: the task runs
again, which every ragtime task allows (see ``taskqueue.broker``).
Each wait for a message is kept short, so a worker told to stop leaves promptly.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from time import monotonic, monotonic_ns
from typing import Any

from kombu.transport import filesystem
from kombu.utils import json as kombu_json

# kombu's JSON (it also encodes dates, UUIDs and decimals), typed for mypy.
_dumps: Callable[[Any], str] = kombu_json.dumps
_loads: Callable[[str], Any] = kombu_json.loads

# How often a worker looks for messages whose taker has died.
RECOVER_EVERY_SECONDS = 5.0
_OWNER_END = "~"  # "<pid>-<start>~<message name>"


def process_start(pid: int) -> str | None:
    """A token that tells this process from a later one given the same pid; None if gone.

    Linux: the start time in clock ticks since boot (field 22 of /proc/<pid>/stat).
    Elsewhere only whether the pid exists: a reused pid keeps a message taken until
    that process ends too.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None  # Linux, and the process is gone
        try:
            os.kill(pid, 0)  # PermissionError: alive, and someone else's
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "alive"
    # The command name (field 2) is in parentheses and may hold spaces.
    return stat.rpartition(")")[2].split()[19]


def owner_token(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}-{process_start(pid) or 'gone'}"


def owner_alive(token: str) -> bool:
    pid, _, start = token.partition("-")
    if not pid.isdigit():
        return False
    return process_start(int(pid)) == start


def recover_orphans(queue_folder: Path, taken_folder: Path) -> list[str]:
    """Put back into the queue every message whose taking process has died; their names."""
    recovered: list[str] = []
    try:
        names = os.listdir(taken_folder)
    except FileNotFoundError:
        return recovered
    alive: dict[str, bool] = {}
    for name in names:
        owner, sep, message = name.partition(_OWNER_END)
        if not sep or not message.endswith(".msg"):
            continue
        if owner not in alive:
            alive[owner] = owner_alive(owner)
        if alive[owner]:
            continue
        try:
            os.rename(taken_folder / name, queue_folder / message)
        except FileNotFoundError:
            continue  # another worker put it back first
        recovered.append(message)
    return recovered


class Channel(filesystem.Channel):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owner = owner_token()
        self._taken: dict[str, str] = {}  # delivery tag -> the taken file
        self._no_ack_queues: set[str] = set()
        self._next_recovery = 0.0

    # kombu declares _put twice, with different parameter names; this follows filesystem.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Put ``payload`` on ``queue``: write a hidden file, then rename it into the queue."""
        # The name kombu's reader expects, "<time>_<uuid>.<queue>.msg": oldest sorts first
        # (nanoseconds of the system-wide monotonic clock, zero-padded: one order for every
        # process on the machine, and two messages a millisecond apart keep theirs).
        name = f"{monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        # Hidden, and ending in ".tmp": no queue's reader takes it while it is written.
        temporary = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.tmp")
        with open(temporary, "wb") as out:
            out.write(_dumps(payload).encode())
        os.replace(temporary, os.path.join(self.data_folder_out, name))

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        """Take the oldest message of ``queue``; raise ``Empty`` when there is none."""
        self._maybe_recover()
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.startswith(".") or name.partition(".")[2] != wanted:
                continue
            taken = os.path.join(self.processed_folder, f"{self._owner}{_OWNER_END}{name}")
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except FileNotFoundError:
                continue  # another worker took it first
            with open(taken, "rb") as message:
                payload = _loads(message.read().decode())
            tag = _delivery_tag(payload)
            if queue in self._no_ack_queues or tag is None:
                os.remove(taken)  # nobody will acknowledge it
            else:
                self._taken[tag] = taken
            return payload
        raise Empty()

    def basic_consume(self, queue: Any, no_ack: Any, *args: Any, **kwargs: Any) -> Any:
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue: Any, no_ack: bool = False, **kwargs: Any) -> Any:
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self._forget(message.delivery_tag)
        return message

    def basic_ack(self, delivery_tag: Any, multiple: bool = False) -> Any:
        super().basic_ack(delivery_tag, multiple=multiple)
        self._forget(delivery_tag)

    def basic_reject(self, delivery_tag: Any, requeue: bool = False) -> Any:
        super().basic_reject(delivery_tag, requeue=requeue)  # requeue: _restore puts a copy
        self._forget(delivery_tag)

    def _restore(self, message: Any) -> Any:
        """Put ``message`` back on its queue (a rejection, or a warm shutdown)."""
        super()._restore(message)
        self._forget(message.delivery_tag)

    def _forget(self, delivery_tag: Any) -> None:
        taken = self._taken.pop(str(delivery_tag), None)
        if taken is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(taken)

    def _maybe_recover(self) -> None:
        now = monotonic()
        if now < self._next_recovery:
            return
        self._next_recovery = now + RECOVER_EVERY_SECONDS
        recover_orphans(Path(self.data_folder_in), Path(self.processed_folder))


def _delivery_tag(payload: Any) -> str | None:
    try:
        tag = payload["properties"]["delivery_tag"]
    except (KeyError, TypeError):
        return None
    return None if tag is None else str(tag)


# Celery's blocking loop waits up to 2 s per drain and checks for a stop only between
# drains; shorter drains let a stopping worker leave in a fraction of a second.
MAX_DRAIN_SECONDS = 0.25


class Transport(filesystem.Transport):
    Channel = Channel

    # kombu's two base classes declare drain_events differently; this follows virtual.
    def drain_events(self, connection: Any, timeout: Any = None) -> Any:  # type: ignore[override]
        # None (block until a message) is left alone: only bounded waits are shortened.
        wait = timeout if timeout is None else min(timeout, MAX_DRAIN_SECONDS)
        return super().drain_events(connection, timeout=wait)
