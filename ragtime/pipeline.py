"""The use cases: ingest a document, answer a question. Ports in, values out.

No Slack and no Celery here: the bot, the worker and the ``ragtime`` command
all call these functions with the services ``bootstrap.build_services`` made.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ragtime.bootstrap import Services
from ragtime.chunking import chunk_pages
from ragtime.domain import Answer, Chunk, DocumentInfo, DocumentScope, Hit, Page, Scope, Timings
from ragtime.generation import Turn
from ragtime.navigation import content_pages
from ragtime.pdf import extract_pages


@dataclass(frozen=True, slots=True)
class IngestResult:
    document_id: str
    pages: int
    chunks: int
    seconds: float


def ingest_document(
    services: Services,
    *,
    document: DocumentInfo,
    scope: DocumentScope,
    data: bytes,
    pages: Sequence[Page] | None = None,
) -> IngestResult:
    """Parse (unless ``pages`` were parsed already), chunk, embed and index one PDF.

    Replaces whatever the index held for ``document``: re-ingesting never
    duplicates chunks. Raises ``PdfError`` with a one-sentence reason for bad files.
    """
    started = time.perf_counter()
    if pages is None:
        pages = extract_pages(data, services.pdf_limits)
    (result,) = index_parsed(services, [ParsedDocument(document, scope, pages)])
    return replace(result, seconds=time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    document: DocumentInfo
    scope: DocumentScope
    pages: Sequence[Page]


def index_parsed(services: Services, parsed: Sequence[ParsedDocument]) -> list[IngestResult]:
    """Chunk, embed and store already-parsed documents, embedding their chunks together.

    One embedding call over several small documents keeps the model's batches
    full and length-sorted, as fast as it runs on one long list of texts.
    """
    started = time.perf_counter()
    chunked = [chunk_document(services, p.document.document_id, p.pages) for p in parsed]
    vectors = services.embedder.embed_documents([c.text for chunks in chunked for c in chunks])
    results, offset = [], 0
    for item, chunks in zip(parsed, chunked, strict=True):
        mine = vectors[offset : offset + len(chunks)]
        services.store.replace_document(item.document, item.scope, chunks, mine)
        offset += len(chunks)
        results.append(IngestResult(item.document.document_id, len(item.pages), len(chunks), 0.0))
    elapsed = time.perf_counter() - started
    total = max(1, offset)
    # Each document is charged its share of the time spent on the group.
    return [replace(r, seconds=elapsed * r.chunks / total) for r in results]


def chunk_document(services: Services, document_id: str, pages: Sequence[Page]) -> list[Chunk]:
    """The document's passages; tables of contents and indexes are left out
    (``ragtime.navigation``): they match a question's words but answer nothing."""
    settings = services.settings
    return chunk_pages(
        document_id,
        content_pages(pages),
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap,
    )


def search(
    services: Services, *, question: str, scope: Scope | None, k: int | None = None
) -> tuple[list[Hit], Timings]:
    """The best chunks for ``question`` visible in ``scope`` (None: the whole index)."""
    started = time.perf_counter()
    vector = services.embedder.embed_query(question)
    embedded = time.perf_counter()
    hits = services.store.search(
        text=question,
        vector=vector,
        scope=scope,
        k=k or services.settings.search_k,
        alpha=services.settings.hybrid_alpha,
    )
    searched = time.perf_counter()
    return hits, Timings(embed_ms=_ms(embedded - started), search_ms=_ms(searched - embedded))


def answer_question(
    services: Services,
    *,
    question: str,
    scope: Scope | None,
    history: Sequence[Turn] = (),
) -> Answer:
    """Retrieve within ``scope`` and answer from what was found, with citations and timings.

    A follow-up in a thread is searched together with the thread's earlier
    questions, so "and how long does it take?" still finds the right document.
    Raises ``ServiceError`` (one sentence) when a store or model fails.
    """
    hits, timings = search(services, question=_query(question, history), scope=scope)
    started = time.perf_counter()
    answer = services.generator.generate(question, hits, history)
    return _finished(answer, hits, timings, started)


def stream_answer(
    services: Services,
    *,
    question: str,
    scope: Scope | None,
    history: Sequence[Turn] = (),
) -> Iterator[str | Answer]:
    """``answer_question``, yielding the answer's text as the generator writes it.

    Pieces of text first (joined, they are the answer's text), then the ``Answer``.
    """
    hits, timings = search(services, question=_query(question, history), scope=scope)
    started = time.perf_counter()
    for item in services.generator.stream(question, hits, history):
        yield _finished(item, hits, timings, started) if isinstance(item, Answer) else item


def _query(question: str, history: Sequence[Turn]) -> str:
    return " ".join([*(turn.question for turn in history[-2:]), question])


def _finished(answer: Answer, hits: list[Hit], timings: Timings, started: float) -> Answer:
    timings = replace(timings, generate_ms=_ms(time.perf_counter() - started))
    return replace(answer, timings=timings, hits=tuple(hits))


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)
