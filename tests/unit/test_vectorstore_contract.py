"""One contract for the VectorStore port, run against every adapter.

The embedded store; the Weaviate adapter against the local Weaviate stand-in (REST +
gRPC built from the client's own stubs); and the Weaviate adapter against a real
server when RAGTIME_TEST_WEAVIATE_URL is set (RAGTIME_TEST_WEAVIATE_GRPC_URL and
RAGTIME_TEST_WEAVIATE_API_KEY as needed), each test in a collection of its own.

Vectors are written by hand (dimension 4), so the hybrid ranking can be computed
by hand with relativeScore fusion: each leg min-max normalised, the vector leg
weighted alpha, the keyword leg 1 - alpha.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from ragtime.domain import Chunk, DocumentInfo, DocumentScope, Scope
from ragtime.errors import IndexMismatchError
from ragtime.vectorstore import VectorStore
from ragtime.vectorstore.embedded import EmbeddedStore
from ragtime.vectorstore.weaviate import WeaviateStore

DIM = 4
EMBEDDER = "contract-vectors"
E1 = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
B_VEC = np.array([0.8, 0.6, 0.0, 0.0], dtype=np.float32)
E3 = np.array([0.0, 0.0, 1.0, 0.0], dtype=np.float32)

StoreFactory = Callable[..., VectorStore]


def _embedded(tmp_path: Path) -> Iterator[StoreFactory]:
    def make(embedder: str = EMBEDDER, dimension: int = DIM) -> VectorStore:
        return EmbeddedStore(tmp_path / "index", dimension=dimension, embedder=embedder)

    yield make


def _weaviate(url: str, grpc_url: str | None, api_key: str | None) -> Iterator[StoreFactory]:
    collection = f"Contract{uuid.uuid4().hex[:12]}"
    made: list[WeaviateStore] = []

    def make(embedder: str = EMBEDDER, dimension: int = DIM) -> VectorStore:
        store = WeaviateStore(
            url=url, grpc_url=grpc_url, api_key=api_key, collection=collection,
            embedder=embedder, dimension=dimension,
        )  # fmt: skip
        made.append(store)
        return store

    yield make
    if made:
        made[0].reset()  # then drop it for good
        made[0]._connected().collections.delete(collection)
    for store in made:
        store.close()


@pytest.fixture(params=["embedded", "weaviate-standin", "weaviate-server"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    if request.param == "embedded":
        yield from _embedded(tmp_path)
    elif request.param == "weaviate-standin":
        from tests.standins.weaviate import WeaviateStandIn

        with WeaviateStandIn() as standin:
            yield from _weaviate(standin.http_url, standin.grpc_url, None)
    else:
        url = os.environ.get("RAGTIME_TEST_WEAVIATE_URL")
        if not url:
            pytest.skip("set RAGTIME_TEST_WEAVIATE_URL to run the contract against a real Weaviate")
        yield from _weaviate(
            url,
            os.environ.get("RAGTIME_TEST_WEAVIATE_GRPC_URL"),
            os.environ.get("RAGTIME_TEST_WEAVIATE_API_KEY"),
        )


@pytest.fixture
def store(make_store: StoreFactory) -> VectorStore:
    return make_store()


def put(
    store: VectorStore,
    doc: str,
    texts: list[str],
    vectors: list[np.ndarray] | None,
    scope: DocumentScope,
) -> None:
    chunks = [Chunk(doc, i, text, i + 1, i + 1) for i, text in enumerate(texts)]
    matrix = np.stack(vectors) if vectors else np.tile(E3, (len(texts), 1))
    store.replace_document(
        DocumentInfo(doc, f"{doc}.pdf", f"https://x/{doc}"), scope, chunks, matrix
    )


def ask(
    store: VectorStore,
    text: str,
    vector: np.ndarray,
    scope: Scope,
    *,
    k: int = 10,
    alpha: float = 0.5,
) -> list[str]:
    return [
        h.chunk.document_id
        for h in store.search(text=text, vector=vector, scope=scope, k=k, alpha=alpha)
    ]


IN_A = DocumentScope("T1", frozenset({"C-A"}))


def test_hybrid_ranking_matches_relative_score_fusion_by_hand(store: VectorStore) -> None:
    put(store, "apple", ["apple banana cherry"], [E1], IN_A)
    put(store, "dog", ["dog elephant fox"], [B_VEC], IN_A)
    put(store, "grape", ["grape horse iguana"], [E3], IN_A)

    hits = store.search(text="elephant", vector=E1, scope=Scope("T1", "C-A"), k=3, alpha=0.5)

    # vector leg: apple 1.0, dog 0.8, grape 0.0 -> x0.5; keyword leg: only dog -> 0.5.
    assert [h.chunk.document_id for h in hits] == ["dog", "apple", "grape"]
    assert [round(h.score, 3) for h in hits] == [0.9, 0.5, 0.0]
    assert [round(h.vector_score, 3) for h in hits] == [0.8, 1.0, 0.0]
    assert hits[0].title == "dog.pdf" and hits[0].link == "https://x/dog"
    assert (hits[0].chunk.page_start, hits[0].chunk.text) == (1, "dog elephant fox")
    # More weight on the vector leg: apple 0.9 beats dog 0.72 + 0.1.
    assert ask(store, "elephant", E1, Scope("T1", "C-A"), k=2, alpha=0.9) == ["apple", "dog"]
    # Keyword leg only: just the chunk that has the word.
    assert ask(store, "elephant", E1, Scope("T1", "C-A"), alpha=0.0) == ["dog"]
    assert ask(store, "elephant", E1, Scope("T1", "C-A"), k=1) == ["dog"]


def test_a_forbidden_document_never_appears_even_when_it_would_rank_first(
    store: VectorStore,
) -> None:
    put(
        store,
        "secret",
        ["the launch code is elephant"],
        [E1],
        DocumentScope("T1", frozenset({"C-X"})),
    )
    put(store, "public", ["lunch is at noon"], [E3], IN_A)

    for alpha in (0.0, 0.5, 1.0):
        assert ask(store, "launch code elephant", E1, Scope("T1", "C-A"), alpha=alpha) in (
            ["public"],
            [],
        )
    assert ask(store, "launch code elephant", E1, Scope("T1", "C-X"))[0] == "secret"


# Where each document was shared: a public channel, a private channel, a DM, a Slack
# Connect channel (stored under the installed workspace), published workspace-wide, and
# another workspace's document in a conversation with the same id as ours.
MATRIX = {
    "public": DocumentScope("T1", frozenset({"C-PUBLIC"})),
    "private": DocumentScope("T1", frozenset({"G-PRIVATE"})),
    "dm": DocumentScope("T1", frozenset({"D-ALICE"})),
    "connect": DocumentScope("T1", frozenset({"C-CONNECT"})),
    "published": DocumentScope("T1", frozenset(), workspace_wide=True),
    "theirs": DocumentScope("T2", frozenset({"C-PUBLIC"})),
}
# Who may see what, asked from each place (None: the workspace operator's view).
ALLOWED = {
    ("T1", "C-PUBLIC"): {"public", "published"},
    ("T1", "G-PRIVATE"): {"private", "published"},
    ("T1", "D-ALICE"): {"dm", "published"},
    ("T1", "C-CONNECT"): {"connect", "published"},
    ("T1", "C-ELSEWHERE"): {"published"},
    ("T1", None): {"public", "private", "dm", "connect", "published"},
    ("T2", "C-PUBLIC"): {"theirs"},
    ("T3", "C-PUBLIC"): set(),
}


@pytest.mark.parametrize("favoured", [*MATRIX, None])
def test_the_scope_matrix_holds_even_when_a_forbidden_document_ranks_first(
    store: VectorStore, favoured: str | None
) -> None:
    """Every document holds the same words; ``favoured`` also matches the query's vector
    exactly (best on both legs), so wherever it is forbidden it would otherwise lead."""
    for doc, scope in MATRIX.items():
        vector = E1 if doc == favoured else B_VEC
        put(
            store, doc, [f"the travel budget is secret {doc}", "travel budget"], [vector] * 2, scope
        )

    for (team, conversation), allowed in ALLOWED.items():
        for alpha in (0.0, 0.5, 1.0):
            found = ask(store, "travel budget", E1, Scope(team, conversation), alpha=alpha)
            assert set(found) == allowed, (team, conversation, alpha, found)
            if favoured in allowed and alpha > 0:  # the keyword leg alone ties them
                assert found[0] == favoured


def test_two_workspaces_never_see_each_other(store: VectorStore) -> None:
    put(store, "ours", ["quarterly budget"], [E1], DocumentScope("T1", frozenset({"C1"}), True))
    put(store, "theirs", ["quarterly budget"], [E1], DocumentScope("T2", frozenset({"C1"}), True))

    assert ask(store, "quarterly budget", E1, Scope("T1", "C1")) == ["ours"]
    assert ask(store, "quarterly budget", E1, Scope("T2", "C1")) == ["theirs"]
    assert ask(store, "quarterly budget", E1, Scope("T3", "C1")) == []
    assert ask(store, "quarterly budget", E1, Scope("T2", None)) == ["theirs"]


def test_published_documents_reach_every_conversation_of_their_workspace(
    store: VectorStore,
) -> None:
    put(
        store,
        "handbook",
        ["holidays are in august"],
        [E1],
        DocumentScope("T1", workspace_wide=True),
    )

    assert ask(store, "holidays", E1, Scope("T1", "anywhere")) == ["handbook"]
    assert ask(store, "holidays", E1, Scope("T2", "anywhere")) == []


def test_set_scope_widens_and_narrows_every_chunk(store: VectorStore) -> None:
    put(store, "doc", ["budget one", "budget two", "budget three"], [E1, E1, E1], IN_A)

    store.set_scope("doc", DocumentScope("T1", frozenset({"C-A", "C-B"})))
    assert ask(store, "budget", E1, Scope("T1", "C-B")) == ["doc"] * 3

    store.set_scope("doc", DocumentScope("T1", frozenset({"C-B"})))
    assert ask(store, "budget", E1, Scope("T1", "C-A")) == []
    assert ask(store, "budget", E1, Scope("T1", "C-B")) == ["doc"] * 3


def test_re_ingesting_replaces_and_a_shorter_document_loses_its_extra_chunks(
    store: VectorStore,
) -> None:
    five = [f"section {i} of the manual" for i in range(5)]
    put(store, "manual", five, [E1] * 5, IN_A)
    put(store, "manual", five, [E1] * 5, IN_A)
    put(store, "other", ["unrelated"], [E3], IN_A)
    assert store.count() == 6

    put(store, "manual", ["section 0 rewritten", "section 1 rewritten"], [E1, E1], IN_A)

    assert store.count() == 3
    hits = store.search(text="section manual", vector=E1, scope=Scope("T1", "C-A"), k=10, alpha=0.5)
    manual = sorted(
        (h.chunk.ordinal, h.chunk.text) for h in hits if h.chunk.document_id == "manual"
    )
    assert manual == [(0, "section 0 rewritten"), (1, "section 1 rewritten")]


def test_delete_removes_every_chunk_and_only_that_document(store: VectorStore) -> None:
    put(store, "gone", ["a", "b", "c"], [E1, E1, E1], IN_A)
    put(store, "kept", ["d"], [E1], IN_A)

    assert store.delete_document("gone", team_id="T1") == 3
    assert store.count() == 1
    assert ask(store, "a b c d", E1, Scope("T1", "C-A")) == ["kept"]
    assert store.delete_document("gone", team_id="T1") == 0
    assert store.delete_document("kept") == 1  # workspace not known: found anyway


def test_the_index_lists_each_workspaces_documents_with_their_stored_scope(
    store: VectorStore,
) -> None:
    put(store, "one", ["a", "b"], [E1, E1], IN_A)
    put(store, "two", ["c"], [E1], DocumentScope("T1", frozenset(), workspace_wide=True))
    put(store, "elsewhere", ["d"], [E1], DocumentScope("T2", frozenset({"C-X"})))
    store.set_scope("one", DocumentScope("T1", frozenset({"C-A", "C-B"})))

    assert store.document_scopes("T1") == {
        "one": DocumentScope("T1", frozenset({"C-A", "C-B"})),
        "two": DocumentScope("T1", frozenset(), workspace_wide=True),
    }
    assert set(store.document_scopes("T2")) == {"elsewhere"}
    store.delete_document("one", team_id="T1")
    assert set(store.document_scopes("T1")) == {"two"}
    assert store.document_scopes("T-NOBODY") == {}


def test_an_index_built_by_another_embedder_is_refused_until_reset(
    make_store: StoreFactory,
) -> None:
    first = make_store()
    put(first, "doc", ["text"], [E1], IN_A)
    first.close()

    other = make_store(embedder="another-model", dimension=DIM)
    with pytest.raises(IndexMismatchError, match=r"reindex all"):
        other.check()
    other.close()
    wider = make_store(dimension=8)
    with pytest.raises(IndexMismatchError, match=r"contract-vectors/4"):
        wider.search(
            text="text",
            vector=np.ones(8, dtype=np.float32),
            scope=Scope("T1", "C-A"),
            k=1,
            alpha=0.5,
        )

    wider.reset()
    assert wider.count() == 0
    wider.check()
