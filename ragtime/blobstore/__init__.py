"""The BlobStore port: where the original bytes of every document are kept."""

from __future__ import annotations

from abc import ABC, abstractmethod


class BlobStore(ABC):
    """Keeps originals so an admin can re-index without asking Slack again."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing what was there."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """Return the bytes under ``key``; raises KeyError when there are none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Forget ``key``; no error when it is already gone."""
