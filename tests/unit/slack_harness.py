"""The real Bolt app and the real worker code against the Slack stand-in, in one process.

The bot is built as production builds it (``create_app`` + ``build_bot_deps``) and
served over HTTP; the stand-in's driver sends it real signed requests shaped as Slack
sends them. The queue is a recorder; ``answer`` runs the worker's own job function
(hashing embedder, the configured generator) so answers land in the stand-in.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.background import ContextPool
from bot.deps import BotDeps, build_bot_deps
from bot.http import create_wsgi_app
from bot.standin import SlackStandIn, StandInDriver
from bot.standin.bolt_server import serve_wsgi
from ragtime.bootstrap import build_services
from ragtime.db import session_scope
from ragtime.db.migrate import upgrade
from ragtime.db.models import Question
from ragtime.embedding.hashing import HashingEmbedder
from ragtime.logs import correlated, correlation_id
from ragtime.settings import Settings, load_settings
from worker.answering import answer_slack_question
from worker.context import WorkerContext, build_context
from worker.ingesting import ingest_slack_file
from worker.maintenance import sync_document_scope

SECRET = "harness-signing-secret"
_TEMPLATE: list[Path] = []


@dataclass
class Queue:
    """What the bot enqueued: (task, args) in order."""

    sent: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def send(*args: Any, **kwargs: Any) -> None:
            # As the real enqueuer does, the request's correlation id goes with the task.
            self.sent.append((name, args, kwargs | {"correlation": correlation_id.get()}))

        return send

    def of(self, task: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, kwargs) for name, args, kwargs in self.sent if name == task]


class TrackedPool(ContextPool):
    """Bolt's listener pool, able to say when every listener it started has finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="listener")
        self._futures: set[Future[Any]] = set()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self._futures.add(future)
        return future

    def idle(self) -> bool:
        return all(f.done() for f in list(self._futures))

    def wait_idle(self) -> bool:
        return not wait(list(self._futures), timeout=30).not_done


@dataclass
class Harness:
    standin: SlackStandIn
    driver: StandInDriver
    deps: BotDeps
    queue: Queue
    settings: Settings
    worker: WorkerContext
    bot_url: str

    def settle(self) -> None:
        """Wait for the listeners Bolt is running and the work they handed over after acking."""
        pool = self.deps.listener_pool
        assert isinstance(pool, TrackedPool)
        for _ in range(100):
            listeners = pool.wait_idle()
            drained = self.deps.after_ack.drain(timeout=30)
            if listeners and drained and pool.idle():
                return
        raise AssertionError("the bot never settled")

    def questions(self) -> list[Question]:
        self.settle()
        with session_scope(self.deps.sessions) as session:
            rows = session.scalars(select(Question).order_by(Question.asked_at)).all()
            session.expunge_all()
            return list(rows)

    def answer_all(self) -> None:
        """Run the worker's job for every question the bot enqueued, as the queue would."""
        self.settle()
        for args, kwargs in self.queue.of("answer"):
            with correlated(kwargs["correlation"]):
                answer_slack_question(self.worker, args[0], kwargs.get("reply_url"))

    def ingest_all(self) -> None:
        """Run the worker's ingest for every document the bot queued, then its scope syncs."""
        self.settle()
        for args, _ in self.queue.of("ingest"):
            notice = args[1] if len(args) > 1 and args[1] else (None, None)
            ingest_slack_file(self.worker, args[0], *notice)
        for args, _ in self.queue.of("sync_scope"):
            sync_document_scope(self.worker, args[0])


def _migrated(url_path: Path) -> None:
    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="ragtime-harness-")) / "ragtime.db"
        upgrade(f"sqlite:///{template}")
        _TEMPLATE.append(template)
    shutil.copyfile(_TEMPLATE[0], url_path)


@contextmanager
def harness(
    tmp_path: Path, standin: SlackStandIn | None = None, **overrides: Any
) -> Iterator[Harness]:
    with standin or SlackStandIn() as slack:
        database = tmp_path / "ragtime.db"
        _migrated(database)
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "database_url": f"sqlite:///{database}",
            "embedder": "hashing",
            "slack_bot_token": slack.token,
            "slack_signing_secret": SECRET,
            "slack_api_url": slack.api_url,
            "slack_file_hosts": "127.0.0.1",
        }
        settings = load_settings(**(values | overrides))
        queue = Queue()
        deps = build_bot_deps(settings, enqueuer=queue)  # type: ignore[arg-type]
        deps.listener_pool = TrackedPool()
        application = create_wsgi_app(settings, deps)  # the bot's whole HTTP surface
        worker = build_context(
            settings, services=build_services(settings, embedder=HashingEmbedder())
        )
        try:
            with serve_wsgi(application) as url:
                driver = StandInDriver(slack, url, SECRET)
                yield Harness(slack, driver, deps, queue, settings, worker, url)
        finally:
            deps.after_ack.shutdown()
            worker.close()
