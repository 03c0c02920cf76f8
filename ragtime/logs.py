"""Logs: one JSON object a line (or plain text for a terminal), each with a correlation id.

The id is made where a Slack request comes in, travels with the task it enqueues
(a message header) and is set again where the worker runs it, so every line from
the request to the posted answer can be found with one search. Secrets never reach
a line: the configured ones (tokens, signing secret, API keys, the database password)
and anything shaped like a Slack token or a response_url are masked on the way out.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ragtime.settings import Settings

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")

_PATTERNS = [
    re.compile(r"xox[abposr]-[A-Za-z0-9-]{6,}"),  # Slack bot, user and refresh tokens
    re.compile(r"xapp-[A-Za-z0-9-]{6,}"),  # Slack app-level tokens
    re.compile(r"https://hooks\.slack\.com/\S+"),  # response_urls and webhooks
    re.compile(r"(?<=://)([^:/@\s]+):([^@/\s]+)@"),  # user:password@ in URLs
]
MASK = "***"


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:16]


@contextmanager
def correlated(value: str | None) -> Iterator[str]:
    """Run the block with ``value`` (a new id when None) as the correlation id."""
    token = correlation_id.set(value or new_correlation_id())
    try:
        yield correlation_id.get()
    finally:
        correlation_id.reset(token)


class SecretFilter(logging.Filter):
    """Masks secret values and secret-shaped text in the message and its traceback."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: f"{m.group(1)}:{MASK}@" if m.re.groups else MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        record.correlation_id = correlation_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", correlation_id.get()),
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"


def configure_logging(settings: Settings) -> None:
    """Route every logger through one scrubbed handler on stderr, in the configured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SecretFilter(secret_values(settings)))
    handler.setFormatter(
        JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)


def secret_values(settings: Settings) -> list[str]:
    found = [
        secret.get_secret_value()
        for secret in (
            settings.slack_bot_token,
            settings.slack_signing_secret,
            settings.slack_app_token,
            settings.weaviate_api_key,
        )
        if secret is not None
    ]
    password = re.search(r"://[^:/@]+:([^@/]+)@", settings.database_url or "")
    if password:
        found.append(password.group(1))
    return found
