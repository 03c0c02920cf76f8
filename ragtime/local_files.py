"""Ingesting files and folders from disk (the ``ragtime ingest`` command).

While one document is being embedded, the next one is already being parsed in
the reader's child process, so parsing hides behind the embedding model. One reader
child serves the whole run: starting one per file would cost ~150 ms each.
"""

from __future__ import annotations

import hashlib
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
) -> list[FileOutcome]:
    """Ingest every path; a bad file is reported and skipped, the rest still indexed."""
    outcomes: list[FileOutcome] = []
    group: list[tuple[Path, ParsedDocument]] = []

    def flush() -> None:
        results = index_parsed(services, [parsed for _, parsed in group])
        for (path, _), result in zip(group, results, strict=True):
            outcomes.append(FileOutcome(path, result=result))
            on_done(outcomes[-1])
        group.clear()

    # The executor shuts down (waiting for its last parse) before the reader closes.
    with (
        PdfReaderProcess() as reader,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-parse") as parser,
    ):
        for path, future in _prefetched(parser, services, reader, paths):
            parsed = _parsed(services, path, future, scope)
            if isinstance(parsed, FileOutcome):
                outcomes.append(parsed)
                on_done(parsed)
                continue
            group.append((path, parsed))
            if sum(len(p.pages) for _, p in group) >= GROUP_PAGES:
                flush()
        if group:
            flush()
    return outcomes


def _prefetched(
    parser: ThreadPoolExecutor, services: Services, reader: PdfReaderProcess, paths: list[Path]
) -> Iterator[tuple[Path, Future[tuple[bytes, list[Page]]]]]:
    pending = [parser.submit(_read_and_parse, services, reader, p) for p in paths[:LOOKAHEAD]]
    for index, path in enumerate(paths):
        ahead = index + LOOKAHEAD
        if ahead < len(paths):
            pending.append(parser.submit(_read_and_parse, services, reader, paths[ahead]))
        yield path, pending[index]


def _read_and_parse(
    services: Services, reader: PdfReaderProcess, path: Path
) -> tuple[bytes, list[Page]]:
    """Runs on the single parser thread, the only user of ``reader``."""
    data = path.read_bytes()
    return data, reader.extract(data, services.pdf_limits)


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
