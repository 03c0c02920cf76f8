"""Failures of the services the core depends on, each with one sentence for a person.

Adapters turn their client's exceptions into these at their edge; the worker and the
``ragtime`` command show ``str(exc)`` as it is. The sentence never holds a secret.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A vector store, model or blob store failed; ``str(exc)`` says what and what to do.

    ``transient`` is True when the same call may well work later (unreachable,
    throttled), so background work such as an ingest may retry it.
    """

    transient = False

    def __init__(self, message: str, *, transient: bool | None = None) -> None:
        super().__init__(message)
        if transient is not None:
            self.transient = transient


class ServiceUnavailableError(ServiceError):
    """The service could not be reached or is overloaded for now."""

    transient = True


class IndexMismatchError(ServiceError):
    """The index was built by a different embedder (name or dimension) than the configured one."""


class GenerationError(ServiceError):
    """The answering model failed or refused after its retries."""
