"""PDF bytes -> pages, parsed in a child process: the bytes come from strangers.

The child is a fresh interpreter started with ``subprocess``, not ``multiprocessing``:
fork is unsafe once torch runs threads, and spawn/forkserver re-import the parent's
``__main__`` (which may import torch). It runs ``ragtime.pdf_child`` (stdlib and pypdf
only) under a memory cap and a per-file CPU cap; the wall-time limit is enforced from here.

``extract_pages`` starts a child for each file. ``PdfReaderProcess`` keeps one alive for
many files, which saves the ~150 ms an interpreter and pypdf take to start, with the same
limits on each file; a child that runs out of time or memory is replaced.
"""

from __future__ import annotations

import json
import logging
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ragtime.domain import Page

log = logging.getLogger(__name__)

_MB = 1024 * 1024
_HEADER = b"%PDF-"
_JUNK_ALLOWED = 1024  # Acrobat and pypdf accept up to 1 KB before the header.
_MESSAGES = {
    "not_pdf": "This file is not a PDF, so it can't be indexed; share a .pdf file instead.",
    "encrypted": "This PDF is password-protected, so it can't be read; remove the password"
    " (for example by printing it to a new PDF) and share it again.",
    "corrupt": "This PDF looks damaged and can't be read; open it, save or export it"
    " as a new PDF, and share that instead.",
    "too_large": "This PDF is {size}, over the {max_size} limit, so it can't be indexed;"
    " split or compress it and share the parts.",
    "too_large:unpacked": "This PDF unpacks to more data than can be read safely, so it"
    " can't be indexed; export it again as a plain PDF and share that.",
    "too_many_pages": "This PDF has {pages} pages, over the {max_pages}-page limit, so it can't"
    " be indexed; split it into smaller PDFs and share those.",
    "no_text": "This PDF has no text to read, so it looks like a scanned document; run it"
    " through OCR (for example `ocrmypdf in.pdf out.pdf`) and share the result again.",
    "timeout": "Reading this PDF took longer than the {seconds}-second limit, so it was stopped;"
    " share a smaller or simpler version of the file.",
    "out_of_memory": "Reading this PDF needed more than the {memory_mb} MB memory limit, so it"
    " was stopped; share a smaller or simpler version of the file.",
}
# The child must see the same packages as the parent even though -I drops PYTHONPATH.
_CHILD_CODE = "import sys; sys.path[:0] = {paths!r}; import ragtime.pdf_child as m; m.main()"
_LENGTH_BYTES = 8  # each frame on the pipes: 8-byte big-endian length, then the bytes
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class PdfLimits:
    """What one PDF may cost: file size, pages, wall time and the reader's memory."""

    max_bytes: int = 50 * _MB
    max_pages: int = 1000
    timeout_seconds: float = 120.0
    memory_mb: int = 1024


class PdfError(Exception):
    """Why a file could not be read; ``kind`` is a stable code, str(e) one sentence for a person."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def extract_pages(data: bytes, limits: PdfLimits = PdfLimits()) -> list[Page]:
    """Parse in a fresh child process with a wall-time limit, a memory limit and a page cap.

    Returns the pages in order, numbered from 1; raises ``PdfError`` when the file
    can't be read.
    """
    with PdfReaderProcess(recycle_after=1) as reader:
        return reader.extract(data, limits)


class PdfReaderProcess:
    """One long-lived reader child for many PDFs, with every limit applied to each file.

    ``extract`` checks, answers and fails exactly like ``extract_pages``. The child is
    replaced after a timeout, a crash or running out of memory, after ``recycle_after``
    files, and when ``memory_mb`` changes. One call at a time; ``close()`` ends the child.
    """

    def __init__(self, recycle_after: int = 50) -> None:
        self._recycle_after = recycle_after
        self._lock = threading.Lock()
        self._child: _Child | None = None

    @property
    def pid(self) -> int | None:
        """The current child's process id; None while there is none."""
        child = self._child
        return child.process.pid if child else None

    def extract(self, data: bytes, limits: PdfLimits = PdfLimits()) -> list[Page]:
        pdf = _pdf_body(data, limits)
        with self._lock:
            answer = self._exchange(pdf, limits)
        texts = _texts(answer, limits)
        if not any(texts):
            raise _error("no_text", limits)
        return [Page(number=number, text=text) for number, text in enumerate(texts, start=1)]

    def close(self) -> None:
        with self._lock:
            self._retire()

    def __enter__(self) -> PdfReaderProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _exchange(self, pdf: memoryview, limits: PdfLimits) -> dict[str, Any]:
        child = self._child_for(limits.memory_mb)
        deadline = time.monotonic() + limits.timeout_seconds
        try:
            answer = child.ask(pdf, limits, deadline)
        except TimeoutError:
            self._child = None
            child.kill()
            raise _error("timeout", limits) from None
        except BaseException:
            self._child = None
            child.kill()  # the pipes may hold half a message: never reuse them
            raise
        child.served += 1
        if answer.get("last") or child.exited or child.served >= self._recycle_after:
            self._retire()
        return answer

    def _child_for(self, memory_mb: int) -> _Child:
        child = self._child
        if child and (child.memory_mb != memory_mb or child.process.poll() is not None):
            self._retire()  # memory_mb is fixed at start; a dead child can't take the file
        if self._child is None:
            self._child = _Child.start(memory_mb)
        return self._child

    def _retire(self) -> None:
        child, self._child = self._child, None
        if child:
            child.stop()


