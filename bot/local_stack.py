"""The whole product on one machine: the Slack stand-in, the bot over HTTP and a worker.

``ragtime demo``, the end-to-end tests and the benchmarks start it the same way:
real processes (gunicorn for the bot, a Celery worker), real signed requests, and
the stand-in in place of Slack.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bot.standin import SlackStandIn, StandInDriver
from ragtime.db.migrate import upgrade


class StackError(Exception):
    """A process of the local stack did not start; the message says which and why."""


@dataclass
class LocalStack:
    standin: SlackStandIn
    driver: StandInDriver
    bot_url: str
    env: dict[str, str]
    data_dir: Path
    logs: dict[str, Path]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_env(
    standin: SlackStandIn, *, data_dir: Path, database_url: str, port: int, extra: dict[str, str]
) -> dict[str, str]:
    """The environment both processes share: one database, one queue, one Slack."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAGTIME_")}
    for name in ("REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL", "SLACK_BOT_TOKEN"):
        base.pop(name, None)
    return (
        base
        | {
            "RAGTIME_DATA_DIR": str(data_dir.resolve()),
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": standin.token,
            "SLACK_SIGNING_SECRET": secrets.token_hex(16),
            "RAGTIME_SLACK_API_URL": standin.api_url,
            # Hosts, not host:port: the worker matches the download URL's host name.
            "RAGTIME_SLACK_FILE_HOSTS": urllib.parse.urlsplit(standin.url).hostname or "",
            "RAGTIME_BOT_PORT": str(port),
            "PYTHONUNBUFFERED": "1",
        }
        | extra
    )


@contextmanager
def local_stack(
    data_dir: Path,
    *,
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    worker_concurrency: int = 1,
    bot_threads: int = 8,
) -> Iterator[LocalStack]:
    """Start everything, yield it, stop everything (also when the block fails)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{(data_dir / 'ragtime.db').resolve()}"
    upgrade(database_url)
    port = free_port()
    with ExitStack() as stack:
        standin = stack.enter_context(SlackStandIn())
        env = stack_env(
            standin, data_dir=data_dir, database_url=database_url, port=port,
            extra=extra_env or {},
        )  # fmt: skip
        logs = {"worker": data_dir / "worker.log", "bot": data_dir / "bot.log"}
        worker_command = ["worker", "--concurrency", str(worker_concurrency), "--pool", "prefork"]
        bot_command = [
            "bot",
            "--host",
            "127.0.0.1",
            "--workers",
            "1",
            "--threads",
            str(bot_threads),
        ]
        worker = stack.enter_context(_process(worker_command, env, logs["worker"]))
        bot = stack.enter_context(_process(bot_command, env, logs["bot"]))
        _wait_for_log(worker, logs["worker"], " ready.", what="the worker")
        base = f"http://127.0.0.1:{port}"
        _wait_for_http(bot, logs["bot"], f"{base}/healthz")
        driver = StandInDriver(standin, f"{base}/slack/events", env["SLACK_SIGNING_SECRET"])
        yield LocalStack(standin, driver, base, env, data_dir, logs)


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ragtime", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the whole process group is stopped together
        )
    try:
        yield process
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process, SIGKILL its whole group once it exits or after 15 s.

    Only the leader gets the SIGTERM: Celery and gunicorn stop their own children, and
    a pool child killed under Celery's feet would only be replaced, slowing the stop.
    """
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever it left behind
    process.wait(timeout=5)


def _wait_for_log(
    process: subprocess.Popen[bytes], log: Path, marker: str, *, what: str, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker in log.read_text(errors="replace"):
            return
        _check_alive(process, log, what)
        time.sleep(0.1)
    raise StackError(f"{what} did not become ready in {timeout:g} s; see {log}")


def _wait_for_http(
    process: subprocess.Popen[bytes], log: Path, url: str, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass  # not listening yet
        _check_alive(process, log, "the bot")
        time.sleep(0.1)
    raise StackError(f"the bot did not answer {url} in {timeout:g} s; see {log}")


def _check_alive(process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    if process.poll() is not None:
        tail = _tail(log.open("rb"))
        raise StackError(f"{what} exited with status {process.returncode}:\n{tail}")


def _tail(handle: IO[bytes], size: int = 3000) -> str:
    with handle:
        data = handle.read()
    return data[-size:].decode(errors="replace")
