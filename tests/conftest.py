"""Shared fixtures. Unit tests use the hashing embedder: no model, no server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ragtime.bootstrap import Services, build_services
from ragtime.embedding.hashing import HashingEmbedder
from ragtime.settings import Settings, load_settings

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own RAGTIME_* variables must not change what tests see.
    import os

    for key in list(os.environ):
        if key.startswith("RAGTIME_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", embedder="hashing")


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings, embedder=HashingEmbedder())
    yield built
    built.close()
