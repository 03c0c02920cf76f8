"""The BlobStore port: where the original bytes of every document are kept."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


def check_key(key: str) -> str:
    """``key`` if it is one to three safe path segments (no "..", no leading "/")."""
    segments = key.split("/")
    if not 1 <= len(segments) <= 3 or not all(_SEGMENT.match(s) for s in segments):
        raise ValueError(f"unsafe blob key {key!r}")
    return key


def original_key(team_id: str, document_id: str) -> str:
    """Where a document's original is kept: by workspace, then document."""
    return check_key(f"{team_id}/{document_id}.pdf")


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
