"""The Generator port: a question and retrieved passages in, a grounded answer out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from ragtime.domain import Answer, Hit

NOT_FOUND = "I couldn't find this in the documents shared here."


@dataclass(frozen=True, slots=True)
class Turn:
    """An earlier question and its answer in the same thread."""

    question: str
    answer: str


class Generator(ABC):
    """Writes an answer only from ``hits``; says NOT_FOUND rather than guess."""

    name: str

    @abstractmethod
    def generate(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Answer:
        """Answer ``question`` from ``hits`` (best first), citing them by number."""
