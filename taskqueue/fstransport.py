"""kombu's filesystem transport, with messages that appear whole and are taken once.

kombu creates a message file and then writes it, so a worker polling at that instant
can take the empty file, fail to decode it and lose the task (celery/kombu#1551); and
it moves taken files to the system's temporary folder, which is a copy, not an atomic
rename, when that folder is on another disk. Here a message is written under a name
no queue matches and renamed into place, and taken by a rename into the processed
folder beside the queue: both renames are atomic, so one worker wins each message.
Each wait for a message is kept short, so a worker told to stop leaves promptly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from queue import Empty
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.utils import json as kombu_json

# kombu's JSON (it also encodes dates, UUIDs and decimals), typed for mypy.
_dumps: Callable[[Any], str] = kombu_json.dumps
_loads: Callable[[str], Any] = kombu_json.loads


class Channel(filesystem.Channel):
    # kombu declares _put twice, with different parameter names; this follows filesystem.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Put ``payload`` on ``queue``: write a hidden file, then rename it into the queue."""
        # The name kombu's reader expects, "<ms>_<uuid>.<queue>.msg": oldest sorts first.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        # Hidden, and ending in ".tmp": no queue's reader takes it while it is written.
        temporary = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.tmp")
        with open(temporary, "wb") as out:
            out.write(_dumps(payload).encode())
        os.replace(temporary, os.path.join(self.data_folder_out, name))

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        """Take the oldest message of ``queue``; raise ``Empty`` when there is none."""
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.startswith(".") or name.partition(".")[2] != wanted:
                continue
            taken = os.path.join(self.processed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except FileNotFoundError:
                continue  # another worker took it first
            with open(taken, "rb") as message:
                payload = message.read()
            os.remove(taken)
            return _loads(payload.decode())
        raise Empty()


# Celery's blocking loop waits up to 2 s per drain and checks for a stop only between
# drains; shorter drains let a stopping worker leave in a fraction of a second.
MAX_DRAIN_SECONDS = 0.25


class Transport(filesystem.Transport):
    Channel = Channel

    def drain_events(self, connection: Any, timeout: float | None = None) -> Any:
        # None (block until a message) is left alone: only bounded waits are shortened.
        wait = timeout if timeout is None else min(timeout, MAX_DRAIN_SECONDS)
        return super().drain_events(connection, timeout=wait)
