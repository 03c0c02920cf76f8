"""An embedding cache: identical text is never embedded twice by the same model.

The same PDF shared in several channels, a licence appendix repeated in every manual,
a re-index whose chunking did not change: each text is embedded once and then read
from one SQLite file (WAL: several worker processes share it), keyed by the model
(name and dimension) and a hash of the exact text. A vector in the cache is exactly
the one the model gave, so cached and fresh answers are the same.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ragtime.embedding import Embedder, Vectors

SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, text_hash BLOB NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)) WITHOUT ROWID;
"""
# SQLite allows this many parameters in one statement (older builds: 999).
_LOOKUP_BATCH = 500


class CachedEmbedder(Embedder):
    """``inner``, with every vector it makes kept in ``path``."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner, self.path = inner, Path(path)
        self.name, self.dimension = inner.name, inner.dimension
        self.relevance_floor = inner.relevance_floor
        self.importance_floor = inner.importance_floor
        self.model_key = f"{inner.name}/{inner.dimension}"
        self.hits = self.misses = 0
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return self.inner.embed_documents(texts)
        keys = [_key(text) for text in texts]
        found = self._lookup(set(keys))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            fresh = self.inner.embed_documents(missing)
            made = {_key(text): vector for text, vector in zip(missing, fresh, strict=True)}
            self._store(made)
            found |= made
        with self._lock:
            self.misses += len(missing)
            self.hits += len(texts) - len(missing)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _lookup(self, keys: set[bytes]) -> dict[bytes, Vectors]:
        wanted, found = list(keys), {}
        with self._lock:
            conn = self._connection()
            for start in range(0, len(wanted), _LOOKUP_BATCH):
                part = wanted[start : start + _LOOKUP_BATCH]
                rows = conn.execute(
                    f"SELECT text_hash, vector FROM vectors WHERE model = ? AND text_hash IN"
                    f" ({','.join('?' * len(part))})",
                    [self.model_key, *part],
                ).fetchall()
                found.update(
                    {bytes(key): np.frombuffer(blob, dtype=np.float32) for key, blob in rows}
                )
        return found

    def _store(self, made: dict[bytes, Vectors]) -> None:
        rows = [
            (self.model_key, key, np.asarray(v, np.float32).tobytes()) for key, v in made.items()
        ]
        with self._lock:
            conn = self._connection()
            conn.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", rows)
            conn.commit()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(SCHEMA)
            self._conn = conn
        return self._conn


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
