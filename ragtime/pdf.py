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

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from ragtime.domain import Page
from ragtime.pdf_process import ReaderChild

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
        self._child: ReaderChild | None = None

    @property
    def pid(self) -> int | None:
        """The current child's process id; None while there is none."""
        child = self._child
        return child.process.pid if child else None

    def extract(
        self,
        data: bytes,
        limits: PdfLimits = PdfLimits(),
        on_progress: Callable[[int, int], None] | None = None,
    ) -> list[Page]:
        """The file's pages; ``on_progress(pages_read, page_count)`` hears how far it got."""
        pdf = _pdf_body(data, limits)
        with self._lock:
            answer = self._exchange(pdf, limits, on_progress)
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

    def _exchange(
        self, pdf: memoryview, limits: PdfLimits, on_progress: Callable[[int, int], None] | None
    ) -> dict[str, Any]:
        child = self._child_for(limits.memory_mb)
        deadline = time.monotonic() + limits.timeout_seconds
        try:
            # The CPU limit is only a backstop to the wall time.
            cpu_seconds = math.ceil(limits.timeout_seconds) + 1
            answer = child.ask(
                pdf,
                max_pages=limits.max_pages,
                cpu_seconds=cpu_seconds,
                deadline=deadline,
                on_progress=on_progress,
            )
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

    def _child_for(self, memory_mb: int) -> ReaderChild:
        child = self._child
        if child and (child.memory_mb != memory_mb or child.process.poll() is not None):
            self._retire()  # memory_mb is fixed at start; a dead child can't take the file
        if self._child is None:
            self._child = ReaderChild.start(memory_mb)
        return self._child

    def _retire(self) -> None:
        child, self._child = self._child, None
        if child:
            child.stop()


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
