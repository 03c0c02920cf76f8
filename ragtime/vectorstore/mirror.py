"""The in-memory copy of the stored vectors that the embedded store searches exactly.

Rows are kept in the order they were written; a document's chunks are written
in one transaction, so each document owns one contiguous range of rows. A
deleted or replaced document's old range is marked dead and compacted away
once dead rows pass a quarter of the matrix.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


class VectorMirror:
    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._vectors: FloatArray = np.zeros((0, dimension), dtype=np.float32)
        self._rowids = np.zeros(0, dtype=np.int64)
        self._doc = np.zeros(0, dtype=np.int64)
        self._alive = np.zeros(0, dtype=bool)
        self._size = 0
        self._dead = 0
        self.ranges: dict[int, tuple[int, int]] = {}

    @property
    def live_rows(self) -> int:
        return self._size - self._dead

    def append(self, doc_key: int, rowids: npt.NDArray[np.int64], vectors: FloatArray) -> None:
        """Add one document's rows (rowids ascending, after every row already held)."""
        n = len(rowids)
        if n == 0:
            return
        self.drop(doc_key)
        self._reserve(self._size + n)
        end = self._size + n
        self._vectors[self._size : end] = vectors
        self._rowids[self._size : end] = rowids
        self._doc[self._size : end] = doc_key
        self._alive[self._size : end] = True
        self.ranges[doc_key] = (self._size, end)
        self._size = end

    def drop(self, doc_key: int) -> None:
        span = self.ranges.pop(doc_key, None)
        if span is not None:
            self._alive[span[0] : span[1]] = False
            self._dead += span[1] - span[0]
        if self._dead > 1024 and self._dead * 4 > self._size:
            self._compact()

    def top(
        self, query: FloatArray, docs: Iterable[int] | None, limit: int
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Rowids and cosine scores of the best ``limit`` live rows of ``docs`` (None: all)."""
        positions, scores = self._scores(query, docs)
        best = np.arange(len(scores))
        if len(scores) > limit:
            best = np.argpartition(-scores, limit - 1)[:limit]
        best = best[np.argsort(-scores[best], kind="stable")]
        best = best[np.isfinite(scores[best])]
        rows = best if positions is None else positions[best]
        return self._rowids[rows], scores[best]

    def _scores(
        self, query: FloatArray, docs: Iterable[int] | None
    ) -> tuple[npt.NDArray[np.int64] | None, FloatArray]:
        """Scores of the rows in scope; positions None means "row i is position i"."""
        if docs is None:
            return None, self._masked(self._vectors[: self._size] @ query, self._alive)
        spans = [self.ranges[d] for d in docs if d in self.ranges]
        if not spans:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if sum(b - a for a, b in spans) * 3 < self._size:
            # Few rows in scope: score only their ranges (views, no copy of the matrix).
            scores = np.concatenate([self._vectors[a:b] @ query for a, b in spans])
            return np.concatenate([np.arange(a, b) for a, b in spans]), scores
        lookup = np.zeros(int(self._doc[: self._size].max(initial=0)) + 1, dtype=bool)
        lookup[[d for d in docs if d < len(lookup)]] = True
        keep = lookup[self._doc[: self._size]] & self._alive[: self._size]
        return None, self._masked(self._vectors[: self._size] @ query, keep)

    def _masked(self, scores: FloatArray, keep: npt.NDArray[np.bool_]) -> FloatArray:
        if self._dead or not keep[: self._size].all():
            scores[~keep[: self._size]] = -np.inf
        return scores

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` rows at once (the first load knows how many)."""
        self._reserve(rows)

    def _reserve(self, rows: int) -> None:
        if rows <= len(self._vectors):
            return
        capacity = max(rows, int(len(self._vectors) * 1.5), 1024)
        for name in ("_vectors", "_rowids", "_doc", "_alive"):
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[: self._size] = old[: self._size]
            setattr(self, name, new)

    def _compact(self) -> None:
        keep = np.flatnonzero(self._alive[: self._size])
        for name in ("_vectors", "_rowids", "_doc", "_alive"):
            setattr(self, name, getattr(self, name)[keep].copy())
        self._size, self._dead = len(keep), 0
        self.ranges = {}
        docs = self._doc[: self._size]
        if self._size:
            starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
            ends = np.r_[starts[1:], self._size]
            self.ranges = {
                int(docs[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)
            }
