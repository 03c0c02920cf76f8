"""A question about something no retrieved passage mentions is refused before any model runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ragtime.domain import Chunk, Hit
from ragtime.embedding import Embedder, Vectors
from ragtime.embedding.hashing import HashingEmbedder
from ragtime.evidence import weigh


def _hits(*texts: str) -> list[Hit]:
    return [Hit(Chunk(f"d{n}", 0, t, 1, 1), "x.pdf", 0.5, 0.5, 1.0) for n, t in enumerate(texts)]


MPFR = _hits(
    "Function: int mpfr_fma (mpfr_t rop, mpfr_t op1, mpfr_t op2, mpfr_t op3, mpfr_rnd_t rnd)",
    "Set rop to (op1 times op2) + op3 rounded in the direction rnd. Use --enable-thread-safe.",
    "MPFR is distributed under the GNU Lesser General Public License, version 3 or later.",
)
GAME = _hits(
    "Each player is dealt 4 Train Car cards. No player may borrow from or lend money to another.",
    "The price of a landing page is $4,820. The monthly retainer is $260.",
)


class _Flat(Embedder):
    """Every text means the same: no single word carries the question."""

    name = "flat"
    dimension = 2
    importance_floor = 0.1

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        return np.tile(np.array([1.0, 0.0], dtype=np.float32), (len(texts), 1))


class _Strict(HashingEmbedder):
    """Every word the passages lack refuses the question (a floor of zero)."""

    importance_floor = 0.0


def test_a_name_the_passages_never_mention_is_refused() -> None:
    evidence = weigh("What does mpfr_fma_ui return?", MPFR, HashingEmbedder())
    assert evidence.unsupported
    assert evidence.missing_names == ("mpfr_fma_ui",)


def test_names_and_options_that_are_there_are_supported() -> None:
    embedder = HashingEmbedder()
    assert not weigh("What does mpfr_fma do?", MPFR, embedder).unsupported
    assert not weigh("What does --enable-thread-safe change?", MPFR, embedder).unsupported
    assert weigh("What does --disable-gmp-internals do?", MPFR, embedder).missing_names
    assert weigh("Does MPFR build with CMake?", MPFR, embedder).missing_names == ("CMake",)


class _Carries(Embedder):
    """A text's meaning is whether it contains ``word``: that word carries every question."""

    name = "carries"
    dimension = 2
    importance_floor = 0.1

    def __init__(self, word: str) -> None:
        self.word = word

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        rows = [[1.0, 1.0] if self.word in t else [1.0, 0.0] for t in texts]
        vectors = np.array(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_content_word_absent_from_every_passage_is_refused() -> None:
    evidence = weigh("How many tunnels does each player get?", GAME, _Carries("tunnels"))
    assert evidence.missing_words == ("tunnels",)
    assert evidence.unsupported
    # The same word, present in a passage, is evidence enough.
    assert not weigh(
        "How many tunnels?", _hits("Tunnels are grey routes."), _Carries("tunnels")
    ).unsupported


def test_typos_and_spelling_variants_are_not_missing_words() -> None:
    embedder = _Strict()
    for question in (
        "whats the pric of a landing page?",
        "how many trian car cards is each player dealt?",
        "can players lend monney to each other?",
        "which licence is MPFR under?",
        "who deals the train car cards?",
    ):
        evidence = weigh(question, GAME + MPFR, embedder)
        assert not evidence.unsupported, (question, evidence)
    # Further away, it is another word.
    assert weigh("whats the refund on a landing page?", GAME, embedder).missing_words == ("refund",)


def test_words_that_only_shape_the_question_are_not_topics() -> None:
    evidence = weigh("How long and how often is the monthly retainer?", GAME, _Strict())
    assert not evidence.unsupported


def test_an_embedder_without_a_calibrated_floor_checks_names_only() -> None:
    plain = HashingEmbedder()
    assert plain.importance_floor is None
    assert not weigh("How many tunnels does each player get?", GAME, plain).unsupported
    assert weigh("What does mpfr_fma_ui return?", MPFR, plain).missing_names


def test_a_word_that_does_not_change_the_question_does_not_refuse_it() -> None:
    # "credited" is absent, but (with this embedder) the question means the same without it.
    assert not weigh("Who is credited with the monthly retainer?", GAME, _Flat()).unsupported
    carried = weigh("Who is credited with the monthly retainer?", GAME, _Carries("credited"))
    assert carried.missing_words == ("credited",)


def test_no_candidates_is_not_evidence_of_anything() -> None:
    assert not weigh("anything at all?", [], HashingEmbedder()).unsupported


def test_words_that_ask_for_a_kind_of_answer_are_not_topics() -> None:
    kiln = _hits("The kiln is fired on Tuesdays.")
    assert not weigh("Which day is the kiln fired?", kiln, _Strict()).unsupported
    assert not weigh("What time is the kiln fired?", kiln, _Strict()).unsupported
    glaze = _hits("Celadon glaze is fired at 1,280 degrees.")
    assert not weigh("What temperature is celadon fired at?", glaze, _Strict()).unsupported
