"""50 PDFs shared at once on the laptop stack, with questions asked meanwhile.

    python -m bench.share_burst [--pdfs 50] [--pages 20] [--concurrency 2]

`make demo`'s stack (Slack stand-in, bot under gunicorn, one Celery worker on every
queue with the local model, SQLite, the filesystem broker). Fifty distinct generated
PDFs are shared in #general in one burst while a `/ask` is sent every two seconds.
Prints whether every document was indexed exactly once (one ingest, chunks as a clean
ingest of the same file would give), pages per second, and how long each question
waited for its answer against its two-minute expiry. Figures only.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from bench.common import scratch_dir
from bot.local_stack import local_stack
from bot.standin import GENERAL
from ragtime.db.models import Answer, Document, Question
from tests.pdfs import make_pdf

WORDS = [
    "kiln",
    "glaze",
    "cone",
    "firing",
    "ramp",
    "hold",
    "clay",
    "bisque",
    "shelf",
    "vent",
    "reduction",
    "oxidation",
    "crawling",
    "pinhole",
    "crazing",
    "shivering",
    "thermocouple",
    "witness",
    "slip",
    "wedging",
    "trimming",
    "throwing",
]


def pdf(number: int, pages: int) -> bytes:
    shuffle = random.Random(number)
    return make_pdf(
        [
            [f"{' '.join(shuffle.sample(WORDS, 10))} (document {number}, page {p}, line {n})."
             for n in range(25)]
            for p in range(pages)
        ]
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pdfs", type=int, default=50)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    data = scratch_dir("share-burst")
    files = [pdf(n, args.pages) for n in range(args.pdfs)]
    with local_stack(data, worker_concurrency=args.concurrency, bot_threads=16) as stack:
        engine = create_engine(f"sqlite:///{(data / 'ragtime.db').resolve()}")
        asking = threading.Event()
        asked: list[float] = []

        def ask_meanwhile() -> None:
            while not asking.wait(2.0):
                stack.driver.slash_command("/ask", "What does the kiln firing schedule say?")
                asked.append(time.monotonic())

        questioner = threading.Thread(target=ask_meanwhile, daemon=True)
        started = time.monotonic()
        questioner.start()
        senders = [
            threading.Thread(
                target=stack.driver.share_file, args=(f"kiln-{n:02d}.pdf", data_), kwargs={"channel": GENERAL}
            )
            for n, data_ in enumerate(files)
        ]  # fmt: skip
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        done = _wait_indexed(engine, args.pdfs)
        elapsed = time.monotonic() - started
        asking.set()
        questioner.join()
        time.sleep(5)  # the last questions' answers
        with engine.connect() as db:
            documents = db.execute(select(Document.status, Document.attempts, Document.pages,
                                          Document.chunk_count)).all()  # fmt: skip
            waits = [
                (answered - asked_at).total_seconds()
                for asked_at, answered in db.execute(
                    select(Question.asked_at, func.min(Answer.created_at))
                    .join(Answer, Answer.question_id == Question.id)
                    .group_by(Question.id)
                ).all()
            ]  # fmt: skip
            questions = db.execute(select(func.count()).select_from(Question)).scalar_one()
        pages = sum(d.pages or 0 for d in documents if d.status == "indexed")
        indexed = sum(d.status == "indexed" for d in documents)
        once = sum(d.attempts == 1 for d in documents)
        print(f"{args.pdfs} PDFs x {args.pages} pages shared at once, worker concurrency "
              f"{args.concurrency}: indexed {indexed}/{args.pdfs} ({'all' if done else 'NOT all'}), "
              f"ingested once {once}/{args.pdfs}, chunks per document {sorted({d.chunk_count for d in documents})}")  # fmt: skip
        print(f"all indexed after {elapsed:.1f} s: {pages / elapsed:.1f} pages/s")
        waits.sort()
        if waits:
            print(f"questions asked meanwhile: {questions}, answered {len(waits)}; wait p50 "
                  f"{waits[len(waits) // 2]:.1f} s, max {waits[-1]:.1f} s (expiry 120 s)")  # fmt: skip
        engine.dispose()
        Path(data / "done").write_text("ok")


def _wait_indexed(engine: object, expected: int, timeout: float = 1800) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as db:  # type: ignore[attr-defined]
            finished = db.execute(
                select(func.count()).select_from(Document)
                .where(Document.status.in_(("indexed", "failed")))
            ).scalar_one()  # fmt: skip
        if finished >= expected:
            return True
        time.sleep(0.5)
    return False


if __name__ == "__main__":
    main()
