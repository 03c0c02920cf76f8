"""Question text -> an FTS5 keyword query with Weaviate-like word tokenisation.

Words are lower-cased runs of letters and digits; English stop words are
dropped (Weaviate's BM25 does the same with its default ``en`` preset) and the
rest are OR-ed, so a chunk needs only some of the words to match.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves get gets got many much""".split()  # noqa: SIM905
)


def fold(text: str) -> str:
    """Lower-case and drop diacritics, as FTS5's ``remove_diacritics 2`` does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def keywords(text: str) -> list[str]:
    """Distinct searchable words of ``text``, in order of first appearance."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(fold(text)):
        if word not in STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)


def match_expression(words: list[str]) -> str | None:
    """An FTS5 MATCH expression over the ``text`` column, or None when nothing is searchable."""
    if not words:
        return None
    # Quoted terms: FTS5 then treats them as plain strings, never as operators.
    return "text : (" + " OR ".join(f'"{word}"' for word in words) + ")"
