"""The VectorStore port: chunks with their vectors and scope in, scoped hybrid search out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ragtime.domain import Chunk, DocumentInfo, DocumentScope, Hit, Scope
from ragtime.errors import IndexMismatchError

__all__ = ["IndexMismatchError", "VectorStore", "mismatch_sentence"]


def mismatch_sentence(where: str, found: str, wanted: str) -> str:
    """What a person is told when the index was built by another embedder."""
    return (
        f"The index {where} was built with the {found} embedder, not the configured "
        f"{wanted}; an admin must run `/ragtime reindex all` to rebuild it."
    )


class VectorStore(ABC):
    """Stores chunks, their vectors and who may see them; searches within a scope.

    Search is hybrid with Weaviate's relativeScoreFusion semantics, so a ranking
    carries over when a team moves from the embedded store to Weaviate. An index
    records the embedder (name and dimension) that built it; opening it with another
    raises ``IndexMismatchError`` until ``reset`` empties it.
    """

    @abstractmethod
    def replace_document(
        self,
        document: DocumentInfo,
        scope: DocumentScope,
        chunks: Sequence[Chunk],
        vectors: npt.NDArray[np.float32],
    ) -> None:
        """Make ``chunks`` the document's only chunks (atomic; deterministic ids)."""

    @abstractmethod
    def set_scope(self, document_id: str, scope: DocumentScope) -> None:
        """Change where a document may be retrieved (shared again, published)."""

    @abstractmethod
    def delete_document(self, document_id: str, *, team_id: str | None = None) -> int:
        """Remove every chunk of a document; returns how many were removed.

        ``team_id`` is the document's workspace when known (None: look in every one).
        """

    @abstractmethod
    def search(
        self,
        *,
        text: str,
        vector: npt.NDArray[np.float32],
        scope: Scope | None,
        k: int,
        alpha: float,
    ) -> list[Hit]:
        """Best ``k`` chunks visible in ``scope``, best first.

        ``scope.conversation`` None is the workspace operator's view (all its
        documents); ``scope`` None is every chunk of an embedded index (benchmarks).

        ``alpha`` weights the vector leg, ``1 - alpha`` the keyword (BM25) leg.
        """

    @abstractmethod
    def document_scopes(self, team_id: str) -> dict[str, DocumentScope]:
        """Every document of workspace ``team_id`` the index holds, with its stored scope.

        What the reconcile compares with the database (``worker.reconciling``).
        """

    @abstractmethod
    def count(self) -> int:
        """How many chunks are stored."""

    def check(self) -> None:
        """Open the index now; raises ``IndexMismatchError`` or ``ServiceError`` if unusable."""
        self.count()

    @abstractmethod
    def reset(self) -> None:
        """Remove every chunk of every workspace and record the configured embedder.

        The way out of ``IndexMismatchError``: the originals are then indexed again.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""
