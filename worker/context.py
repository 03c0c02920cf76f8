"""What every task needs, built once per worker process: settings, services, DB, Slack.

Built lazily on the first task, or by ``warm_up`` when a prefork child starts, never
at import and never in the parent before it forks. Tests build their own with
``build_context`` and fakes, and call the job functions directly.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from ragtime.bootstrap import Services, build_services
from ragtime.db import make_engine, session_factory
from ragtime.pdf import PdfReaderProcess
from ragtime.settings import Settings, get_settings
from slackkit.client import slack_client

log = logging.getLogger(__name__)


@dataclass
class WorkerContext:
    settings: Settings
    services: Services
    sessions: sessionmaker[Session]
    slack: WebClient
    # One long-lived PDF reader child: saves an interpreter start per file.
    pdf_reader: PdfReaderProcess = field(default_factory=PdfReaderProcess)

    def close(self) -> None:
        """Stop the PDF reader child and close the index."""
        self.pdf_reader.close()
        self.services.close()


def build_context(
    settings: Settings, *, services: Services | None = None, slack: WebClient | None = None
) -> WorkerContext:
    """Wire a context from ``settings``; tests pass fake services or a client of their own."""
    engine = make_engine(settings.resolved_database_url)
    return WorkerContext(
        settings=settings,
        services=services or build_services(settings),
        sessions=session_factory(engine),
        slack=slack or slack_client(settings),
    )


_settings: Settings | None = None
_context: WorkerContext | None = None
_lock = threading.Lock()


def configured_settings() -> Settings:
    """The settings this worker was started with (else read from the environment)."""
    return _settings or get_settings()


def use_settings(settings: Settings) -> None:
    """Build this process's context (and its forked children's) from ``settings``."""
    global _settings  # noqa: PLW0603 - one per process, by design
    _settings = settings


def current_context() -> WorkerContext:
    """This process's context, built on first use (from the environment unless told)."""
    global _context  # noqa: PLW0603 - one per process, by design
    with _lock:
        if _context is None:
            _context = build_context(_settings or get_settings())
        return _context


def warm_up() -> None:
    """Build the context and load the embedding model now, so the first answer is fast."""
    started = time.perf_counter()
    current_context().services.embedder.embed_query("warm up")
    log.info("worker warm in %.1f s", time.perf_counter() - started)
