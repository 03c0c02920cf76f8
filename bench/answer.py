"""Question to answer posted, through the whole product, with 100k chunks in scope.

    python -m bench.answer [--chunks 100000] [--questions 40]

The index first gets N synthetic chunks (structured vectors, real FTS text) shared
in #general, then the three eval PDFs are shared there through Slack (the stand-in).
With a warm worker (real model, extractive generator), each eval question is asked
with `/ask`; the time runs from sending the command to the answer replacing the
placeholder in the stand-in. Also printed: the worker's own embed/search/generate
split, from the answers table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from sqlalchemy import create_engine, select

from bench.common import eval_pdfs, eval_questions, scratch_dir
from bench.search import CHUNKS_PER_DOC, Corpus
from bot.local_stack import LocalStack, local_stack
from bot.standin import ALICE, GENERAL, TEAM_ID, Message
from ragtime.db.models import Answer
from ragtime.domain import Chunk, DocumentInfo, DocumentScope
from ragtime.vectorstore.embedded import EmbeddedStore

PLACEHOLDER = "Looking through the documents"


def fill(index_dir: object, total: int) -> None:
    store = EmbeddedStore(index_dir, dimension=384, embedder="all-MiniLM-L6-v2")  # type: ignore[arg-type]
    corpus = Corpus()
    scope = DocumentScope(TEAM_ID, frozenset({GENERAL}))
    for d in range(total // CHUNKS_PER_DOC):
        texts = corpus.texts(d % 200, CHUNKS_PER_DOC)
        chunks = [Chunk(f"synthetic{d}", i, t, 1, 1) for i, t in enumerate(texts)]
        info = DocumentInfo(f"synthetic{d}", f"synthetic-{d}.pdf")
        store.replace_document(info, scope, chunks, corpus.vectors(d % 200, len(chunks)))
    store.close()


def ask(stack: LocalStack, question: str) -> float:
    slack = stack.standin
    before = max((float(m.ts) for m in slack.messages(GENERAL)), default=0.0)
    started = time.perf_counter()
    stack.driver.slash_command("/ask", question, user=ALICE, channel=GENERAL)

    def answered() -> Message | None:
        for message in reversed(slack.messages(GENERAL)):
            shown = json.dumps(message.blocks, ensure_ascii=False)
            fresh = float(message.ts) > before
            if fresh and message.bot_id and question in shown and PLACEHOLDER not in shown:
                return message
        return None

    slack.wait_for(answered, timeout=60, what=question)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=40)
    args = parser.parse_args()
    data = scratch_dir("answer")
    started = time.perf_counter()
    fill(data / "index", args.chunks)
    print(
        f"{args.chunks:,} synthetic chunks in scope, written in {time.perf_counter() - started:.0f} s"
    )
    limits = {
        "RAGTIME_RATE_LIMIT_USER_PER_HOUR": "100000",
        "RAGTIME_RATE_LIMIT_WORKSPACE_PER_HOUR": "100000",
    }
    with local_stack(data, extra_env={"RAGTIME_EMBEDDER": "local"} | limits) as stack:
        for pdf in eval_pdfs():
            shared = stack.driver.share_file(
                pdf.name, pdf.read_bytes(), user=ALICE, channel=GENERAL
            )
            stack.standin.wait_for_message(
                GENERAL, thread_ts=shared.ts, contains="Indexed", timeout=300
            )
        questions = [q["question"] for q in eval_questions()]
        for question in questions[:3]:
            ask(stack, question)  # warm: model, index mirror, connections
        timings = [ask(stack, questions[i % len(questions)]) for i in range(args.questions)]
        report(timings, stack.env["DATABASE_URL"])


def report(timings: list[float], database_url: str) -> None:
    ordered = sorted(timings)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"question -> answer posted: p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms "
          f"(n={len(ordered)}, /ask sent by the driver until the placeholder shows the answer)")  # fmt: skip
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Answer.embed_ms, Answer.search_ms, Answer.generate_ms, Answer.total_ms)
        ).all()
    engine.dispose()
    parts = list(zip(*rows, strict=True))
    names = ("embed", "search", "generate", "worker total")
    print("worker, median: " + ", ".join(
        f"{name} {statistics.median(values):.1f} ms" for name, values in zip(names, parts, strict=True)
    ))  # fmt: skip


if __name__ == "__main__":
    main()
