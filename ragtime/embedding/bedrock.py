"""Amazon Titan Text Embeddings V2 on Bedrock (``invoke_model``), for the AWS sizes.

Titan embeds one text per call, so calls run on a small thread pool (bounded by a
setting) and botocore retries throttling. Vectors are asked normalised and
normalised again here. Its relevance floor is not calibrated (no model here to
measure it with): see the README.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ragtime.aws import AWS_FAILURES, aws_client, bedrock_failure
from ragtime.embedding import Embedder, Vectors

log = logging.getLogger(__name__)

# The model takes at most 50,000 characters and 8,192 tokens; at ~4 characters a
# token, 30,000 characters stays under both for ordinary text.
MAX_INPUT_CHARS = 30_000
# A documented default, not a measurement: Titan's cosines run lower than MiniLM's.
TITAN_RELEVANCE_FLOOR = 0.2


class TitanEmbedder(Embedder):
    relevance_floor = TITAN_RELEVANCE_FLOOR

    def __init__(
        self,
        *,
        model: str,
        dimensions: int,
        region: str,
        concurrency: int = 8,
        max_attempts: int = 4,
    ) -> None:
        self.model, self.dimension, self.region = model, dimensions, region
        self.name = f"bedrock:{model}"
        self.concurrency, self.max_attempts = concurrency, max_attempts
        self._client: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1:
            return np.stack([self._embed_one(texts[0])])
        return np.stack(list(self._executor().map(self._embed_one, texts)))

    def _embed_one(self, text: str) -> Vectors:
        if not text.strip():
            return np.zeros(self.dimension, dtype=np.float32)  # matches nothing
        if len(text) > MAX_INPUT_CHARS:
            log.info("titan input cut from %d to %d characters", len(text), MAX_INPUT_CHARS)
            text = text[:MAX_INPUT_CHARS]
        body = {"inputText": text, "dimensions": self.dimension, "normalize": True}
        try:
            response = self.client().invoke_model(
                modelId=self.model,
                body=json.dumps(body),
                contentType="application/json",
                accept="application/json",
            )
            payload = json.loads(response["body"].read())
        except AWS_FAILURES as exc:
            log.warning("titan embedding failed: %s", type(exc).__name__)
            raise bedrock_failure(exc, model=self.model, doing="embed the text") from None
        vector = np.asarray(payload["embedding"], dtype=np.float32)
        if vector.shape != (self.dimension,):
            raise ValueError(f"Titan returned {vector.shape[0]} dimensions, not {self.dimension}")
        norm = float(np.linalg.norm(vector))
        normalised: Vectors = vector / norm if norm else vector
        return normalised

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = aws_client(
                    "bedrock-runtime",
                    region=self.region,
                    max_attempts=self.max_attempts,
                    max_pool_connections=max(10, self.concurrency),
                )
            return self._client

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="titan")
            return self._pool
