"""The ONNX embedder against sentence-transformers fp32, in one run, on the same chunk texts.

    python -m bench.onnx_embedder [--copies 4] [--rounds 3] [--skip-rejected]

The eval PDFs are chunked as ingest does (``--copies`` times over: ~300 chunks). Every variant
runs in its own process, so torch never shares a process with the ONNX path and each peak RSS
is that variant's alone: sentence-transformers ``encode`` (batch 32, the baseline), OnnxMiniLM
as configured by default (unfused graph, idle threads sleep), with ``fuse=True`` (onnxruntime's
fused BERT operators), with ``spin_wait=True``, and the variants that were rejected (fp16-stored
weights, int8 dynamic quantisation). Reported: chunks/s (best and median of ``--rounds``), the
ratio to the baseline, CPU time per chunk (steadier than wall time on a shared machine), min/mean
cosine against the baseline, load times (cold: graph built into an empty cache; warm: the cached
graph) and peak RSS. It never fails on time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import eval_pdfs
from ragtime.chunking import chunk_pages
from ragtime.pdf import extract_pages

# OnnxMiniLM's default (unfused graph, sleeping idle threads), then its two options.
KEPT = ["default", "fused", "spinning"]
REJECTED = ["fp16", "int8"]


def chunk_texts(copies: int) -> list[str]:
    texts = []
    for path in eval_pdfs():
        texts += [chunk.text for chunk in chunk_pages(path.stem, extract_pages(path.read_bytes()))]
    return texts * copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-rejected", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, Path(args.work))
    work = Path(tempfile.mkdtemp(prefix="ragtime-onnx-bench-"))
    texts = chunk_texts(args.copies)
    (work / "texts.json").write_text(json.dumps(texts))
    print(f"{len(texts)} chunks from {len(eval_pdfs())} PDFs, {args.rounds} interleaved rounds\n")
    cold = Child("cold", work).finish()
    kinds = ["torch", *KEPT, *([] if args.skip_rejected else REJECTED)]
    try:
        report(cold, interleaved(kinds, work, args.rounds, len(texts)), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # graphs and vectors: ~600 MB


class Child:
    """One variant in its own process: it loads, then runs a timed round each time it is asked."""

    def __init__(self, kind: str, work: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "bench.onnx_embedder",
            "--child",
            kind,
            "--work",
            str(work),
        ]
        self.kind = kind
        self.log = work / f"{kind}.log"  # its stderr: warnings, progress bars, a traceback
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
            )
        self.started = self.answer()  # {"load": seconds} once loaded and warmed up

    def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            print(f"{self.kind}: failed\n{self.log.read_text()[-2000:]}")
            return {}
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        if self.process.poll() is not None:
            return {}
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.answer()

    def finish(self) -> dict[str, Any]:
        final = {**self.started, **self.ask("done")}
        self.process.wait()
        return final


def interleaved(kinds: list[str], work: Path, rounds: int, n: int) -> dict[str, dict[str, Any]]:
    """Rounds alternate between the variants, so a busy spell on the machine hits them all."""
    children = [Child(kind, work) for kind in kinds]  # loaded one after the other
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    for r in range(rounds):
        for c in children if r % 2 == 0 else children[::-1]:
            if c.started and (run := c.ask("run")):
                runs[c.kind].append(run)
    results = {}
    for c in children:
        final = c.finish()
        if runs[c.kind] and final:
            wall = [run["wall"] for run in runs[c.kind]]
            cpu = min(run["cpu"] for run in runs[c.kind])
            best, median = n / min(wall), n / float(np.median(wall))
            results[c.kind] = {**final, "best": best, "median": median, "cpu_ms": 1000 * cpu / n}
    return results


def report(cold: dict[str, Any], results: dict[str, dict[str, Any]], work: Path) -> None:
    base = results["torch"]
    print(
        f"{'variant':22s} {'best/s':>7s} {'median/s':>8s} {'ratio':>6s} {'CPU ms':>7s} "
        f"{'cos min':>10s} {'cos mean':>10s} {'load s':>7s} {'peak RSS':>9s}"
    )
    for kind, stats in results.items():
        if stats:
            print(row(kind, stats, base, work))
    if cold:
        print(
            f"\ncold start (empty cache: graph built, then the session): fused {cold['fused']:.2f} s, "
            f"unfused {cold['plain']:.2f} s; peak RSS while building {cold['rss_mb']:.0f} MB; "
            f"graph files {cold['fused_mb']:.0f} MB (fused), {cold['plain_mb']:.0f} MB (unfused)"
        )
    print(
        "ratio: best chunks/s over the baseline's; CPU ms: CPU time (all threads) per chunk, best "
        "round; cos: against the baseline's vectors (torch: a repeat run against itself); load: "
        "first call in a fresh process, ONNX with the graph cached (rejected variants: plus "
        "converting it), torch: importing sentence-transformers and loading the model"
    )


def row(kind: str, stats: dict[str, Any], base: dict[str, Any], work: Path) -> str:
    ratio = stats["best"] / base["best"] if base else float("nan")
    cos = np.array([np.nan])
    if base:
        cos = (np.load(work / f"{kind}.npy") * np.load(work / "torch.npy")).sum(axis=1)
    label = kind + {"torch": " (baseline)"}.get(kind, " (rejected)" if kind in REJECTED else "")
    return (
        f"{label:22s} {stats['best']:7.1f} {stats['median']:8.1f} {ratio:5.2f}x "
        f"{stats['cpu_ms']:7.1f} {cos.min():10.7f} {cos.mean():10.7f} {stats['load']:7.2f} "
        f"{stats['rss_mb']:6.0f} MB"
    )


def child(kind: str, work: Path) -> None:
    if kind == "cold":
        say(cold_start(work / "cold-cache"))
        sys.stdin.readline()
    else:
        serve(kind, work, json.loads((work / "texts.json").read_text()))
    say({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def serve(kind: str, work: Path, texts: list[str]) -> None:
    started = time.perf_counter()
    embed = torch_embed() if kind == "torch" else onnx_embed(kind, work)
    embed(["warm up the first call"])
    load = time.perf_counter() - started
    np.save(work / f"{kind}.npy", embed(texts))  # also warms up every batch shape
    say({"load": load})
    for command in sys.stdin:
        if command.strip() != "run":
            return
        started, started_cpu = time.perf_counter(), cpu_seconds()
        embed(texts)
        say({"wall": time.perf_counter() - started, "cpu": cpu_seconds() - started_cpu})


def say(answer: dict[str, Any]) -> None:
    print(json.dumps(answer), flush=True)


def cold_start(cache: Path) -> dict[str, Any]:
    from ragtime.embedding.onnx_minilm import OnnxMiniLM

    stats: dict[str, Any] = {}
    for kind, fuse in (("plain", False), ("fused", True)):
        embedder = OnnxMiniLM(cache, fuse=fuse)
        started = time.perf_counter()
        embedder.embed_query("the first call builds the graph and the session")
        stats[kind] = time.perf_counter() - started
        stats[f"{kind}_mb"] = embedder.graph_file().stat().st_size / 1e6
    return stats


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def torch_embed() -> Any:
    from bench.torch_reference import model_dir, prepare_torch_environment

    prepare_torch_environment()
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir(), device="cpu")
    model.eval()

    def embed(texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            return np.asarray(model.encode(texts, batch_size=32, normalize_embeddings=True))

    return embed


def onnx_embed(kind: str, work: Path) -> Any:
    from ragtime.embedding import onnx_minilm

    cache = work / "cold-cache"  # built by the cold-start child
    embedder = onnx_minilm.OnnxMiniLM(cache, fuse=kind == "fused", spin_wait=kind == "spinning")
    if kind in REJECTED:
        weights = embedder.model_dir / "model.safetensors"
        plain = onnx_minilm.ensure_graph(weights, embedder.cache_dir, fuse=False)
        graph = rejected_graph(kind, plain, work)
        session = onnx_minilm._session(str(graph), embedder.threads, spin=False)
        runtime = onnx_minilm._Runtime(session, onnx_minilm._tokenizer(embedder.model_dir))
        return lambda texts: onnx_minilm._encode(runtime, texts, embedder.batch_size)
    return embedder.embed_documents


def rejected_graph(kind: str, plain: Path, work: Path) -> Path:
    """fp16-stored weights (cast back to fp32 in the graph) or int8 dynamic quantisation of the
    unfused graph, per channel (the most accurate int8 variant measured)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    target = work / f"{kind}.onnx"
    if kind == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(plain, target, per_channel=True, weight_type=QuantType.QInt8)
        return target
    model = onnx.load(str(plain))
    casts = []
    for tensor in model.graph.initializer:
        array = numpy_helper.to_array(tensor)
        if array.dtype == np.float32 and array.size >= 4096:
            name = tensor.name
            tensor.CopyFrom(numpy_helper.from_array(array.astype(np.float16), f"{name}.fp16"))
            casts.append(helper.make_node("Cast", [tensor.name], [name], to=TensorProto.FLOAT))
    nodes = casts + list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.save(model, str(target))
    return target


if __name__ == "__main__":
    main()
