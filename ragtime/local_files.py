"""Ingesting files and folders from disk (the ``ragtime ingest`` command).

While one document is being embedded, the next one is already being parsed in
the reader's child process, so parsing hides behind the embedding model. One reader
child serves the whole run: starting one per file would cost ~150 ms each.

Progress is counted in pages across the whole run (``RunProgress``): a page is done
once its chunks are embedded and stored. A file's page count is known as soon as the
reader opens it; files not opened yet are estimated from their size at the bytes per
page seen so far, so the total firms up as the run goes on.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ragtime.blobstore import original_key
from ragtime.bootstrap import Services
from ragtime.domain import DocumentInfo, DocumentScope, Page
from ragtime.pdf import PdfError, PdfReaderProcess
from ragtime.pipeline import IngestResult, ParsedDocument, index_parsed


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path
    result: IngestResult | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RunProgress:
    """How far an ingest run has got, across all its files."""

    files_done: int
    files: int
    pages_done: int
    pages_total: int  # known page counts, plus an estimate for files not opened yet
    estimated: bool  # pages_total still includes an estimate
    chunks: int


class _Tally:
    """Page counts as the reader learns them (parser thread) and pages done (main thread)."""

    def __init__(self, paths: list[Path]) -> None:
        self._lock = threading.Lock()
        self.sizes = {path: _size(path) for path in paths}
        self.counts: dict[Path, int] = {}
        self.files_done = self.pages_done = self.chunks = 0

    def counted(self, path: Path, pages: int) -> None:
        with self._lock:
            self.counts[path] = pages

    def snapshot(self, group_pages: int = 0, group_chunks: int = 0) -> RunProgress:
        with self._lock:
            counts = dict(self.counts)
        known_bytes = sum(self.sizes[p] for p in counts)
        per_byte = sum(counts.values()) / known_bytes if known_bytes else 0.0
        unknown = [p for p in self.sizes if p not in counts]
        guess = round(sum(self.sizes[p] for p in unknown) * per_byte)
        done = self.pages_done + group_pages
        total = max(sum(counts.values()) + guess, done)
        return RunProgress(
            self.files_done, len(self.sizes), done, total, bool(unknown), self.chunks + group_chunks
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def find_pdfs(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and every ``*.pdf`` below each folder, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf"))
        else:
            found.append(path)
    return found


# Files parsed ahead of the one being embedded: enough to ride out a slow file,
# few enough that the originals waiting in memory stay small.
LOOKAHEAD = 3
# Documents are embedded together until they hold this many pages: full model batches.
GROUP_PAGES = 16


def local_document(path: Path) -> DocumentInfo:
    # The same path always maps to the same document: re-ingesting replaces it.
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:20]
    return DocumentInfo(document_id=f"file-{digest}", title=path.name, link=path.resolve().as_uri())


def ingest_files(
    services: Services,
    paths: list[Path],
    scope: DocumentScope,
    on_done: Callable[[FileOutcome], None] = lambda _: None,
    on_progress: Callable[[RunProgress], None] = lambda _: None,
) -> list[FileOutcome]:
    """Ingest every path; a bad file is reported and skipped, the rest still indexed.

    ``on_done`` hears of each file as it is finished, ``on_progress`` of the run's
    pages every few seconds of embedding and after each file.
    """
    outcomes: list[FileOutcome] = []
    group: list[tuple[Path, ParsedDocument]] = []
    tally = _Tally(paths)

    def flush() -> None:
        def embedded(pages: int, chunks: int) -> None:
            on_progress(tally.snapshot(pages, chunks))

        results = index_parsed(services, [parsed for _, parsed in group], embedded)
        for (path, _), result in zip(group, results, strict=True):
            outcomes.append(FileOutcome(path, result=result))
            tally.files_done += 1
            tally.pages_done += result.pages
            tally.chunks += result.chunks
            on_done(outcomes[-1])
        group.clear()
        on_progress(tally.snapshot())

    def failed(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        tally.counted(outcome.path, 0)
        tally.files_done += 1
        on_done(outcome)
        on_progress(tally.snapshot())

    # The executor shuts down (waiting for its last parse) before the reader closes.
    with (
        PdfReaderProcess() as reader,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-parse") as parser,
    ):
        for path, future in _prefetched(parser, services, reader, paths, tally):
            parsed = _parsed(services, path, future, scope)
            if isinstance(parsed, FileOutcome):
                failed(parsed)
                continue
            group.append((path, parsed))
            if sum(len(p.pages) for _, p in group) >= GROUP_PAGES:
                flush()
        if group:
            flush()
    return outcomes


def _prefetched(
    parser: ThreadPoolExecutor,
    services: Services,
    reader: PdfReaderProcess,
    paths: list[Path],
    tally: _Tally,
) -> Iterator[tuple[Path, Future[tuple[bytes, list[Page]]]]]:
    def submit(path: Path) -> Future[tuple[bytes, list[Page]]]:
        return parser.submit(_read_and_parse, services, reader, path, tally)

    pending = [submit(p) for p in paths[:LOOKAHEAD]]
    for index, path in enumerate(paths):
        ahead = index + LOOKAHEAD
        if ahead < len(paths):
            pending.append(submit(paths[ahead]))
        yield path, pending[index]


def _read_and_parse(
    services: Services, reader: PdfReaderProcess, path: Path, tally: _Tally
) -> tuple[bytes, list[Page]]:
    """Runs on the single parser thread, the only user of ``reader``."""
    data = path.read_bytes()
    pages = reader.extract(
        data, services.pdf_limits, on_progress=lambda _, count: tally.counted(path, count)
    )
    tally.counted(path, len(pages))
    return data, pages


def _parsed(
    services: Services, path: Path, parsed: Future[tuple[bytes, list[Page]]], scope: DocumentScope
) -> ParsedDocument | FileOutcome:
    try:
        data, pages = parsed.result()
    except PdfError as exc:
        return FileOutcome(path, error=str(exc))
    except OSError as exc:
        return FileOutcome(path, error=f"The file could not be read ({exc.strerror}).")
    document = local_document(path)
    services.blobs.put(original_key(scope.team_id, document.document_id), data)
    return ParsedDocument(document, scope, pages)
