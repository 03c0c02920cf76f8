"""A model's ``[n]`` markers, checked and renumbered in order of first use, as text streams.

The model cites the numbered passages it was given. Numbers that name no passage are
dropped; the rest become 1, 2, ... in the order they first appear, so the sources
listed under an answer read [1], [2], ... and match the text. Works on a stream: a
marker cut in two by the stream's pieces is held back until it is complete.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ragtime.domain import Citation, Hit

_MARKER = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
_OPEN_TAIL = re.compile(r"\[[\d,;\s]*$")
_MAX_MARKER = 24  # an unclosed "[" this long is plain text, not a marker


class CitationRenumberer:
    """Feed the model's text piece by piece; read back the same text with checked numbers."""

    def __init__(self, passages: int) -> None:
        self.passages = passages
        self.order: dict[int, int] = {}  # passage number -> citation number
        self._pending = ""

    def feed(self, piece: str) -> str:
        """The part of the text seen so far that can be shown now."""
        text = self._pending + piece
        tail = _OPEN_TAIL.search(text)
        if tail and len(text) - tail.start() <= _MAX_MARKER:
            text, self._pending = text[: tail.start()], text[tail.start() :]
        else:
            self._pending = ""
        return _MARKER.sub(self._renumber, text)

    def finish(self) -> str:
        """Whatever was held back at the end of the stream."""
        rest, self._pending = self._pending, ""
        return _MARKER.sub(self._renumber, rest)

    def citations(self, hits: Sequence[Hit]) -> tuple[Citation, ...]:
        """The passages cited, numbered as in the text."""
        return tuple(
            _citation(number, hits[passage - 1])
            for passage, number in sorted(self.order.items(), key=lambda item: item[1])
        )

    def _renumber(self, match: re.Match[str]) -> str:
        numbers = []
        for part in re.split(r"[,;]", match.group(1)):
            passage = int(part)
            if 1 <= passage <= self.passages:
                number = self.order.setdefault(passage, len(self.order) + 1)
                if number not in numbers:
                    numbers.append(number)
        return "".join(f"[{n}]" for n in numbers)


def _citation(number: int, hit: Hit) -> Citation:
    chunk = hit.chunk
    return Citation(
        number, chunk.document_id, hit.title, chunk.page_start, chunk.page_end, hit.link
    )
