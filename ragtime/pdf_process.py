"""The PDF reader's child process: starting it, and the framed protocol over its pipes.

Frames are an 8-byte big-endian length, then the bytes. The parent never blocks
past a deadline: every read and write waits with poll() against it.
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

CHILD_CODE = "import sys; sys.path[:0] = {paths!r}; import ragtime.pdf_child as m; m.main()"
_LENGTH_BYTES = 8  # each frame on the pipes: 8-byte big-endian length, then the bytes
_CHUNK = 1024 * 1024


class ReaderChild:
    """A running reader process and the framed protocol spoken over its pipes."""

    def __init__(self, process: subprocess.Popen[bytes], memory_mb: int, stderr: IO[bytes]) -> None:
        self.process, self.memory_mb, self.stderr = process, memory_mb, stderr
        self.served = 0
        self.exited = False  # it died answering; its cause of death is the answer

    @classmethod
    def start(cls, memory_mb: int) -> ReaderChild:
        paths = [str(Path(__file__).resolve().parents[1]), *filter(None, sys.path)]
        code = CHILD_CODE.format(paths=paths)
        command = [sys.executable, "-I", "-W", "ignore", "-c", code, str(memory_mb)]
        # A file, not a pipe, for stderr: nobody has to drain it while the child works.
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop() and kill()
        try:  # env={} keeps secrets out of its reach.
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env={},
                cwd="/",
            )
        except BaseException:
            stderr.close()
            raise
        assert process.stdin is not None
        os.set_blocking(process.stdin.fileno(), False)
        return cls(process, memory_mb, stderr)

    def ask(
        self,
        pdf: memoryview,
        *,
        max_pages: int,
        cpu_seconds: int,
        deadline: float,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """Send one request and wait for its answer until ``deadline``.

        Progress frames on the way are passed to ``on_progress(pages_read, page_count)``.
        """
        assert self.process.stdin is not None and self.process.stdout is not None
        header = json.dumps({"max_pages": max_pages, "cpu_seconds": cpu_seconds})
        if self.served:  # keep only this request's complaints (a fresh child's are all new)
            self.stderr.seek(0)
            self.stderr.truncate()
        requests, answers = self.process.stdin.fileno(), self.process.stdout.fileno()
        try:
            _send(requests, [_frame(header.encode()), _frame(pdf)], deadline)
            while True:
                length = int.from_bytes(_receive(answers, _LENGTH_BYTES, deadline), "big")
                answer: dict[str, Any] = json.loads(_receive(answers, length, deadline))
                if "progress" not in answer:
                    break
                if on_progress is not None:
                    on_progress(int(answer["progress"]), int(answer["of"]))
        except (BrokenPipeError, EOFError):
            self.exited = True
            return self._death_answer(deadline)
        return answer

    def _death_answer(self, deadline: float) -> dict[str, Any]:
        try:  # it closed its end of the pipe, so it is on its way out
            returncode = self.process.wait(max(deadline - time.monotonic(), 0.5))
        except subprocess.TimeoutExpired:
            raise TimeoutError from None
        self.stderr.seek(0, os.SEEK_END)
        self.stderr.seek(max(self.stderr.tell() - 2000, 0))
        cause = cause_of_death(returncode, self.stderr.read())
        return {"error": cause, "detail": f"reader process exited {returncode}"}

    def stop(self) -> None:
        """Let the child finish: it exits when its stdin closes."""
        try:
            _close_pipes(self.process)
            self.process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            self.stderr.close()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL, and reaped: nothing left behind
        self.process.wait()
        _close_pipes(self.process)
        self.stderr.close()


def _close_pipes(process: subprocess.Popen[bytes]) -> None:
    for pipe in (process.stdin, process.stdout):
        if pipe:
            pipe.close()  # stdin's buffer is empty: everything went through os.write


def _frame(body: bytes | memoryview) -> list[bytes | memoryview]:
    return [len(body).to_bytes(_LENGTH_BYTES, "big"), body]


def _send(fd: int, frames: list[list[bytes | memoryview]], deadline: float) -> None:
    for chunk in (chunk for frame in frames for chunk in frame):
        view = memoryview(chunk).cast("B")
        while view:
            _wait(fd, select.POLLOUT, deadline)
            view = view[os.write(fd, view[:_CHUNK]) :]


def _receive(fd: int, size: int, deadline: float) -> bytes:
    received = bytearray()
    while len(received) < size:
        _wait(fd, select.POLLIN, deadline)
        chunk = os.read(fd, min(size - len(received), _CHUNK))
        if not chunk:
            raise EOFError("the PDF reader process closed its output")
        received += chunk
    return bytes(received)


def _wait(fd: int, event: int, deadline: float) -> None:
    """Block until ``fd`` is ready (or hung up), or raise TimeoutError at ``deadline``."""
    poller = select.poll()  # not select(): it fails on descriptors above 1023
    poller.register(fd, event)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        if poller.poll(math.ceil(left * 1000)):
            return


def cause_of_death(returncode: int, stderr_tail: bytes) -> str:
    if returncode == -signal.SIGXCPU:
        return "timeout"  # RLIMIT_CPU, the backstop behind the wall-time limit
    if returncode == -signal.SIGKILL:
        return "out_of_memory"  # nobody but the kernel's OOM killer sends it mid-run
    if returncode < 0:
        return "corrupt"  # the parser crashed on this file
    # A clean exit without an answer is our bug (bad install, bad path), not the user's file.
    tail = stderr_tail.decode(errors="replace")
    raise RuntimeError(f"PDF reader process exited {returncode} without an answer: {tail}")
