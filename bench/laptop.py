"""The laptop size as a newcomer meets it: demo, a cold `ragtime ask`, the worker's memory.

    python -m bench.laptop

1. ``ragtime demo``: the whole command, and from its start to the first indexed reply
   (its own "indexed after" line, timed from here as it prints);
2. a cold ``ragtime ask`` on an index of the five public eval PDFs: the whole command
   (interpreter start, imports, model load, search, answer), and its peak RSS;
3. the worker's memory once it has indexed those PDFs and answered questions through
   Slack (the stand-in): RSS of the Celery parent and of the pool child that runs the
   model (the goal is the child under 400 MB);
4. the size of ``.venv`` (what ``make setup`` installed), when there is one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.answer import ask
from bench.common import all_eval_pdfs, eval_questions, scratch_dir
from bot.local_stack import local_stack
from bot.standin import ALICE, GENERAL

ROOT = Path(__file__).resolve().parents[1]
RAGTIME = [sys.executable, "-m", "ragtime"]


def demo() -> None:
    started = time.perf_counter()
    process = subprocess.Popen(
        [*RAGTIME, "demo"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    first = None
    assert process.stdout is not None
    for line in process.stdout:
        if first is None and "indexed after" in line:
            first = time.perf_counter() - started
    code = process.wait()
    total = time.perf_counter() - started
    shown = f"{first:.1f} s" if first is not None else "never"
    print(
        f"ragtime demo: first indexed reply after {shown}, whole command {total:.1f} s (exit {code})"
    )


def cold_ask() -> None:
    data = scratch_dir("laptop-ask")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGTIME_")}
    env["RAGTIME_DATA_DIR"] = str(data)
    subprocess.run([*RAGTIME, "ingest", *map(str, all_eval_pdfs())], env=env, check=True,
                   capture_output=True)  # fmt: skip
    runs, peaks = [], []
    for question in ("How much does a landing page cost?", "When does the game end?"):
        started = time.perf_counter()
        process = subprocess.Popen([*RAGTIME, "ask", question], env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        runs.append(time.perf_counter() - started)
        peaks.append(usage.ru_maxrss / 1024)
    print(f"cold ragtime ask on 5 PDFs: {', '.join(f'{s:.2f} s' for s in runs)}; "
          f"peak RSS {', '.join(f'{p:.0f} MB' for p in peaks)}")  # fmt: skip


def worker_memory() -> None:
    data = scratch_dir("laptop-worker")
    with local_stack(data, extra_env={"RAGTIME_EMBEDDER": "local"}) as stack:
        for pdf in all_eval_pdfs():
            shared = stack.driver.share_file(
                pdf.name, pdf.read_bytes(), user=ALICE, channel=GENERAL
            )
            stack.standin.wait_for_message(
                GENERAL, thread_ts=shared.ts, contains="Indexed", timeout=300
            )
        for q in eval_questions()[:10]:
            ask(stack, q["question"])
        rows = _worker_processes(data)
    for pid, name, rss in rows:
        print(f"worker process {pid} ({name}): RSS {rss / 1024:.0f} MB after indexing 5 PDFs"
              " and answering 10 questions")  # fmt: skip


def _worker_processes(data: Path) -> list[tuple[int, str, int]]:
    """The Celery worker's processes (found by their data directory): pid, role, RSS in KB."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if b"worker" not in command or str(data.resolve()).encode() not in environ:
            continue
        rss = int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])
        parent = int(next(x for x in status.splitlines() if x.startswith("PPid")).split()[1])
        found.append((int(entry.name), parent, rss))
    pids = {pid for pid, _, _ in found}
    return [(pid, "pool child" if ppid in pids else "Celery parent", rss)
            for pid, ppid, rss in sorted(found)]  # fmt: skip


def venv_size() -> None:
    venv = ROOT / ".venv"
    if venv.is_dir():
        out = subprocess.run(["du", "-sm", str(venv)], capture_output=True, text=True, check=True)
        print(f".venv: {out.stdout.split()[0]} MB (what make setup installed, and anything added)")


def main() -> None:
    demo()
    cold_ask()
    worker_memory()
    venv_size()


if __name__ == "__main__":
    main()
