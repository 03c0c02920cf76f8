"""The Embedder port: texts in, unit-length float32 vectors out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(ABC):
    """Turns text into L2-normalised float32 vectors of a fixed dimension.

    Adapters load their model lazily, on the first call, once per process.
    """

    name: str
    dimension: int
    # Below this cosine similarity a passage is not about the question (calibrated per model).
    relevance_floor: float
    # A question word absent from every passage refuses the question when dropping it
    # moves the question's vector by at least this (1 - cosine); None: this model is not
    # calibrated for it, so only missing names refuse (``ragtime.evidence``).
    importance_floor: float | None = None

    @abstractmethod
    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        """Embed passages; returns an array of shape (len(texts), dimension)."""

    def embed_query(self, text: str) -> Vectors:
        """Embed one question; returns an array of shape (dimension,)."""
        return cast(Vectors, self.embed_documents([text])[0])
