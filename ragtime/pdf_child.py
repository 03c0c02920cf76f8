"""The PDF reader's child process: parses PDFs from strangers under a memory and a CPU cap.

Started by ``ragtime.pdf`` as ``python -I -c ...`` with the memory limit in MB as its one
argument. It serves requests on stdin until EOF, one answer each on stdout. Every message is
a frame: an 8-byte big-endian length, then that many bytes. A request is two frames, a JSON
header (``max_pages``, ``cpu_seconds``) and the PDF bytes; an answer is one JSON frame,
``{"pages": [...]}`` or ``{"error": reason, ...}``, which may be preceded by progress
frames, ``{"progress": pages_read, "of": page_count}`` (one when the page count is known,
then one every ``PROGRESS_EVERY`` pages). An answer with ``"last": true`` is the child's
final one: it exits after sending it.

Keep the imports light (stdlib and pypdf): this is what every reader process loads.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import resource
import sys
import unicodedata
from collections.abc import Callable
from typing import IO, Any

# Imported before main() sets the memory cap: pypdf costs ~15 MB no file should pay for.
import pypdf

_MB = 1024 * 1024
_LENGTH_BYTES = 8
PROGRESS_EVERY = 25  # pages: ~1 s of pypdf on a typical page


class _RefusalError(Exception):
    def __init__(self, reason: str, pages_found: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.pages_found = reason, pages_found


def main() -> None:
    """Child entry point: serve requests until the parent closes stdin."""
    _cap_memory(int(sys.argv[1]) * _MB)
    _lift_cpu_hard_limit()
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the answers

    def send(frame: bytes) -> None:
        answers.write(len(frame).to_bytes(_LENGTH_BYTES, "big"))
        answers.write(frame)
        answers.flush()

    while (answer := _serve_one(requests, send)) is not None:
        send(answer)
        if answer is _OUT_OF_MEMORY:
            return  # the heap may be fragmented or half-full: let the next file have a fresh one


_OUT_OF_MEMORY = json.dumps({"error": "out_of_memory", "last": True}).encode()


def _serve_one(requests: IO[bytes], send: Callable[[bytes], None]) -> bytes | None:
    """One request in, its encoded answer out; None at EOF."""
    try:
        header = _read_frame(requests)
        if header is None:
            return None
        request = json.loads(header)
        data = _read_frame(requests)
        if data is None:
            return None  # the parent went away mid-request
        _budget_cpu(int(request["cpu_seconds"]))

        def report(done: int, count: int) -> None:
            send(json.dumps({"progress": done, "of": count}).encode())

        return json.dumps(_answer(data, int(request["max_pages"]), report)).encode()
    except MemoryError:
        return _OUT_OF_MEMORY


def _read_frame(stream: IO[bytes]) -> bytes | None:
    prefix = stream.read(_LENGTH_BYTES)
    if len(prefix) < _LENGTH_BYTES:
        return None
    length = int.from_bytes(prefix, "big")
    body = stream.read(length)
    return body if len(body) == length else None


def _answer(data: bytes, max_pages: int, report: Callable[[int, int], None]) -> dict[str, Any]:
    try:
        return {"pages": _read(data, max_pages, report)}
    except _RefusalError as refusal:
        return {"error": refusal.reason, "pages_found": refusal.pages_found}
    except pypdf.errors.LimitReachedError as exc:
        return {"error": "too_large:unpacked", "detail": str(exc)}
    except (pypdf.errors.FileNotDecryptedError, pypdf.errors.DependencyError) as exc:
        return {"error": "encrypted", "detail": repr(exc)}
    except MemoryError:
        raise
    except Exception as exc:  # whatever pypdf raises on a malformed file
        return {"error": "corrupt", "detail": repr(exc)[:500]}


def _cap_memory(limit: int) -> None:
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if hard != resource.RLIM_INFINITY:  # an unprivileged process can't raise it
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _lift_cpu_hard_limit() -> None:
    # RLIMIT_CPU counts the whole life of the process, so each request moves the soft limit
    # up; the hard limit must stay above it. Only a privileged process may raise a finite one.
    soft = resource.getrlimit(resource.RLIMIT_CPU)[0]
    with contextlib.suppress(ValueError, OSError):  # then _budget_cpu stays under the old one
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))


def _budget_cpu(seconds: int) -> None:
    """Allow this request ``seconds`` of CPU on top of what the process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard != resource.RLIM_INFINITY:
        # Soft < hard so the cap ends in SIGXCPU, told apart from an OOM killer's SIGKILL.
        soft = min(soft, hard - 1)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _read(data: bytes, max_pages: int, report: Callable[[int, int], None]) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    # Many PDFs are "encrypted" with an empty user password and open without asking.
    if reader.is_encrypted and not reader.decrypt(""):
        raise _RefusalError("encrypted")
    count = len(reader.pages)
    if count > max_pages:
        raise _RefusalError("too_many_pages", count)
    if count == 0:
        raise _RefusalError("corrupt")
    report(0, count)
    texts: list[str | Exception] = []
    for number, page in enumerate(reader.pages, start=1):
        texts.append(_page_text(page))
        if number % PROGRESS_EVERY == 0 and number < count:
            report(number, count)
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
    # Compatibility forms: ligatures such as "ﬃ" become the letters people type.
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("\r\n?|[\x0b\x0c\u2028\u2029]", "\n", text)
    text = _CONTROL.sub("", text)
    text = re.sub(r"[^\S\n]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    # "informa-\ntion" -> "information", but "Jean-\nPaul" keeps its hyphen.
    text = _HYPHENATED.sub(lambda m: m[1] if m[2].islower() else m[0], text)
    text = text.replace("\u00ad", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()
