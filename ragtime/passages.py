"""A passage's sentences and its words' stems, for scoring sentences against a question.

PDF text comes as lines; lines are joined back into paragraphs (headings and bullets
kept on their own) and split at sentence ends.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$•●(\"'])")
_BULLETS = "●•▪◦‣-–*u"


def sentences(text: str) -> list[str]:
    """The passage's sentences, in order (the whole text as one when it has none)."""
    units = [sentence for unit in _units(text) for sentence in _SENTENCE_END.split(unit)]
    return [u.strip() for u in units if len(u.strip()) > 2] or [" ".join(text.split())]


def _units(text: str) -> list[str]:
    """Re-join PDF lines into paragraphs, keeping headings and bullets on their own.

    A line ends its unit when it ends a sentence, when it is short (a heading or a
    paragraph's last line), or when the next line is a bullet.
    """
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    typical = sorted(len(line) for line in lines)[len(lines) // 2]
    units, current = [], ""
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        current = f"{current} {line}".strip()
        ends = line.endswith((".", "!", "?", ":")) or len(line) < 0.6 * typical
        if ends or not following or following[0] in _BULLETS:
            units.append(current)
            current = ""
    return units


_NAME = re.compile(
    r"(?<![\w-])(?:[A-Za-z][\w.+]*[_\d][\w.+]*"  # identifiers with _ or digits
    r"|--?[A-Za-z][\w-]*"  # command-line options: -c, --no-alabelroundtrip
    r"|[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]+"  # CamelCase, CMake
    r"|[A-Z]{2,}\d*)(?![\w-])"  # acronyms
)


def names(text: str) -> list[str]:
    """Identifiers, options, CamelCase words and acronyms, as written: what must match exactly."""
    return _NAME.findall(text)


def stem(word: str) -> str:
    """A crude English stem, enough to match "lookups" with "lookup"."""
    for suffix in ("ing", "es", "s", "ed"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word
