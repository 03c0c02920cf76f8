"""Ingest throughput: the whole pipeline against the embedding model alone, same chunks, same run.

    python -m bench.ingest [--copies 4]

1. plain fp32 sentence-transformers ``encode`` of the chunk texts (the baseline);
2. our embedder alone (``LocalMiniLM``: length-sorted batches, bf16 where it pays) on the same texts;
3. the whole pipeline from PDF bytes to stored chunks (``ragtime ingest``'s code path: parse in a
   child process, chunk, embed, store) on the same PDFs, as separate documents.
Also the agreement of our embeddings with fp32 (cosine), since speed must not cost quality.
"""

from __future__ import annotations

import argparse
import shutil
import time

import numpy as np

from bench.common import eval_pdfs, scratch_dir
from ragtime.bootstrap import build_services
from ragtime.domain import DocumentScope
from ragtime.embedding.local import LocalMiniLM, model_dir, prepare_torch_environment
from ragtime.local_files import ingest_files
from ragtime.pdf import extract_pages
from ragtime.pipeline import chunk_document
from ragtime.settings import load_settings


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:7.1f}/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=4)
    args = parser.parse_args()
    folder = scratch_dir("ingest-pdfs")
    for copy in range(args.copies):
        for pdf in eval_pdfs():
            shutil.copy(pdf, folder / f"{pdf.stem}-{copy}.pdf")
    paths = sorted(folder.glob("*.pdf"))

    services = build_services(load_settings(index_dir=scratch_dir("ingest-index")))
    texts, pages = [], 0
    for path in paths:
        parsed = extract_pages(path.read_bytes())
        pages += len(parsed)
        texts += [c.text for c in chunk_document(services, path.stem, parsed)]
    print(f"{len(paths)} PDFs, {pages} pages, {len(texts)} chunks")

    prepare_torch_environment()  # what the worker does before it first imports torch
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(model_dir(), device="cpu")
    plain.encode(texts[:16])
    started = time.perf_counter()
    reference = plain.encode(texts, batch_size=32, normalize_embeddings=True)
    fp32_s = time.perf_counter() - started

    ours = services.embedder
    assert isinstance(ours, LocalMiniLM)
    ours.embed_documents(texts[:16])  # load and warm up, outside the timing
    started = time.perf_counter()
    vectors = ours.embed_documents(texts)
    model_s = time.perf_counter() - started

    started = time.perf_counter()
    outcomes = ingest_files(services, paths, DocumentScope("bench"))
    pipeline_s = time.perf_counter() - started
    stored = sum(o.result.chunks for o in outcomes if o.result)
    assert stored == len(texts), (stored, len(texts))

    cosine = (reference * vectors).sum(axis=1)
    print(f"plain fp32 encode       {rate(len(texts), fp32_s)} chunks")
    print(f"our embedder ({ours.chosen_precision})     {rate(len(texts), model_s)} chunks"
          f"   = {fp32_s / model_s:.2f}x plain fp32")  # fmt: skip
    print(f"whole pipeline          {rate(len(texts), pipeline_s)} chunks, "
          f"{rate(pages, pipeline_s)} pages   = {model_s / pipeline_s:.0%} of the embedder alone")  # fmt: skip
    print(f"cosine vs fp32: min {cosine.min():.5f}, mean {np.mean(cosine):.5f}")


if __name__ == "__main__":
    main()
