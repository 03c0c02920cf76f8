"""The embedded store: scope, idempotency, deletion and several processes at once."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import time
from pathlib import Path

import pytest

from ragtime.domain import Chunk, DocumentInfo, DocumentScope, Scope
from ragtime.embedding.hashing import HashingEmbedder
from ragtime.vectorstore.embedded import EmbeddedStore
from ragtime.vectorstore.index_file import IndexMismatchError

EMBEDDER = HashingEmbedder()


def _store(path: Path) -> EmbeddedStore:
    return EmbeddedStore(path, dimension=EMBEDDER.dimension, embedder=EMBEDDER.name)


def _put(store: EmbeddedStore, doc: str, texts: list[str], scope: DocumentScope) -> None:
    chunks = [Chunk(doc, i, text, i + 1, i + 1) for i, text in enumerate(texts)]
    vectors = EMBEDDER.embed_documents(texts)
    store.replace_document(DocumentInfo(doc, f"{doc}.pdf"), scope, chunks, vectors)


def _ask(store: EmbeddedStore, question: str, scope: Scope | None, k: int = 10) -> list[str]:
    hits = store.search(
        text=question, vector=EMBEDDER.embed_query(question), scope=scope, k=k, alpha=0.5
    )
    return [h.chunk.document_id for h in hits]


def test_a_chunk_shared_in_conversation_a_is_never_returned_for_b(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _put(store, "secret", ["the launch code is 0000"], DocumentScope("T1", frozenset({"A"})))
    _put(store, "public", ["lunch is at noon"], DocumentScope("T1", frozenset({"B"})))
    _put(store, "other-team", ["the launch code"], DocumentScope("T2", frozenset({"B"})))

    assert _ask(store, "what is the launch code", Scope("T1", "B")) == ["public"]
    assert _ask(store, "what is the launch code", Scope("T1", "A")) == ["secret"]
    assert _ask(store, "launch code", Scope("T2", "A")) == []


def test_workspace_wide_documents_reach_every_conversation_of_their_workspace(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path)
    _put(store, "handbook", ["holidays are in august"], DocumentScope("T1", workspace_wide=True))

    assert _ask(store, "when are holidays", Scope("T1", "anywhere")) == ["handbook"]
    assert _ask(store, "when are holidays", Scope("T2", "anywhere")) == []


def test_sharing_a_document_again_widens_its_scope(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _put(store, "doc", ["budget for 2025"], DocumentScope("T1", frozenset({"A"})))
    assert _ask(store, "budget", Scope("T1", "B")) == []

    store.set_scope("doc", DocumentScope("T1", frozenset({"A", "B"})))
    assert _ask(store, "budget", Scope("T1", "B")) == ["doc"]


def test_re_ingesting_a_document_never_duplicates_its_chunks(tmp_path: Path) -> None:
    store = _store(tmp_path)
    scope = DocumentScope("T1", frozenset({"A"}))
    _put(store, "doc", ["one", "two", "three"], scope)
    _put(store, "doc", ["one", "two", "three"], scope)
    assert store.count() == 3
    assert _ask(store, "two", None).count("doc") == 3

    _put(store, "doc", ["only one now"], scope)
    assert store.count() == 1


def test_deleting_a_document_removes_all_its_chunks(tmp_path: Path) -> None:
    store = _store(tmp_path)
    scope = DocumentScope("T1", frozenset({"A"}))
    _put(store, "gone", ["alpha", "beta", "gamma"], scope)
    _put(store, "kept", ["delta"], scope)

    assert store.delete_document("gone") == 3
    assert store.count() == 1
    assert _ask(store, "alpha beta gamma delta", Scope("T1", "A")) == ["kept"]
    assert store.delete_document("gone") == 0


def test_an_index_built_by_another_embedder_is_refused(tmp_path: Path) -> None:
    _store(tmp_path).count()
    with pytest.raises(IndexMismatchError, match="hashing"):
        EmbeddedStore(tmp_path, dimension=384, embedder="all-MiniLM-L6-v2").count()


def _writer(path: str, start: multiprocessing.synchronize.Event, n: int) -> None:
    store = _store(Path(path))
    start.wait()
    for i in range(n):
        _put(
            store,
            f"doc{i}",
            [f"report number {i} about rivers"],
            DocumentScope("T", frozenset({"C"})),
        )


def test_a_searcher_sees_a_writer_process_chunks_without_a_restart(tmp_path: Path) -> None:
    searcher = _store(tmp_path)
    assert _ask(searcher, "rivers", Scope("T", "C")) == []
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writer = context.Process(target=_writer, args=(str(tmp_path), start, 20))
    writer.start()
    start.set()
    deadline = time.monotonic() + 60
    while writer.is_alive() and time.monotonic() < deadline:
        # Every search while the writer works must succeed and see a consistent index.
        found = _ask(searcher, "report about rivers", Scope("T", "C"), k=50)
        assert len(found) == len(set(found))
    writer.join(30)
    assert writer.exitcode == 0
    assert len(_ask(searcher, "report about rivers", Scope("T", "C"), k=50)) == 20


def test_a_reader_never_returns_chunks_replaced_by_another_process(tmp_path: Path) -> None:
    writer, reader = _store(tmp_path), _store(tmp_path)
    scope = DocumentScope("T1", frozenset({"A"}))
    _put(writer, "apples", ["apples ripen in september"], scope)
    _put(writer, "ferry", ["the ferry leaves at seven"], scope)
    assert set(_ask(reader, "ferry", Scope("T1", "A"))) == {"apples", "ferry"}

    # Re-index both (as an admin's re-index does): the reader's old rows are dead now.
    _put(writer, "apples", ["apples ripen in september"], scope)
    _put(writer, "ferry", ["the ferry leaves at seven"], scope)
    hits = reader.search(
        text="ferry", vector=EMBEDDER.embed_query("ferry"), scope=Scope("T1", "A"), k=10, alpha=0.4
    )
    assert sorted(h.chunk.document_id for h in hits) == ["apples", "ferry"]
