"""The embedded vector store: one SQLite file (FTS5 for BM25) plus exact numpy search.

Several processes may use one index at once: SQLite in WAL mode serialises the
writers, and every search first reads the change log inside its own read
transaction, so a searcher sees a worker's new chunks without a restart and
its vector and keyword legs always look at the same snapshot.

Scope is enforced inside both legs: the vector leg scores only the rows of
visible documents, and the keyword leg's FTS5 query must match one of the
asker's scope tokens, which every chunk carries in a zero-weight column.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ragtime.domain import Chunk, DocumentInfo, DocumentScope, Hit, Scope
from ragtime.vectorstore import VectorStore
from ragtime.vectorstore.catalog import Catalog, DocumentRow
from ragtime.vectorstore.fts import keyword_leg, scope_tokens
from ragtime.vectorstore.fusion import Fused, relative_score_fusion
from ragtime.vectorstore.index_file import open_index
from ragtime.vectorstore.mirror import VectorMirror


class EmbeddedStore(VectorStore):
    """Persistent at ``directory``; vectors are exact float32, searched with numpy."""

    def __init__(
        self, directory: Path, *, dimension: int, embedder: str, candidates: int = 100
    ) -> None:
        self.path = Path(directory) / "chunks.sqlite3"
        self.dimension, self.embedder, self.candidates = dimension, embedder, candidates
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._mirror = VectorMirror(dimension)
        self._catalog = Catalog()
        self._seen_seq = 0

    # -- writes ---------------------------------------------------------------

    def replace_document(
        self,
        document: DocumentInfo,
        scope: DocumentScope,
        chunks: Sequence[Chunk],
        vectors: npt.NDArray[np.float32],
    ) -> None:
        if vectors.shape != (len(chunks), self.dimension):
            raise ValueError(f"expected vectors of shape {(len(chunks), self.dimension)}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._write() as conn:
            doc_key = self._save_document(conn, document, scope)
            _delete_chunks(conn, doc_key)
            conn.executemany(
                "INSERT INTO chunks (chunk_id, doc_key, ordinal, page_start, page_end, text,"
                " vector) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (c.chunk_id, doc_key, c.ordinal, c.page_start, c.page_end, c.text, v.tobytes())
                    for c, v in zip(chunks, vectors, strict=True)
                ],
            )
            conn.execute(
                "INSERT INTO chunks_fts (rowid, text, scope) "
                "SELECT rowid, text, ? FROM chunks WHERE doc_key = ?",
                (scope_tokens(scope), doc_key),
            )
            conn.execute("INSERT INTO changes (doc_key) VALUES (?)", (doc_key,))

    def set_scope(self, document_id: str, scope: DocumentScope) -> None:
        with self._write() as conn:
            row = conn.execute(
                "SELECT doc_key FROM documents WHERE document_id = ?", (document_id,)
            ).fetchone()
            if row is None:
                raise KeyError(document_id)
            conn.execute(
                "UPDATE documents SET team_id = ?, conversations = ?, workspace_wide = ? "
                "WHERE doc_key = ?",
                (
                    scope.team_id,
                    json.dumps(sorted(scope.conversations)),
                    scope.workspace_wide,
                    row[0],
                ),
            )
            conn.execute(
                "UPDATE chunks_fts SET scope = ? "
                "WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_key = ?)",
                (scope_tokens(scope), row[0]),
            )
            conn.execute("INSERT INTO changes (doc_key) VALUES (?)", (row[0],))

    def delete_document(self, document_id: str, *, team_id: str | None = None) -> int:
        with self._write() as conn:
            row = conn.execute(
                "SELECT doc_key FROM documents WHERE document_id = ?", (document_id,)
            ).fetchone()
            if row is None:
                return 0
            removed = _delete_chunks(conn, row[0])
            conn.execute("DELETE FROM documents WHERE doc_key = ?", (row[0],))
            conn.execute("INSERT INTO changes (doc_key) VALUES (?)", (row[0],))
            return removed

    # -- reads ----------------------------------------------------------------

    def search(
        self,
        *,
        text: str,
        vector: npt.NDArray[np.float32],
        scope: Scope | None,
        k: int,
        alpha: float,
    ) -> list[Hit]:
        limit = max(k, self.candidates)
        with self._read() as conn:
            self._refresh(conn)
            docs = None if scope is None else self._catalog.visible(scope)
            if docs is not None and not docs:
                return []
            vector_leg: dict[int, float] = {}
            if alpha > 0.0:
                query = np.asarray(vector, dtype=np.float32)
                rowids, scores = self._mirror.top(query, docs, limit)
                vector_leg = dict(zip(rowids.tolist(), scores.tolist(), strict=True))
            keyword_scores = (
                keyword_leg(conn, text, scope, limit, self._mirror.live_rows) if alpha < 1.0 else {}
            )
            fused = relative_score_fusion(vector_leg, keyword_scores, alpha)[:k]
            return self._hits(conn, fused)

    def document_scopes(self, team_id: str) -> dict[str, DocumentScope]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT document_id, conversations, workspace_wide FROM documents"
                " WHERE team_id = ?",
                (team_id,),
            ).fetchall()
        return {
            str(document_id): DocumentScope(
                team_id, frozenset(json.loads(conversations)), bool(workspace_wide)
            )
            for document_id, conversations, workspace_wide in rows
        }

    def count(self) -> int:
        with self._read() as conn:
            return int(conn.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def reset(self) -> None:
        with self._lock:
            self.close()
            self._conn = open_index(self.path, self._embedder_key, reset=True)

    def documents(self) -> list[DocumentRow]:
        with self._read() as conn:
            self._refresh(conn)
            return self._catalog.rows()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- internals --------------------------------------------------------------

    @property
    def _embedder_key(self) -> str:
        return f"{self.embedder}/{self.dimension}"

    def _refresh(self, conn: sqlite3.Connection) -> None:
        """Bring the in-memory mirror up to this transaction's snapshot."""
        if self._seen_seq == 0:
            self._mirror.reserve(conn.execute("SELECT count(*) FROM chunks").fetchone()[0])
        changed = conn.execute(
            "SELECT doc_key, max(seq) FROM changes WHERE seq > ? GROUP BY doc_key",
            (self._seen_seq,),
        ).fetchall()
        for doc_key, seq in changed:
            self._catalog.load(conn, doc_key)
            self._mirror.drop(doc_key)
            rows = conn.execute(
                "SELECT rowid, vector FROM chunks WHERE doc_key = ? ORDER BY rowid", (doc_key,)
            ).fetchall()
            if rows:
                rowids = np.array([r[0] for r in rows], dtype=np.int64)
                matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
                self._mirror.append(doc_key, rowids, matrix.reshape(len(rows), self.dimension))
            self._seen_seq = max(self._seen_seq, seq)

    def _hits(self, conn: sqlite3.Connection, fused: list[Fused]) -> list[Hit]:
        if not fused:
            return []
        marks = ",".join("?" * len(fused))
        rows = {
            r[0]: r
            for r in conn.execute(
                "SELECT rowid, doc_key, ordinal, page_start, page_end, text FROM chunks "
                f"WHERE rowid IN ({marks})",
                [f.key for f in fused],
            )
        }
        hits = []
        for f in fused:
            _, doc_key, ordinal, page_start, page_end, text = rows[f.key]
            doc = self._catalog.get(doc_key)
            chunk = Chunk(doc.document_id, ordinal, text, page_start, page_end)
            hits.append(Hit(chunk, doc.title, f.score, f.vector_score, f.keyword_score, doc.link))
        return hits

    def _save_document(
        self, conn: sqlite3.Connection, document: DocumentInfo, scope: DocumentScope
    ) -> int:
        conn.execute(
            "INSERT INTO documents (document_id, title, link, team_id, conversations,"
            " workspace_wide) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (document_id) DO UPDATE SET"
            " title = excluded.title, link = excluded.link, team_id = excluded.team_id,"
            " conversations = excluded.conversations, workspace_wide = excluded.workspace_wide",
            (
                document.document_id,
                document.title,
                document.link,
                scope.team_id,
                json.dumps(sorted(scope.conversations)),
                scope.workspace_wide,
            ),
        )
        row = conn.execute(
            "SELECT doc_key FROM documents WHERE document_id = ?", (document.document_id,)
        ).fetchone()
        return int(row[0])

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = open_index(self.path, self._embedder_key)
        return self._conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


def _delete_chunks(conn: sqlite3.Connection, doc_key: int) -> int:
    conn.execute(
        "DELETE FROM chunks_fts WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_key = ?)",
        (doc_key,),
    )
    return conn.execute("DELETE FROM chunks WHERE doc_key = ?", (doc_key,)).rowcount
