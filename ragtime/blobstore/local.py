"""Originals in a local folder (the laptop size)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ragtime.blobstore import BlobStore, check_key


class LocalBlobStore(BlobStore):
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / check_key(key)
