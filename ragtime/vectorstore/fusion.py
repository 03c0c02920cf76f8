"""Weaviate's relativeScoreFusion, so rankings carry over between stores.

Each leg's scores are min-max normalised over that leg's candidates; the vector
leg is weighted by ``alpha`` and the keyword leg by ``1 - alpha``; a candidate
missing from a leg gets nothing from it. When every candidate of a leg has the
same score, each gets the leg's full weight (as Weaviate does). Ties break on
the raw score of the leg that found the candidate, then on the id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fused:
    key: int
    score: float
    vector_score: float
    keyword_score: float


def _normalised(scores: Mapping[int, float], weight: float) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:
        return dict.fromkeys(scores, weight)
    return {key: weight * (value - low) / (high - low) for key, value in scores.items()}


def relative_score_fusion(
    vector: Mapping[int, float], keyword: Mapping[int, float], alpha: float
) -> list[Fused]:
    """Fuse two legs' raw scores (higher is better); best first."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    from_vector = _normalised(vector, alpha)
    from_keyword = _normalised(keyword, 1.0 - alpha)
    fused = [
        Fused(
            key=key,
            score=from_vector.get(key, 0.0) + from_keyword.get(key, 0.0),
            vector_score=vector.get(key, 0.0),
            keyword_score=keyword.get(key, 0.0),
        )
        for key in {*vector, *keyword}
    ]
    fused.sort(key=lambda f: (-f.score, -max(f.vector_score, f.keyword_score), f.key))
    return fused
