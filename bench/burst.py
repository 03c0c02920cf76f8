"""500 `/ask` in one burst through the HTTP endpoint, two answer workers behind it.

    python -m bench.burst [--requests 500] [--concurrency 50]

The laptop size as `make demo` runs it: the bot under gunicorn (2 x 16 threads), the
filesystem broker, SQLite, two answer worker processes with the local model, and the
Slack stand-in. Every request is freshly signed. Prints the ack p50/p99, whether every
question was answered exactly once (one answer row each, none left waiting), the time
from the first request until the last answer, and the peak RSS of the bot and of the
worker processes. Figures only: nothing here fails on time.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from bench.ack import PYTHON, bench_stack, load, pct, rss_mb, start, wait_listening
from bot.local_stack import free_port, stop_process
from ragtime.db.models import Answer, Question


class PeakRss:
    """Samples a process tree's RSS every 0.2 s; keeps the highest."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except (FileNotFoundError, ProcessLookupError):
                return

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    # The burst waits in the queue longer than the default two minutes.
    data, secret, standin, standin_url, env = bench_stack(
        "burst", {"RAGTIME_ANSWER_EXPIRY_SECONDS": "3600"}
    )
    database = f"sqlite:///{data / 'ragtime.db'}"
    bot_port = free_port()
    bot = start([PYTHON, "-m", "ragtime", "bot", "--host", "127.0.0.1", "--workers", "2",
                 "--threads", "16"], env | {"RAGTIME_BOT_PORT": str(bot_port)}, data / "bot.log")  # fmt: skip
    workers = start([PYTHON, "-m", "ragtime", "worker", "--queues", "answer", "--concurrency", "2",
                     "--metrics-port", "0"], env, data / "worker.log")  # fmt: skip
    engine = create_engine(database)
    try:
        wait_listening(bot_port)
        _wait_ready(data / "worker.log")
        bot_peak, worker_peak = PeakRss(bot.pid), PeakRss(workers.pid)
        started = time.monotonic()
        acks = load(f"http://127.0.0.1:{bot_port}/slack/events", secret, args.concurrency,
                    args.requests, f"{standin_url}/response/bench")  # fmt: skip
        sent = time.monotonic() - started
        waiting = _drain(engine, args.requests)
        drained = time.monotonic() - started
        with engine.connect() as db:
            asked = db.execute(select(func.count()).select_from(Question)).scalar_one()
            answers = db.execute(select(func.count()).select_from(Answer)).scalar_one()
            twice = db.execute(
                select(func.count()).select_from(
                    select(Answer.question_id).group_by(Answer.question_id)
                    .having(func.count() > 1).subquery()
                )
            ).scalar_one()  # fmt: skip
            statuses = dict(
                db.execute(select(Question.status, func.count()).group_by(Question.status)).all()
            )
        print(f"{args.requests} /ask at {args.concurrency} concurrent: acked {len(acks)}, "
              f"ack p50 {pct(acks, 0.5):.1f} ms, p99 {pct(acks, 0.99):.1f} ms, sent in {sent:.1f} s")  # fmt: skip
        print(f"recorded {asked}, answers {answers}, answered twice {twice}, still waiting "
              f"{waiting}; statuses {statuses}")  # fmt: skip
        print(
            f"first request to last answer: {drained:.1f} s "
            f"({asked / max(drained, 1e-9):.1f} answers/s with 2 answer workers)"
        )
        print(
            f"peak RSS: bot (gunicorn master + 2 workers) {bot_peak.stop():.0f} MB, "
            f"answer workers (Celery parent + 2 children) {worker_peak.stop():.0f} MB"
        )
    finally:
        for process in (bot, workers):
            stop_process(process)
        standin.terminate()
        engine.dispose()


def _wait_ready(log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and log.read_text(errors="replace").count("worker warm") >= 2:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the answer workers never got warm; see {log}")


def _drain(engine: object, expected: int, timeout: float = 1800) -> int:
    """Wait until no question is queued or being answered; how many still are."""
    deadline = time.monotonic() + timeout
    waiting = expected
    while time.monotonic() < deadline:
        with engine.connect() as db:  # type: ignore[attr-defined]
            total = db.execute(select(func.count()).select_from(Question)).scalar_one()
            waiting = db.execute(
                select(func.count()).select_from(Question)
                .where(Question.status.in_(("queued", "answering")))
            ).scalar_one()  # fmt: skip
        if total >= expected and waiting == 0:
            return 0
        time.sleep(0.2)
    return int(waiting)


if __name__ == "__main__":
    main()
