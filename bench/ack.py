"""Ack latency of `/ask`: ragtime's bot against a bare Bolt app, same server, same load, same run.

    python -m bench.ack [--requests 400]

Both apps run under gunicorn (gthread, 2 workers x 16 threads) on loopback; the bare
app's listener only acks. The load generator (its own process) sends freshly signed
`/ask` requests at 10 and then 50 concurrent connections, alternating the two apps
over two rounds. ragtime's bot does its real work after the ack (placeholder to the
stand-in, question to SQLite, task to the filesystem queue), so that work competes
with the acks exactly as it would in production. Also: the bot's import time and RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, scratch_dir
from bot.local_stack import free_port, stop_process
from ragtime.db.migrate import upgrade

PYTHON = sys.executable
STANDIN = (
    "from bot.standin import SlackStandIn; s = SlackStandIn().start(); "
    "print(s.url, flush=True); import time; time.sleep(10**6)"
)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=ROOT)  # fmt: skip


def wait_listening(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def load(url: str, secret: str, concurrency: int, requests: int, response_url: str) -> list[float]:
    done = subprocess.run(
        [PYTHON, "-m", "bench.loadgen", url, secret, str(concurrency), str(requests), response_url],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    result = json.loads(done.stdout)
    if result["errors"]:
        print(f"  ({len(result['errors'])} non-200 answers: {sorted(set(result['errors']))})")
    return list(result["latencies"])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def rss_mb(pid: int) -> float:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for child in [pid, *map(int, children)]:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def import_time() -> float:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, "-c", "import bot.http, bot.deps, taskqueue.enqueue"], check=True, cwd=ROOT
        )
        runs.append(time.perf_counter() - started)
    return min(runs)


def bench_stack(
    name: str, extra: dict[str, str] | None = None
) -> tuple[Path, str, subprocess.Popen[str], str, dict[str, str]]:
    """A scratch folder, a signing secret, the Slack stand-in (started) and the
    environment a bot and workers share: SQLite, the filesystem broker, no rate limit."""
    data = scratch_dir(name)
    secret = secrets.token_hex(16)
    standin = subprocess.Popen([PYTHON, "-c", STANDIN], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    standin_url = standin.stdout.readline().strip() if standin.stdout else ""
    database = f"sqlite:///{data / 'ragtime.db'}"
    upgrade(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGTIME_")} | {
        "SLACK_BOT_TOKEN": "xoxb-standin-token", "SLACK_SIGNING_SECRET": secret,
        "RAGTIME_SLACK_API_URL": f"{standin_url}/api/", "RAGTIME_DATA_DIR": str(data),
        "DATABASE_URL": database, "RAGTIME_RATE_LIMIT_USER_PER_HOUR": "1000000000",
        "RAGTIME_RATE_LIMIT_WORKSPACE_PER_HOUR": "1000000000",
    } | (extra or {})  # fmt: skip
    env.pop("REDIS_URL", None)
    return data, secret, standin, standin_url, env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    data, secret, standin, standin_url, env = bench_stack("ack")
    bare_port, bot_port = free_port(), free_port()
    bare = start([str(Path(PYTHON).parent / "gunicorn"), "-w", "2", "--threads", "16", "-k", "gthread",
                  "-b", f"127.0.0.1:{bare_port}", "bench.bare_bolt:create_wsgi_app()"],
                 env, data / "bare.log")  # fmt: skip
    bot = start([PYTHON, "-m", "ragtime", "bot", "--host", "127.0.0.1", "--workers", "2",
                 "--threads", "16"], env | {"RAGTIME_BOT_PORT": str(bot_port)}, data / "bot.log")  # fmt: skip
    try:
        wait_listening(bare_port)
        wait_listening(bot_port)
        measure(secret, bare_port, bot_port, args.requests, f"{standin_url}/response/bench")
        print(f"bot import time (bot.http + deps + enqueue): {import_time() * 1000:.0f} ms")
        print(f"bot RSS (gunicorn master + 2 workers): {rss_mb(bot.pid):.0f} MB; "
              f"bare Bolt app: {rss_mb(bare.pid):.0f} MB")  # fmt: skip
    finally:
        for process in (bare, bot):
            stop_process(process)
        standin.terminate()


def measure(secret: str, bare_port: int, bot_port: int, requests: int, response_url: str) -> None:
    urls = {
        "bare Bolt": f"http://127.0.0.1:{bare_port}/slack/events",
        "ragtime": f"http://127.0.0.1:{bot_port}/slack/events",
    }
    for url in urls.values():
        load(url, secret, 10, 100, response_url)  # warm up both
    print(f"{'concurrency':>11} {'app':>10} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for concurrency in (10, 50):
        samples: dict[str, list[float]] = {name: [] for name in urls}
        for _ in range(2):
            for name, url in urls.items():
                samples[name] += load(url, secret, concurrency, requests, response_url)
        for name, values in samples.items():
            print(f"{concurrency:>11} {name:>10} {len(values):>5} {statistics.median(values):8.1f} "
                  f"{pct(values, 0.99):8.1f}")  # fmt: skip
        ratio = pct(samples["ragtime"], 0.99) / pct(samples["bare Bolt"], 0.99)
        print(f"{'':>11} p99 ratio ragtime / bare: {ratio:.2f}")


if __name__ == "__main__":
    main()
