"""Is the question about something the visible documents mention at all?

A cosine floor cannot tell "What does mpfr_fma do?" from "What does mpfr_fma_ui do?":
the passages about mpfr_fma are close to both. What the index knows can: a question
whose own distinctive terms occur in none of the passages retrieved for it is about
something else, and the answer is "I couldn't find this". Two kinds of term count:

- names: identifiers (``mpfr_fma_ui``, ``IDN2_ALLOW_UNASSIGNED``), options (``--ucs4``),
  CamelCase and acronyms (``OpenMP``, ``CMake``, ``UTS``), which must appear as written;
- words that carry the question: a word absent from every candidate (and not one
  typo away from a word there, so "licence" finds "license" and "pric" finds "price")
  whose removal moves the question's embedding by at least the embedder's
  ``importance_floor`` (MiniLM: 0.1; paraphrase verbs such as "dealt", "credited" stay
  below 0.09, "tunnels", "ferries", "refund" reach 0.12+). An embedder without a
  calibrated floor (Titan: no Bedrock to calibrate on here) checks names only. Words
  that only ask for a kind of answer ("how long", "which day", "what temperature")
  never count.

The candidates are the ~20 passages hybrid search found for the question, so a term
that exists in the scope is among them; the check needs no store of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ragtime.domain import Hit
from ragtime.embedding import Embedder
from ragtime.passages import names, stem
from ragtime.vectorstore.keywords import fold, keywords

# They ask for a kind of answer, not about a topic: "how long", "which day", "what time".
_QUESTION_WORDS = frozenset({
    "long", "often", "old", "far", "soon", "kind", "type", "way", "happen", "happens",
    "mean", "means", "tell", "know", "please", "whats", "hows", "wheres", "whos",
    "day", "date", "time", "year", "month", "week", "hour", "number", "amount", "name",
    "person", "people", "place", "reason",
    # ...and attributes whose value a passage states without naming them ("fired at 1,280
    # degrees" answers "what temperature").
    "temperature", "size", "weight", "length", "height", "width", "depth", "speed",
    "cost", "price", "colour", "color", "duration", "distance", "version", "capacity",
    "limit", "rate", "fee", "percentage", "value", "total", "maximum", "minimum",
    "default", "status", "format", "deadline", "frequency", "location",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Evidence:
    """What of the question the passages never mention (empty: nothing missing)."""

    missing_names: tuple[str, ...] = ()
    missing_words: tuple[str, ...] = ()

    @property
    def unsupported(self) -> bool:
        return bool(self.missing_names or self.missing_words)


def weigh(question: str, candidates: Sequence[Hit], embedder: Embedder) -> Evidence:
    """The question's distinctive terms that no candidate passage contains."""
    if not candidates:
        return Evidence()
    text = " ".join(fold(hit.chunk.text) for hit in candidates)
    missing = tuple(n for n in names(question) if fold(n).strip(".") not in text)
    seen = {stem(word) for word in keywords(text)}
    floor = embedder.importance_floor
    if floor is None:
        return Evidence(missing)
    absent = [
        w for w in keywords(question)
        if w not in _QUESTION_WORDS and not w.isdigit() and not _known(stem(w), seen)
    ]  # fmt: skip
    absent = [w for w in absent if not any(fold(w) in fold(n) for n in missing)]
    moved = _importance(question, absent, embedder)
    return Evidence(missing, tuple(w for w, m in zip(absent, moved, strict=True) if m >= floor))


def _known(word: str, seen: set[str]) -> bool:
    """``word``, a one-typo variant (``pric``, ``trian``, ``monney``) or a longer form of it
    is in ``seen``."""
    if word in seen:
        return True
    if len(word) < 4:
        return False
    if not seen.isdisjoint(_one_edit(word)):
        return True
    # Another form of the same word: "maintains" and "maintainer", "configure" and
    # "configuration" share a stem of five letters or more.
    return len(word) >= 5 and any(other.startswith(word[:-1]) for other in seen if len(other) >= 5)


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | swaps | replaces | inserts


def _importance(question: str, words: Sequence[str], embedder: Embedder) -> list[float]:
    """How much the question's meaning moves without each word (1 - cosine), one call."""
    if not words:
        return []
    asked = fold(question)
    withouts = [re.sub(rf"(?i)\b{re.escape(word)}\b", " ", asked) for word in words]
    vectors = embedder.embed_documents([asked, *withouts])
    return [1.0 - float(vectors[0] @ vector) for vector in vectors[1:]]
