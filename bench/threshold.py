"""Calibrate the "I couldn't find this" floor: best cosine for answerable vs unanswerable questions.

    python -m bench.threshold

Answerable: the eval questions. Unanswerable: questions on topics none of the eval PDFs
cover (written here, not tuned against the index). A good floor sits between the two.
"""

from __future__ import annotations

from bench.common import eval_pdfs, eval_questions, scratch_dir
from ragtime.bootstrap import build_services
from ragtime.domain import DocumentScope
from ragtime.local_files import ingest_files
from ragtime.pipeline import search
from ragtime.settings import load_settings

UNANSWERABLE = [
    "What is the capital of France?",
    "How do I reset my VPN password?",
    "Who won the football world cup in 2018?",
    "What is our parental leave policy?",
    "How many vacation days do new employees get?",
    "What is the boiling point of water at altitude?",
    "Which database does the billing service use?",
    "When is the next all-hands meeting?",
    "How do I file an expense report?",
    "What are the symptoms of the flu?",
    "Explain how a transformer neural network works.",
    "What is the recipe for banana bread?",
]


def best(services, question: str) -> float:
    hits, _ = search(services, question=question, scope=None, k=5)
    return max((h.vector_score for h in hits), default=0.0)


def main() -> None:
    services = build_services(load_settings(index_dir=scratch_dir("threshold")))
    ingest_files(services, eval_pdfs(), DocumentScope("bench"))
    yes = sorted(best(services, q["question"]) for q in eval_questions())
    no = sorted(best(services, q) for q in UNANSWERABLE)
    print("answerable   best cosine: " + " ".join(f"{s:.2f}" for s in yes))
    print("unanswerable best cosine: " + " ".join(f"{s:.2f}" for s in no))
    floor = services.generator.min_score  # type: ignore[attr-defined]
    print(f"floor in use {floor:.2f}: answers {sum(s >= floor for s in yes)}/{len(yes)} answerable, "
          f"refuses {sum(s < floor for s in no)}/{len(no)} unanswerable")  # fmt: skip


if __name__ == "__main__":
    main()
