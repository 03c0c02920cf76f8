"""Second look at the candidates: does one stretch of the passage hold the question's words?

Hybrid search scores whole passages, so a passage that mentions the question's words
here and there can outrank the one whose two sentences answer it. Each candidate's
best window of consecutive sentences is scored against the question's words (stemmed),
weighting each word by how rare it is among the candidates' windows (BM25's idf,
computed on the spot, so it works on any vector store); the final order adds that,
min-max normalised, to the store's fused score, normalised the same way. Measured on
both public eval sets (`python -m bench.retrieval`); no extra model call.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ragtime.domain import Hit
from ragtime.passages import sentences, stem
from ragtime.vectorstore.keywords import keywords

CANDIDATES = 20  # asked of the store, then cut to k
WINDOW = 2  # sentences


def rerank(question: str, hits: Sequence[Hit], k: int) -> list[Hit]:
    """The best ``k`` of ``hits``; each hit's score becomes the combined one (0 to 2)."""
    if len(hits) < 2:
        return list(hits)[:k]
    asked = {stem(word) for word in keywords(question)}
    windows = [_windows(hit.chunk.text) for hit in hits]
    counts = Counter(word for own in windows for window in own for word in window & asked)
    total = sum(len(own) for own in windows)
    idf = {
        word: math.log(1 + (total - counts[word] + 0.5) / (counts[word] + 0.5)) for word in asked
    }
    matched = [
        max((sum(idf[w] for w in window & asked) for window in own), default=0.0) for own in windows
    ]
    combined = [
        a + b
        for a, b in zip(_normalised([h.score for h in hits]), _normalised(matched), strict=True)
    ]
    order = sorted(
        range(len(hits)), key=lambda i: -combined[i]
    )  # stable: ties keep the store's order
    return [replace(hits[i], score=round(combined[i], 6)) for i in order[:k]]


def _windows(text: str) -> list[set[str]]:
    words = [{stem(w) for w in keywords(sentence)} for sentence in sentences(text)]
    if len(words) <= WINDOW:
        return [set().union(*words)] if words else [set()]
    return [set().union(*words[i : i + WINDOW]) for i in range(len(words) - WINDOW + 1)]


def _normalised(values: Sequence[float]) -> list[float]:
    low, high = min(values), max(values)
    if high == low:
        return [1.0 for _ in values]
    return [(value - low) / (high - low) for value in values]
