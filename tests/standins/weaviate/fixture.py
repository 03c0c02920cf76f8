"""Pytest fixture: a started `WeaviateStandIn` per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import WeaviateStandIn


@pytest.fixture
def weaviate_standin() -> Iterator[WeaviateStandIn]:
    """A running stand-in (latest defaults, no API key); stopped after the test."""
    with WeaviateStandIn() as server:
        yield server
