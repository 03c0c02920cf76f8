import pytest

from ragtime.vectorstore.fusion import relative_score_fusion


def test_relative_score_fusion_matches_a_hand_computed_example() -> None:
    # vector leg: min 0.2, max 0.8 -> a: 1.0, b: 0.5, c: 0.0
    vector = {1: 0.8, 2: 0.5, 3: 0.2}
    # keyword leg: min 1, max 11 -> b: 1.0, d: 0.7, c: 0.0   (Weaviate's own example values)
    keyword = {2: 11.0, 4: 8.0, 3: 1.0}
    fused = relative_score_fusion(vector, keyword, alpha=0.75)

    scores = {f.key: f.score for f in fused}
    assert scores[1] == pytest.approx(0.75 * 1.0)
    assert scores[2] == pytest.approx(0.75 * 0.5 + 0.25 * 1.0)
    assert scores[3] == pytest.approx(0.0)
    assert scores[4] == pytest.approx(0.25 * 0.7)
    assert [f.key for f in fused] == [1, 2, 4, 3]


def test_a_leg_whose_scores_are_all_equal_gives_its_full_weight() -> None:
    fused = relative_score_fusion({1: 0.4}, {1: 3.0, 2: 3.0}, alpha=0.6)
    scores = {f.key: f.score for f in fused}
    assert scores == pytest.approx({1: 1.0, 2: 0.4})


def test_alpha_one_is_pure_vector_and_zero_pure_keyword() -> None:
    vector, keyword = {1: 0.9, 2: 0.1}, {2: 5.0, 1: 1.0}
    assert [f.key for f in relative_score_fusion(vector, keyword, 1.0)] == [1, 2]
    assert [f.key for f in relative_score_fusion(vector, keyword, 0.0)] == [2, 1]


def test_raw_scores_of_each_leg_are_kept() -> None:
    (only,) = relative_score_fusion({7: 0.33}, {}, 0.5)
    assert (only.vector_score, only.keyword_score) == (0.33, 0.0)


def test_alpha_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="alpha"):
        relative_score_fusion({}, {}, 1.5)
