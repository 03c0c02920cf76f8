"""Ingest throughput: each stage alone, then the whole pipeline, on the same PDFs in one run.

    python -m bench.ingest [--copies 1]

Every public eval PDF (both sets), ``--copies`` times under different names. The stages
(parse in the child process, chunk, embed with the model alone, store) are timed one by
one; then ``ragtime ingest``'s own code path (``ingest_files``: parse ahead in a thread
while the model embeds, documents grouped) runs on a fresh data directory, so no
embedding comes from the cache. The model-alone rate is the bound the pipeline is
measured against. Also chunks and model tokens per page (the embedder's own tokenizer).
"""

from __future__ import annotations

import argparse
import shutil
import time

from bench.common import all_eval_pdfs, scratch_dir
from ragtime.bootstrap import build_services
from ragtime.domain import DocumentInfo, DocumentScope
from ragtime.embedding.cache import CachedEmbedder
from ragtime.local_files import ingest_files
from ragtime.pdf import PdfReaderProcess
from ragtime.pipeline import chunk_document
from ragtime.settings import load_settings


def rate(n: int, seconds: float, unit: str) -> str:
    return f"{n / seconds:7.1f} {unit}/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    folder = scratch_dir("ingest-pdfs")
    for copy in range(args.copies):
        for pdf in all_eval_pdfs():
            shutil.copy(pdf, folder / f"{pdf.stem}-{copy}.pdf")
    paths = sorted(folder.glob("*.pdf"))

    services = build_services(load_settings(data_dir=scratch_dir("ingest-stages")))
    embedder = services.embedder
    model = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    model.embed_documents(["warm up"])  # load the model outside the timings

    started = time.perf_counter()
    with PdfReaderProcess() as reader:
        parsed = [reader.extract(path.read_bytes(), services.pdf_limits) for path in paths]
    parse_s = time.perf_counter() - started
    pages = sum(len(p) for p in parsed)

    started = time.perf_counter()
    chunked = [chunk_document(services, p.stem, doc) for p, doc in zip(paths, parsed, strict=True)]
    chunk_s = time.perf_counter() - started
    texts = [c.text for chunks in chunked for c in chunks]

    started = time.perf_counter()
    vectors = model.embed_documents(texts)
    embed_s = time.perf_counter() - started

    started = time.perf_counter()
    offset = 0
    for path, chunks in zip(paths, chunked, strict=True):
        info = DocumentInfo(path.stem, path.name)
        services.store.replace_document(
            info, DocumentScope("bench"), chunks, vectors[offset : offset + len(chunks)]
        )
        offset += len(chunks)
    store_s = time.perf_counter() - started
    tokens = _tokens(model, texts)
    services.close()

    fresh = build_services(load_settings(data_dir=scratch_dir("ingest-pipeline")))
    fresh.embedder.embed_query("warm up")  # the model's load is not ingest
    started = time.perf_counter()
    outcomes = ingest_files(fresh, paths, DocumentScope("bench"))
    pipeline_s = time.perf_counter() - started
    stored = sum(o.result.chunks for o in outcomes if o.result)
    fresh.close()

    print(f"{len(paths)} PDFs, {pages} pages, {len(texts)} chunks "
          f"({len(texts) / pages:.2f} chunks/page"
          + (f", {tokens / pages:.0f} model tokens/page)" if tokens else ")"))  # fmt: skip
    print(f"parse (child process)  {parse_s:6.2f} s  {rate(pages, parse_s, 'pages')}")
    print(f"chunk                  {chunk_s:6.2f} s  {rate(pages, chunk_s, 'pages')}")
    print(f"embed (model alone)    {embed_s:6.2f} s  {rate(len(texts), embed_s, 'chunks')}"
          f"  = {rate(pages, embed_s, 'pages')}  <- the bound")  # fmt: skip
    print(f"store                  {store_s:6.2f} s  {rate(len(texts), store_s, 'chunks')}")
    print(f"whole pipeline         {pipeline_s:6.2f} s  {rate(pages, pipeline_s, 'pages')}"
          f"  = {embed_s / pipeline_s:.0%} of the model-alone rate ({stored} chunks stored)")  # fmt: skip


def _tokens(model: object, texts: list[str]) -> int:
    runtime = getattr(model, "runtime", None)
    if runtime is None:
        return 0
    tokenizer = runtime().tokenizer
    return sum(len(encoding.ids) for encoding in tokenizer.encode_batch(texts))


if __name__ == "__main__":
    main()
