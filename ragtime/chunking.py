"""Pages -> chunks that remember their pages and their order.

Lines are packed into chunks of at most ``max_tokens`` word-piece tokens (the
embedding model reads 256 at most), and each chunk repeats the last
``overlap_tokens`` of the one before, so an answer that straddles a boundary is
whole in at least one chunk. Lines that repeat at the top or bottom of most
pages (running headers, footers, page numbers) are dropped first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ragtime.domain import Chunk, Page
from ragtime.tokens import TokenCounter, wordpiece_counter

_DIGITS = re.compile(r"\d+")
_EDGE_LINES = 3


@dataclass(frozen=True, slots=True)
class _Line:
    page: int
    text: str
    tokens: int


def chunk_pages(
    document_id: str,
    pages: Sequence[Page],
    *,
    max_tokens: int = 160,
    overlap_tokens: int = 48,
    count_tokens: TokenCounter | None = None,
) -> list[Chunk]:
    """Split ``pages`` into ordered chunks; every chunk knows its first and last page."""
    count = count_tokens or wordpiece_counter()
    lines = _content_lines(pages, count, max_tokens)
    chunks: list[Chunk] = []
    start = 0
    while start < len(lines):
        end, used = start, 0
        while end < len(lines) and (end == start or used + lines[end].tokens <= max_tokens):
            used += lines[end].tokens
            end += 1
        chunks.append(_make_chunk(document_id, len(chunks), lines[start:end]))
        if end == len(lines):
            break
        start = _overlap_start(lines, start, end, overlap_tokens)
    return chunks


def _overlap_start(lines: Sequence[_Line], start: int, end: int, overlap_tokens: int) -> int:
    """First line of the next chunk: back off from ``end`` by up to ``overlap_tokens``."""
    back, carried = end, 0
    while back - 1 > start and carried + lines[back - 1].tokens <= overlap_tokens:
        back -= 1
        carried += lines[back].tokens
    return back


def _make_chunk(document_id: str, ordinal: int, lines: Sequence[_Line]) -> Chunk:
    return Chunk(
        document_id=document_id,
        ordinal=ordinal,
        text="\n".join(line.text for line in lines),
        page_start=lines[0].page,
        page_end=lines[-1].page,
    )


def _content_lines(pages: Sequence[Page], count: TokenCounter, max_tokens: int) -> list[_Line]:
    boilerplate = _repeated_edge_lines(pages)
    kept = [
        (page.number, text)
        for page in pages
        for text in _clean_lines(page.text)
        if _shape(text) not in boilerplate
    ]
    sizes = count([text for _, text in kept]) if kept else []
    lines: list[_Line] = []
    for (number, text), tokens in zip(kept, sizes, strict=True):
        if tokens <= max_tokens:
            lines.append(_Line(number, text, tokens))
        else:
            lines.extend(_split_long_line(number, text, count, max_tokens))
    return lines


def _split_long_line(page: int, text: str, count: TokenCounter, max_tokens: int) -> list[_Line]:
    words = text.split()
    sizes = count(words)
    pieces: list[_Line] = []
    current: list[str] = []
    used = 0
    for word, size in zip(words, sizes, strict=True):
        if current and used + size > max_tokens:
            pieces.append(_Line(page, " ".join(current), used))
            current, used = [], 0
        current.append(word)
        used += size
    if current:
        pieces.append(_Line(page, " ".join(current), used))
    return pieces


def _clean_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _shape(line: str) -> str:
    # Page numbers change from page to page; the header around them does not.
    return _DIGITS.sub("#", line.lower())


def _repeated_edge_lines(pages: Sequence[Page]) -> set[str]:
    """Line shapes seen near the top or bottom of at least half the pages (3 pages or more)."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for page in pages:
        lines = _clean_lines(page.text)
        edges = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
        seen.update({_shape(line) for line in edges})
    threshold = max(3, len(pages) // 2)
    return {shape for shape, n in seen.items() if n >= threshold}
