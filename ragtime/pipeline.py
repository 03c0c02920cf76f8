"""The use cases: ingest a document, answer a question. Ports in, values out.

No Slack and no Celery here: the bot, the worker and the ``ragtime`` command
all call these functions with the services ``bootstrap.build_services`` made.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ragtime.bootstrap import Services
from ragtime.chunking import chunk_pages
from ragtime.domain import Answer, Chunk, DocumentInfo, DocumentScope, Hit, Page, Scope, Timings
from ragtime.evidence import weigh
from ragtime.generation import Turn, not_found
from ragtime.navigation import content_pages
from ragtime.pdf import extract_pages
from ragtime.rerank import CANDIDATES, rerank

log = logging.getLogger(__name__)


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
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestResult:
    """Parse (unless ``pages`` were parsed already), chunk, embed and index one PDF.

    Replaces whatever the index held for ``document``: re-ingesting never
    duplicates chunks. Raises ``PdfError`` with a one-sentence reason for bad files.
    ``on_progress(pages_indexed, chunks_indexed)``: see ``index_parsed``.
    """
    started = time.perf_counter()
    if pages is None:
        pages = extract_pages(data, services.pdf_limits)
    (result,) = index_parsed(services, [ParsedDocument(document, scope, pages)], on_progress)
    return replace(result, seconds=time.perf_counter() - started)


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    document: DocumentInfo
    scope: DocumentScope
    pages: Sequence[Page]


# Chunks embedded per call: small enough to report progress every few seconds, big
# enough that the model still runs full, length-sorted batches.
EMBED_SLICE = 128


def index_parsed(
    services: Services,
    parsed: Sequence[ParsedDocument],
    on_progress: Callable[[int, int], None] | None = None,
) -> list[IngestResult]:
    """Chunk, embed and store already-parsed documents, embedding their chunks together.

    One embedding call over several small documents keeps the model's batches
    full and length-sorted, as fast as it runs on one long list of texts; a long
    document is embedded ``EMBED_SLICE`` chunks at a time, and after each slice
    ``on_progress(pages_done, chunks_done)`` hears how far the group has got.
    """
    started = time.perf_counter()
    chunked = [chunk_document(services, p.document.document_id, p.pages) for p in parsed]
    texts = [c.text for chunks in chunked for c in chunks]
    where = _page_marks(parsed, chunked)
    vectors = np.empty((len(texts), services.embedder.dimension), dtype=np.float32)
    for start in range(0, len(texts), EMBED_SLICE):
        end = min(start + EMBED_SLICE, len(texts))
        vectors[start:end] = services.embedder.embed_documents(texts[start:end])
        if on_progress is not None:
            on_progress(where[end - 1], end)
    results, offset = [], 0
    for item, chunks in zip(parsed, chunked, strict=True):
        mine = vectors[offset : offset + len(chunks)]
        services.store.replace_document(item.document, item.scope, chunks, mine)
        offset += len(chunks)
        results.append(IngestResult(item.document.document_id, len(item.pages), len(chunks), 0.0))
    if on_progress is not None and (not texts or where[-1] < sum(len(p.pages) for p in parsed)):
        on_progress(sum(len(p.pages) for p in parsed), len(texts))
    elapsed = time.perf_counter() - started
    total = max(1, offset)
    # Each document is charged its share of the time spent on the group.
    return [replace(r, seconds=elapsed * r.chunks / total) for r in results]


def _page_marks(parsed: Sequence[ParsedDocument], chunked: Sequence[Sequence[Chunk]]) -> list[int]:
    """For each chunk, the group's pages done once it is embedded (chunks are in page order)."""
    marks, before = [], 0
    for item, chunks in zip(parsed, chunked, strict=True):
        first = item.pages[0].number if item.pages else 1
        marks += [before + chunk.page_end - first + 1 for chunk in chunks]
        before += len(item.pages)
    return marks


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
    hits, _, timings = _retrieve(services, question, scope, k)
    return hits, timings


def _retrieve(
    services: Services, question: str, scope: Scope | None, k: int | None
) -> tuple[list[Hit], list[Hit], Timings]:
    """The best ``k`` hits, every candidate they were picked from, and the timings."""
    started = time.perf_counter()
    vector = services.embedder.embed_query(question)
    embedded = time.perf_counter()
    wanted = k or services.settings.search_k
    candidates = services.store.search(
        text=question,
        vector=vector,
        scope=scope,
        k=max(wanted, CANDIDATES),
        alpha=services.settings.hybrid_alpha,
    )
    hits = rerank(question, candidates, wanted)
    searched = time.perf_counter()
    timings = Timings(embed_ms=_ms(embedded - started), search_ms=_ms(searched - embedded))
    return hits, candidates, timings


def answer_question(
    services: Services,
    *,
    question: str,
    scope: Scope | None,
    history: Sequence[Turn] = (),
) -> Answer:
    """Retrieve within ``scope`` and answer from what was found, with citations and timings.

    A follow-up in a thread is searched together with the thread's earlier
    questions, so "and how long does it take?" still finds the right document. A
    question about something no passage mentions (``ragtime.evidence``) gets "I
    couldn't find this" without the generator (no model call). Raises
    ``ServiceError`` (one sentence) when a store or model fails.
    """
    hits, started, timings = _grounded(services, question, scope, history)
    if not hits:
        return _finished(not_found(services.generator.name), hits, timings, started)
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
    hits, started, timings = _grounded(services, question, scope, history)
    if not hits:
        yield _finished(not_found(services.generator.name), hits, timings, started)
        return
    for item in services.generator.stream(question, hits, history):
        yield _finished(item, hits, timings, started) if isinstance(item, Answer) else item


def _grounded(
    services: Services, question: str, scope: Scope | None, history: Sequence[Turn]
) -> tuple[list[Hit], float, Timings]:
    """The hits to answer from, or none when the question's own terms are not in them."""
    hits, candidates, timings = _retrieve(services, _query(question, history), scope, None)
    started = time.perf_counter()
    evidence = weigh(_query(question, history), candidates, services.embedder)
    if evidence.unsupported:
        log.info(
            "not in the documents: names %s, words %s",
            list(evidence.missing_names), list(evidence.missing_words),
        )  # fmt: skip
        return [], started, timings
    return hits, started, timings


def _query(question: str, history: Sequence[Turn]) -> str:
    return " ".join([*(turn.question for turn in history[-2:]), question])


def _finished(answer: Answer, hits: list[Hit], timings: Timings, started: float) -> Answer:
    timings = replace(timings, generate_ms=_ms(time.perf_counter() - started))
    return replace(answer, timings=timings, hits=tuple(hits))


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)
