"""Embedded store search latency (p50/p95) and memory at 10k, 100k and 1M chunks.

    python -m bench.search                   # 10k and 100k
    python -m bench.search --sizes 1000000   # 1M (builds a ~3 GB index; takes minutes)

Synthetic but structured data: chunks belong to topics; a topic is a direction
in embedding space (vectors are the topic plus noise, then normalised) and a
Zipf-distributed vocabulary biased toward the topic's words, so FTS5 sees
realistic posting lists. Queries are new samples from a topic. Each query is
timed through EmbeddedStore.search (both legs, fusion, fetching the texts),
for the whole index and for one conversation's scope.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import numpy as np

from bench.common import scratch_dir
from ragtime.domain import Chunk, DocumentInfo, DocumentScope, Scope
from ragtime.vectorstore.embedded import EmbeddedStore

DIM, VOCAB, TOPICS, WORDS_PER_CHUNK, CHUNKS_PER_DOC, CONVERSATIONS = 384, 30000, 200, 110, 250, 100


class Corpus:
    def __init__(self, seed: int = 7) -> None:
        self.rng = np.random.default_rng(seed)
        self.centres = _unit(self.rng.standard_normal((TOPICS, DIM)).astype(np.float32))
        self.words = np.array([f"w{i}" for i in range(VOCAB)])
        zipf = 1.0 / np.arange(1, VOCAB + 1) ** 1.05
        self.base = zipf / zipf.sum()
        self.topic_words = self.rng.integers(200, VOCAB, size=(TOPICS, 60))

    def vectors(self, topic: int, n: int) -> np.ndarray:
        noise = self.rng.standard_normal((n, DIM)).astype(np.float32) * 0.055
        return _unit(self.centres[topic] + noise)

    def texts(self, topic: int, n: int, words: int = WORDS_PER_CHUNK) -> list[str]:
        common = self.rng.choice(VOCAB, size=(n, words), p=self.base)
        special = self.rng.choice(self.topic_words[topic], size=(n, words // 5))
        picked = np.concatenate([common, special], axis=1)
        return [" ".join(self.words[row]) for row in picked]


def _unit(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=-1, keepdims=True)).astype(np.float32)


def build(store: EmbeddedStore, corpus: Corpus, total: int) -> float:
    started = time.perf_counter()
    for d in range(total // CHUNKS_PER_DOC):
        topic = d % TOPICS
        texts = corpus.texts(topic, CHUNKS_PER_DOC)
        chunks = [Chunk(f"doc{d}", i, t, 1 + i // 3, 1 + i // 3) for i, t in enumerate(texts)]
        scope = DocumentScope(
            "T1", frozenset({f"C{d % CONVERSATIONS}"}), workspace_wide=d % 97 == 0
        )
        store.replace_document(
            DocumentInfo(f"doc{d}", f"doc{d}.pdf"),
            scope,
            chunks,
            corpus.vectors(topic, len(chunks)),
        )
    return time.perf_counter() - started


def measure(store: EmbeddedStore, corpus: Corpus, scope: Scope | None, n: int = 200) -> list[float]:
    timings = []
    for _ in range(n):
        topic = int(corpus.rng.integers(TOPICS))
        vector = corpus.vectors(topic, 1)[0]
        text = corpus.texts(topic, 1, words=8)[0]
        started = time.perf_counter()
        store.search(text=text, vector=vector, scope=scope, k=5, alpha=0.4)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return f"{label:<28} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms"


def rss_mb() -> float:
    """Resident memory now (not the peak)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def run(size: int, directory: Path) -> None:
    corpus = Corpus()
    writer = EmbeddedStore(directory, dimension=DIM, embedder="synthetic")
    seconds = build(writer, corpus, size)
    writer.close()
    print(f"\n== {size:,} chunks: built in {seconds:.0f} s ({size / seconds:,.0f} chunks/s)")
    before = rss_mb()
    store = EmbeddedStore(directory, dimension=DIM, embedder="synthetic")
    started = time.perf_counter()
    measure(store, corpus, None, n=1)  # first search loads the vectors
    load = time.perf_counter() - started
    grown = rss_mb() - before
    print(f"cold load {load:.1f} s; resident memory +{grown:,.0f} MB "
          f"(~{grown * 1_000_000 / size:,.0f} MB per million chunks)")  # fmt: skip
    print(report("whole index (no scope)", measure(store, corpus, None)))
    print(report("one conversation's scope", measure(store, corpus, Scope("T1", "C3"))))
    db = sum(p.stat().st_size for p in directory.iterdir())
    print(f"on disk {db / 1e6:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    for size in args.sizes:
        run(size, scratch_dir(f"search-{size}"))


if __name__ == "__main__":
    main()
