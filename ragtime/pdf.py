"""PDF bytes -> pages, parsed in a throwaway child process: the bytes come from strangers.

The child is a fresh interpreter started with ``subprocess``, not ``multiprocessing``:
fork is unsafe once torch runs threads, and spawn/forkserver re-import the parent's
``__main__`` (which may import torch). It imports only this module, ``ragtime.domain``
and pypdf, under a memory and a CPU cap; the wall-time limit is enforced from here.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
_CHILD_CODE = "import sys; sys.path[:0] = {paths!r}; import ragtime.pdf as m; m._child_main()"


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
    """Parse in a child process with a wall-time limit, a memory limit and a page cap.

    Returns the pages in order, numbered from 1; raises ``PdfError`` when the file
    can't be read.
    """
    if len(data) > limits.max_bytes:
        raise _error("too_large", limits, size=_size(len(data)))
    start = data.find(_HEADER, 0, _JUNK_ALLOWED + len(_HEADER))
    if start < 0:
        raise _error("not_pdf", limits)
    # Offsets inside a PDF count from its header, so the junk goes; memoryview avoids a copy.
    texts = _run_child(memoryview(data)[start:], limits)
    if not any(texts):
        raise _error("no_text", limits)
    return [Page(number=number, text=text) for number, text in enumerate(texts, start=1)]


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


def _run_child(pdf: memoryview, limits: PdfLimits) -> list[str]:
    paths = [str(Path(__file__).resolve().parents[1]), *filter(None, sys.path)]
    cpu_seconds = math.ceil(limits.timeout_seconds) + 1  # only a backstop to the wall time
    args = [str(n) for n in (limits.max_pages, limits.memory_mb, cpu_seconds)]
    command = [sys.executable, "-I", "-W", "ignore", "-c", _CHILD_CODE.format(paths=paths), *args]
    try:
        # run() SIGKILLs and reaps the child on timeout; env={} keeps secrets out of its reach.
        done = subprocess.run(
            command,
            input=pdf,
            capture_output=True,
            env={},
            cwd="/",
            timeout=limits.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _error("timeout", limits) from None
    return _read_answer(done, limits)


def _read_answer(done: subprocess.CompletedProcess[bytes], limits: PdfLimits) -> list[str]:
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = {"error": _cause_of_death(done)}
    if "pages" in answer:
        return [str(text) for text in answer["pages"]]
    reason = str(answer["error"])
    log.info("PDF not read: %s (%s)", reason, answer.get("detail", done.returncode))
    if reason not in _MESSAGES:
        reason = "corrupt"
    raise _error(reason, limits, pages=int(answer.get("pages_found", 0)))


def _cause_of_death(done: subprocess.CompletedProcess[bytes]) -> str:
    if done.returncode == -signal.SIGXCPU:
        return "timeout"  # RLIMIT_CPU, the backstop behind the wall-time limit
    if done.returncode == -signal.SIGKILL:
        return "out_of_memory"  # nobody but the kernel's OOM killer sends it mid-run
    if done.returncode < 0:
        return "corrupt"  # the parser crashed on this file
    # A clean exit without an answer is our bug (bad install, bad path), not the user's file.
    tail = done.stderr[-2000:].decode(errors="replace")
    raise RuntimeError(f"PDF reader process exited {done.returncode} without an answer: {tail}")


# ---- Everything below runs in the child. --------------------------------------------------


class _RefusalError(Exception):
    def __init__(self, reason: str, pages_found: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.pages_found = reason, pages_found


def _child_main() -> None:
    """Child entry point: PDF bytes on stdin, one JSON answer on stdout."""
    import pypdf  # before the memory cap: importing it costs ~15 MB the file shouldn't pay for

    max_pages, memory_mb, cpu_seconds = map(int, sys.argv[1:4])
    _cap("RLIMIT_AS", memory_mb * _MB, memory_mb * _MB)
    # Soft < hard so the CPU cap ends in SIGXCPU, told apart from an OOM killer's SIGKILL.
    _cap("RLIMIT_CPU", cpu_seconds, cpu_seconds + 1)
    out, sys.stdout = sys.stdout.buffer, sys.stderr  # stray prints must not corrupt the answer
    answer: dict[str, Any]
    try:
        answer = {"pages": _read(sys.stdin.buffer.read(), max_pages)}
    except MemoryError:
        answer = {"error": "out_of_memory"}
    except _RefusalError as refusal:
        answer = {"error": refusal.reason, "pages_found": refusal.pages_found}
    except pypdf.errors.LimitReachedError as exc:
        answer = {"error": "too_large:unpacked", "detail": str(exc)}
    except (pypdf.errors.FileNotDecryptedError, pypdf.errors.DependencyError) as exc:
        answer = {"error": "encrypted", "detail": repr(exc)}
    except Exception as exc:  # whatever pypdf raises on a malformed file
        answer = {"error": "corrupt", "detail": repr(exc)[:500]}
    out.write(json.dumps(answer).encode())
    out.flush()


def _cap(name: str, soft: int, hard: int) -> None:
    import resource

    which = getattr(resource, name)
    current_hard = resource.getrlimit(which)[1]
    if current_hard != resource.RLIM_INFINITY:  # an unprivileged process can't raise it
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _read(data: bytes, max_pages: int) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    # Many PDFs are "encrypted" with an empty user password and open without asking.
    if reader.is_encrypted and not reader.decrypt(""):
        raise _RefusalError("encrypted")
    count = len(reader.pages)
    if count > max_pages:
        raise _RefusalError("too_many_pages", count)
    if count == 0:
        raise _RefusalError("corrupt")
    texts = [_page_text(page) for page in reader.pages]
    failures = [text for text in texts if isinstance(text, Exception)]
    if len(failures) == count:
        raise failures[0]  # nothing readable: report why the first page failed
    return [text if isinstance(text, str) else "" for text in texts]


def _page_text(page: Any) -> str | Exception:
    try:
        return _normalise(page.extract_text())
    except MemoryError:
        raise
    except Exception as exc:  # one broken page shouldn't cost the rest of the document
        return exc.with_traceback(None)  # the traceback would pin the page's objects


# Control characters, lone surrogates and U+FFFD (a glyph pypdf couldn't map) carry no text.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")
_HYPHENATED = re.compile(r"([^\W\d_])[-\u00ad]\n(?=([^\W\d_]))")


def _normalise(text: str) -> str:
    """Light clean-up of extracted text; line breaks stay because chunking uses them."""
    text = re.sub("\r\n?|[\x0b\x0c\u2028\u2029]", "\n", text)
    text = _CONTROL.sub("", text)
    text = re.sub(r"[^\S\n]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    # "informa-\ntion" -> "information", but "Jean-\nPaul" keeps its hyphen.
    text = _HYPHENATED.sub(lambda m: m[1] if m[2].islower() else m[0], text)
    text = text.replace("\u00ad", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()