class _Child:
    """A running reader process and the framed protocol spoken over its pipes."""

    def __init__(self, process: subprocess.Popen[bytes], memory_mb: int, stderr: IO[bytes]) -> None:
        self.process, self.memory_mb, self.stderr = process, memory_mb, stderr
        self.served = 0
        self.exited = False  # it died answering; its cause of death is the answer

    @classmethod
    def start(cls, memory_mb: int) -> _Child:
        paths = [str(Path(__file__).resolve().parents[1]), *filter(None, sys.path)]
        code = _CHILD_CODE.format(paths=paths)
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

    def ask(self, pdf: memoryview, limits: PdfLimits, deadline: float) -> dict[str, Any]:
        """Send one request and wait for its answer until ``deadline``."""
        assert self.process.stdin is not None and self.process.stdout is not None
        cpu_seconds = math.ceil(limits.timeout_seconds) + 1  # only a backstop to the wall time
        header = json.dumps({"max_pages": limits.max_pages, "cpu_seconds": cpu_seconds})
        if self.served:  # keep only this request's complaints (a fresh child's are all new)
            self.stderr.seek(0)
            self.stderr.truncate()
        requests, answers = self.process.stdin.fileno(), self.process.stdout.fileno()
        try:
            _send(requests, [_frame(header.encode()), _frame(pdf)], deadline)
            length = int.from_bytes(_receive(answers, _LENGTH_BYTES, deadline), "big")
            answer: dict[str, Any] = json.loads(_receive(answers, length, deadline))
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
        cause = _cause_of_death(returncode, self.stderr.read())
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


def _pdf_body(data: bytes, limits: PdfLimits) -> memoryview:
    """The checks made before any child sees the file; returns the PDF from its header on."""
    if len(data) > limits.max_bytes:
        raise _error("too_large", limits, size=_size(len(data)))
    start = data.find(_HEADER, 0, _JUNK_ALLOWED + len(_HEADER))
    if start < 0:
        raise _error("not_pdf", limits)
    # Offsets inside a PDF count from its header, so the junk goes; memoryview avoids a copy.
    return memoryview(data)[start:]


def _texts(answer: dict[str, Any], limits: PdfLimits) -> list[str]:
    """A child's answer as page texts, or the PdfError it stands for."""
    if "pages" in answer:
        return [str(text) for text in answer["pages"]]
    reason = str(answer["error"])
    log.info("PDF not read: %s (%s)", reason, answer.get("detail", ""))
    if reason not in _MESSAGES:
        reason = "corrupt"
    raise _error(reason, limits, pages=int(answer.get("pages_found", 0)))


def _cause_of_death(returncode: int, stderr_tail: bytes) -> str:
    if returncode == -signal.SIGXCPU:
        return "timeout"  # RLIMIT_CPU, the backstop behind the wall-time limit
    if returncode == -signal.SIGKILL:
        return "out_of_memory"  # nobody but the kernel's OOM killer sends it mid-run
    if returncode < 0:
        return "corrupt"  # the parser crashed on this file
    # A clean exit without an answer is our bug (bad install, bad path), not the user's file.
    tail = stderr_tail.decode(errors="replace")
    raise RuntimeError(f"PDF reader process exited {returncode} without an answer: {tail}")


def _error(reason: str, limits: PdfLimits, **facts: object) -> PdfError:
    message = _MESSAGES[reason].format(
        max_size=_size(limits.max_bytes),
        max_pages=limits.max_pages,
        seconds=f"{limits.timeout_seconds:g}",
        memory_mb=limits.memory_mb,
        **facts,
    )
    return PdfError(reason.partition(":")[0], message)  # "too_large:unpacked" -> "too_large"


def _size(n: int) -> str:
    for unit, scale in (("MB", _MB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"
