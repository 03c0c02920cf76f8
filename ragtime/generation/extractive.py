"""The offline generator: answers with the retrieved sentences that answer the question.

It never writes a word that is not in a cited passage. When the best passage
is not similar enough to the question (``min_score``, a cosine similarity
calibrated on the eval set), it says so instead of guessing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ragtime.domain import Answer, Citation, Hit
from ragtime.generation import Generator, Turn, below_floor, not_found
from ragtime.passages import names, sentences, stem
from ragtime.vectorstore.keywords import keywords

_NUMBER = re.compile(r"[$€£%]|\d")
_IDENTIFIER = re.compile(r"^-|[_\d]")
_QUANTITY_QUESTION = re.compile(r"\b(how (much|many|long|old)|price|cost|when|what time)\b", re.I)
_QUANTITY_WORDS = re.compile(r"\bhow (long|old|often|far)\b|\bwhat time\b", re.I)
_DURATION_QUESTION = re.compile(r"\bhow long\b", re.I)
_DURATION = re.compile(
    r"(?:\d|\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"a few|several)\b)\s*(?:-\s*\d+\s*)?(?:business\s+|working\s+)?"
    r"(?:minute|hour|day|week|month|year)s?\b",
    re.I,
)
# A heading ("Onboarding") shares the question's topic and says nothing about it.
_HEADING_WORDS = 3
MAX_SENTENCES = 3
MAX_SOURCES = 3


@dataclass(frozen=True, slots=True)
class _Candidate:
    score: float
    hit_rank: int
    text: str


class ExtractiveGenerator(Generator):
    name = "extractive"

    def __init__(self, min_score: float = 0.3) -> None:
        self.min_score = min_score

    def generate(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Answer:
        if below_floor(hits, self.min_score):
            return not_found(self.name)
        chosen = _best_sentences(question, hits[:MAX_SOURCES], history)
        numbers: dict[int, int] = {}
        lines = []
        for candidate in chosen:
            number = numbers.setdefault(candidate.hit_rank, len(numbers) + 1)
            lines.append(f"{candidate.text} [{number}]")
        citations = tuple(
            _citation(number, hits[rank])
            for rank, number in sorted(numbers.items(), key=_by_number)
        )
        return Answer(text="\n".join(lines), citations=citations, found=True, generator=self.name)


def _by_number(item: tuple[int, int]) -> int:
    return item[1]


def _citation(number: int, hit: Hit) -> Citation:
    chunk = hit.chunk
    return Citation(
        number, chunk.document_id, hit.title, chunk.page_start, chunk.page_end, hit.link
    )


def _best_sentences(
    question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()
) -> list[_Candidate]:
    # "How long" asks for a duration: "long" is not a topic ("long-term" is no answer).
    asked = _QUANTITY_WORDS.sub(" ", question)
    wanted = {stem(w) for w in keywords(asked)}
    # A follow-up ("and how long does it take?") is about the thread's earlier subject.
    earlier = {stem(w) for turn in history[-2:] for w in keywords(turn.question)} - wanted
    wants_number = bool(_QUANTITY_QUESTION.search(question))
    wants_duration = bool(_DURATION_QUESTION.search(question))
    found = [
        (rank, sentence) for rank, hit in enumerate(hits) for sentence in sentences(hit.chunk.text)
    ]
    named = _telling_names(question, [sentence for _, sentence in found])
    candidates = [
        _Candidate(
            _sentence_score(sentence, (wanted, earlier), (wants_number, wants_duration), named)
            * (1.0 - 0.15 * rank),
            rank,
            sentence,
        )
        for rank, sentence in found
    ]
    if not candidates:
        return []
    candidates.sort(key=lambda c: (-c.score, c.hit_rank))
    best = candidates[0]
    if best.score <= 0:
        # No sentence shares a word with the question: quote the best passage's opening.
        return [_Candidate(0.0, 0, sentences(hits[0].chunk.text)[0])]
    chosen: list[_Candidate] = []
    for candidate in candidates:
        if len(chosen) == MAX_SENTENCES or candidate.score < 0.6 * best.score:
            break
        # Overlapping chunks repeat sentences, whole or cut at the chunk's edge.
        if not any(_same_passage(candidate.text, c.text) for c in chosen):
            chosen.append(candidate)
    return chosen


def _telling_names(question: str, found: Sequence[str]) -> list[str]:
    """The question's options and identifiers that pick out a few sentences.

    Acronyms and CamelCase words are left out: they tend to name the product the whole
    manual is about ("MPFR"), not the thing asked about ("-c", "mpfr_dump").
    """
    counts = Counter(name for sentence in found for name in set(names(sentence)))
    return [
        name for name in names(question)
        if _IDENTIFIER.search(name) and counts[name] <= max(1, len(found) // 3)
    ]  # fmt: skip


def _same_passage(a: str, b: str) -> bool:
    words_a, words_b = set(keywords(a)), set(keywords(b))
    shorter = min(len(words_a), len(words_b)) or 1
    return len(words_a & words_b) / shorter >= 0.7


def _heading(sentence: str) -> bool:
    """A few words, no full stop, no figure: "Onboarding" (not "Retainer ($260/month):")."""
    return (
        len(sentence.split()) <= _HEADING_WORDS
        and not sentence.rstrip().endswith((".", "!", "?"))
        and not _NUMBER.search(sentence)
    )


def _sentence_score(
    sentence: str,
    wanted: tuple[set[str], set[str]],
    wants: tuple[bool, bool],
    named: Sequence[str] = (),
) -> float:
    """Words shared with the question (the thread's earlier ones count half), plus a
    number for a quantity question, a duration for "how long", the names it asks about."""
    asked, earlier = wanted
    wants_number, wants_duration = wants
    words = {stem(w) for w in keywords(sentence)}
    overlap = len(asked & words) + 0.5 * len(earlier & words)
    if overlap == 0:
        return 0.0
    bonus = 0.5 if wants_number and _NUMBER.search(sentence) else 0.0
    if wants_duration and _DURATION.search(sentence):
        bonus += 1.0
    # "What does -c do?": a sentence with "-c" in it is about it, and one that starts
    # with it ("-c, --check checks the syntax only") is its definition.
    present = names(sentence)
    for name in named:
        if name in present:
            bonus += 2.0 + (3.0 if sentence.startswith(name) else 0.0)
    # Prefer sentences that are about the question over long ones that mention everything.
    score = overlap + bonus - 0.01 * max(0, len(words) - 25)
    if _heading(sentence):
        score *= 0.5
    return score
