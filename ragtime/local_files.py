"""Ingesting files and folders from disk (the ``ragtime ingest`` command).

While one document is being embedded, the next one is already being parsed in
its child process, so parsing hides behind the embedding model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ragtime.bootstrap import Services
from ragtime.domain import DocumentInfo, DocumentScope, Page
from ragtime.pdf import PdfError, extract_pages
from ragtime.pipeline import IngestResult, ingest_document


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
    outcomes = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-parse") as parser:
        for path, parsed in _prefetched(parser, services, paths):
            outcome = _ingest_one(services, path, parsed, scope)
            outcomes.append(outcome)
            on_done(outcome)
    return outcomes


def _prefetched(
    parser: ThreadPoolExecutor, services: Services, paths: list[Path]
) -> Iterator[tuple[Path, Future[tuple[bytes, list[Page]]]]]:
    pending = [parser.submit(_read_and_parse, services, p) for p in paths[:1]]
    for index, path in enumerate(paths):
        if index + 1 < len(paths):
            pending.append(parser.submit(_read_and_parse, services, paths[index + 1]))
        yield path, pending[index]


def _read_and_parse(services: Services, path: Path) -> tuple[bytes, list[Page]]:
    data = path.read_bytes()
    return data, extract_pages(data, services.pdf_limits)


def _ingest_one(
    services: Services, path: Path, parsed: Future[tuple[bytes, list[Page]]], scope: DocumentScope
) -> FileOutcome:
    try:
        data, pages = parsed.result()
    except PdfError as exc:
        return FileOutcome(path, error=str(exc))
    except OSError as exc:
        return FileOutcome(path, error=f"The file could not be read ({exc.strerror}).")
    document = local_document(path)
    services.blobs.put(f"{document.document_id}.pdf", data)
    result = ingest_document(services, document=document, scope=scope, data=data, pages=pages)
    return FileOutcome(path, result=result)
