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
        if len(scores) > limit:
            best = np.argpartition(-scores, limit - 1)[:limit]
            positions, scores = positions[best], scores[best]
        order = np.argsort(-scores, kind="stable")
        return self._rowids[positions[order]], scores[order]

    def _scores(
        self, query: FloatArray, docs: Iterable[int] | None
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        spans = (
            [(0, self._size)]
            if docs is None
            else [self.ranges[d] for d in docs if d in self.ranges]
        )
        covered = sum(b - a for a, b in spans)
        if docs is not None and covered * 3 < self._size:
            # Few rows in scope: score only their ranges (views, no copy of the matrix).
            if not spans:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            scores = np.concatenate([self._vectors[a:b] @ query for a, b in spans])
            return np.concatenate([np.arange(a, b) for a, b in spans]), scores
        scores = self._vectors[: self._size] @ query
        keep = self._alive[: self._size].copy()
        if docs is not None:
            lookup = np.zeros(int(self._doc[: self._size].max(initial=0)) + 1, dtype=bool)
            wanted = [d for d in docs if d < len(lookup)]
            lookup[wanted] = True
            keep &= lookup[self._doc[: self._size]]
        positions = np.flatnonzero(keep)
        return positions, scores[positions]

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
