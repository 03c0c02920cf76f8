"""The one place that picks adapters. Tests call ``build_services`` with fakes."""

from __future__ import annotations

from dataclasses import dataclass

from ragtime.blobstore import BlobStore
from ragtime.embedding import Embedder
from ragtime.generation import Generator
from ragtime.pdf import PdfLimits
from ragtime.settings import Settings
from ragtime.vectorstore import VectorStore


@dataclass
class Services:
    settings: Settings
    embedder: Embedder
    store: VectorStore
    generator: Generator
    blobs: BlobStore

    @property
    def pdf_limits(self) -> PdfLimits:
        s = self.settings
        return PdfLimits(
            max_bytes=s.pdf_max_bytes,
            max_pages=s.pdf_max_pages,
            timeout_seconds=s.pdf_timeout_seconds,
            memory_mb=s.pdf_memory_mb,
        )

    def close(self) -> None:
        self.store.close()


def build_services(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    store: VectorStore | None = None,
    generator: Generator | None = None,
    blobs: BlobStore | None = None,
) -> Services:
    """Wire the adapters ``settings`` name; nothing is loaded until first used."""
    embedder = embedder or _embedder(settings)
    return Services(
        settings=settings,
        embedder=embedder,
        store=store or _store(settings, embedder),
        generator=generator or _generator(settings, embedder),
        blobs=blobs or _blobs(settings),
    )


def _embedder(settings: Settings) -> Embedder:
    if settings.embedder == "hashing":
        from ragtime.embedding.hashing import HashingEmbedder

        return HashingEmbedder()
    if settings.embedder == "local":
        from ragtime.embedding.local import LocalMiniLM

        return LocalMiniLM(settings.embedding_precision, settings.embedding_batch_size)
    raise NotImplementedError("The Bedrock embedder is not built yet; set RAGTIME_EMBEDDER=local.")


def _store(settings: Settings, embedder: Embedder) -> VectorStore:
    if settings.vector_store == "embedded":
        from ragtime.vectorstore.embedded import EmbeddedStore

        return EmbeddedStore(
            settings.resolved_index_dir, dimension=embedder.dimension, embedder=embedder.name
        )
    raise NotImplementedError(
        "The Weaviate store is not built yet; set RAGTIME_VECTOR_STORE=embedded."
    )


def _generator(settings: Settings, embedder: Embedder) -> Generator:
    if settings.generator == "extractive":
        from ragtime.generation.extractive import ExtractiveGenerator

        floor = settings.answer_min_score
        return ExtractiveGenerator(min_score=embedder.relevance_floor if floor is None else floor)
    raise NotImplementedError(
        "The Bedrock generator is not built yet; set RAGTIME_GENERATOR=extractive."
    )


def _blobs(settings: Settings) -> BlobStore:
    if settings.blob_store == "local":
        from ragtime.blobstore.local import LocalBlobStore

        return LocalBlobStore(settings.blob_dir)
    raise NotImplementedError("The S3 blob store is not built yet; set RAGTIME_BLOB_STORE=local.")
