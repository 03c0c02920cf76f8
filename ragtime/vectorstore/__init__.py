"""The VectorStore port: chunks with their vectors and scope in, scoped hybrid search out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ragtime.domain import Chunk, DocumentInfo, DocumentScope, Hit, Scope


class VectorStore(ABC):
    """Stores chunks, their vectors and who may see them; searches within a scope.

    Search is hybrid with Weaviate's relativeScoreFusion semantics, so a ranking
    carries over when a team moves from the embedded store to Weaviate.
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
    def delete_document(self, document_id: str) -> int:
        """Remove every chunk of a document; returns how many were removed."""

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
        """Best ``k`` chunks visible in ``scope`` (None: every chunk, for operators).

        ``alpha`` weights the vector leg, ``1 - alpha`` the keyword (BM25) leg.
        """

    @abstractmethod
    def count(self) -> int:
        """How many chunks are stored."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""
