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
    from ragtime.embedding.cache import CachedEmbedder

    models = settings.data_dir / "models"
    if settings.embedder == "local":
        from ragtime.embedding.onnx_minilm import OnnxMiniLM

        local = OnnxMiniLM(models, batch_size=settings.embedding_batch_size)
        return CachedEmbedder(local, models / "embeddings.sqlite3")
    from ragtime.embedding.bedrock import TitanEmbedder

    titan = TitanEmbedder(
        model=settings.bedrock_embedding_model,
        dimensions=settings.bedrock_embedding_dimensions,
        region=_region(settings),
        concurrency=settings.bedrock_embedding_concurrency,
        max_attempts=settings.bedrock_max_attempts,
    )
    return CachedEmbedder(titan, models / "embeddings.sqlite3")  # each call costs money


def _store(settings: Settings, embedder: Embedder) -> VectorStore:
    if settings.vector_store == "embedded":
        from ragtime.vectorstore.embedded import EmbeddedStore

        return EmbeddedStore(
            settings.resolved_index_dir, dimension=embedder.dimension, embedder=embedder.name
        )
    from ragtime.vectorstore.weaviate import WeaviateStore

    key = settings.weaviate_api_key
    return WeaviateStore(
        url=str(settings.weaviate_url),
        grpc_url=settings.weaviate_grpc_url,
        api_key=key.get_secret_value() if key else None,
        collection=settings.weaviate_collection,
        embedder=embedder.name,
        dimension=embedder.dimension,
        timeout_seconds=settings.weaviate_timeout_seconds,
    )


def _generator(settings: Settings, embedder: Embedder) -> Generator:
    floor = settings.answer_min_score
    min_score = embedder.relevance_floor if floor is None else floor
    if settings.generator == "extractive":
        from ragtime.generation.extractive import ExtractiveGenerator

        return ExtractiveGenerator(min_score=min_score)
    from ragtime.generation.bedrock import BedrockGenerator, BedrockSettings

    config = BedrockSettings(
        model=settings.bedrock_generation_model,
        region=_region(settings),
        max_tokens=settings.bedrock_max_tokens,
        temperature=settings.bedrock_temperature,
        max_attempts=settings.bedrock_max_attempts,
    )
    return BedrockGenerator(config, min_score=min_score)


def _blobs(settings: Settings) -> BlobStore:
    if settings.blob_store == "local":
        from ragtime.blobstore.local import LocalBlobStore

        return LocalBlobStore(settings.blob_dir)
    from ragtime.blobstore.s3 import S3BlobStore

    return S3BlobStore(
        bucket=str(settings.s3_bucket),
        prefix=settings.s3_prefix,
        region=_region(settings),
        encryption=settings.s3_encryption,
        kms_key_id=settings.s3_kms_key_id,
        addressing_style=settings.s3_addressing_style,
    )


def _region(settings: Settings) -> str:
    # Settings refuse an AWS adapter without a region; botocore would not read AWS_REGION.
    return str(settings.aws_region)
