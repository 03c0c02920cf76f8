"""Retrieval quality on ../shared/eval: recall@1/3/5 and MRR for chunking and alpha choices.

    python -m bench.retrieval                 # the configured defaults
    python -m bench.retrieval --grid          # chunk sizes x overlaps x alphas

Both public sets' PDFs (the three in pdfs/ and the two GNU manuals) go into one
index, each the other's distractors; each set's questions are scored on it, as
`ragtime search --queries` answers them. Also printed: word-piece tokens embedded
per page of text (what chunk overlap costs).
"""

from __future__ import annotations

import argparse
import itertools

from bench.common import EVAL_SETS, all_eval_pdfs, eval_questions, scorer, scratch_dir
from ragtime.bootstrap import build_services
from ragtime.domain import DocumentScope
from ragtime.local_files import local_document
from ragtime.pdf import extract_pages
from ragtime.pipeline import chunk_document, search
from ragtime.render import hit_record
from ragtime.settings import load_settings
from ragtime.tokens import wordpiece_counter


def measure(chunk_tokens: int, overlap: int, alphas: list[float], parsed, embedder) -> list[str]:
    settings = load_settings(
        index_dir=scratch_dir("retrieval"), chunk_tokens=chunk_tokens, chunk_overlap=overlap
    )
    services = build_services(settings, embedder=embedder)
    chunks_total, tokens, page_tokens = 0, 0, 0
    for path, pages in parsed:
        document = local_document(path)
        chunks = chunk_document(services, document.document_id, pages)
        chunks_total += len(chunks)
        tokens += sum(wordpiece_counter()([c.text for c in chunks]))
        page_tokens += sum(wordpiece_counter()([p.text for p in pages]))
        vectors = embedder.embed_documents([c.text for c in chunks])
        services.store.replace_document(document, DocumentScope("bench"), chunks, vectors)
    rows = []
    score = scorer()
    for alpha in alphas:
        services.settings = settings.model_copy(update={"hybrid_alpha": alpha})
        for set_name in EVAL_SETS:
            questions = eval_questions(set_name)
            results = {}
            for q in questions:
                hits, _ = search(services, question=q["question"], scope=None, k=5)
                results[q["id"]] = [hit_record(h) for h in hits]
            s = score.score(questions, results, 5)
            rows.append(
                f"{chunk_tokens:>6} {overlap:>7} {alpha:>5.2f} {chunks_total:>6} "
                f"{tokens / max(page_tokens, 1):>5.2f} {set_name:<8} "
                f"{s['recall@1']:.3f} {s['recall@3']:.3f} {s['recall@5']:.3f} {s['mrr@5']:.3f}  "
                f"{','.join(s['missed']) or '-'}"
            )
    services.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--overlaps", type=int, nargs="*")
    parser.add_argument("--alphas", type=float, nargs="*")
    args = parser.parse_args()
    defaults = load_settings()
    services = build_services(defaults)
    embedder = services.embedder
    parsed = [(p, extract_pages(p.read_bytes())) for p in all_eval_pdfs()]
    if args.grid:
        sizes, overlaps, alphas = [96, 128, 160, 200, 256], [0, 32, 64], [0.3, 0.5, 0.7, 1.0]
    else:
        sizes, overlaps = [defaults.chunk_tokens], [defaults.chunk_overlap]
        alphas = [defaults.hybrid_alpha]
    sizes, overlaps = args.sizes or sizes, args.overlaps or overlaps
    alphas = args.alphas or alphas
    print(f"embedder {embedder.name}; {len(parsed)} PDFs in one index")
    print("tokens overlap alpha chunks tok/pg set       r@1   r@3   r@5   mrr@5  missed@5")
    for size, overlap in itertools.product(sizes, overlaps):
        if overlap < size:
            for row in measure(size, overlap, alphas, parsed, embedder):
                print(row, flush=True)


if __name__ == "__main__":
    main()
