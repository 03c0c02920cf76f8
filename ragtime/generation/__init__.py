"""The Generator port: a question and retrieved passages in, a grounded answer out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
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
    # True when ``stream`` yields the text as the model writes it (worth showing live).
    streams: bool = False

    @abstractmethod
    def generate(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Answer:
        """Answer ``question`` from ``hits`` (best first), citing them by number."""

    def stream(
        self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()
    ) -> Iterator[str | Answer]:
        """Yield pieces of the answer's text as they are written, then the whole ``Answer``.

        The pieces joined are the final answer's text. Without a streaming model the
        answer comes at once.
        """
        answer = self.generate(question, hits, history)
        if answer.found:
            yield answer.text
        yield answer


def not_found(generator: str, model: str = "") -> Answer:
    return Answer(text=NOT_FOUND, citations=(), found=False, generator=generator, model=model)


def below_floor(hits: Sequence[Hit], floor: float) -> bool:
    """Nothing retrieved is close enough to the question to answer from."""
    return not hits or max(h.vector_score for h in hits) < floor
