"""The second look at hybrid search's candidates: the passage whose sentences answer rises."""

from __future__ import annotations

from ragtime.domain import Chunk, Hit
from ragtime.rerank import rerank


def _hit(text: str, score: float, n: int) -> Hit:
    return Hit(Chunk(f"d{n}", 0, text, 1, 1), f"doc{n}.pdf", score, score, 0.0)


SCATTERED = (
    "The retainer covers hosting. Our team meets every week. Designs are reviewed twice. "
    "Invoices are sent by email. Each monthly report lists the work. Calls are recorded. "
    "Every project has a lead."
)
TOGETHER = (
    "Once the project is done, the monthly retainer is $260. "
    "It includes up to five small content updates."
)


def test_the_passage_that_holds_the_question_words_together_outranks_a_scattered_one() -> None:
    hits = [_hit(SCATTERED, 0.9, 1), _hit(TOGETHER, 0.8, 2), _hit("Rent is due.", 0.7, 3)]
    ranked = rerank("How much is the monthly retainer after the project is done?", hits, 2)
    assert [h.chunk.document_id for h in ranked] == ["d2", "d1"]
    assert ranked[0].score >= ranked[1].score


def test_a_clear_store_favourite_keeps_its_place_when_the_words_are_alike() -> None:
    hits = [_hit(TOGETHER, 0.9, 1), _hit(TOGETHER, 0.2, 2), _hit("Rent is due.", 0.1, 3)]
    ranked = rerank("monthly retainer", hits, 3)
    assert [h.chunk.document_id for h in ranked] == ["d1", "d2", "d3"]


def test_fewer_than_two_hits_are_returned_as_they_are() -> None:
    only = [_hit(TOGETHER, 0.5, 1)]
    assert rerank("retainer", only, 5) == only
    assert rerank("retainer", [], 5) == []


def test_ties_keep_the_store_order_and_k_cuts() -> None:
    hits = [_hit("Alpha beta.", 0.5, n) for n in range(4)]
    assert [h.chunk.document_id for h in rerank("gamma", hits, 3)] == ["d0", "d1", "d2"]
