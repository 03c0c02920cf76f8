"""The bot on AWS Lambda, behind a Function URL, API Gateway HTTP API (v2) or REST API (v1).

Bolt's ``SlackRequestHandler`` with ``process_before_response=True``: each listener
does what must happen before Slack's 3-second limit (verify, record, enqueue on SQS,
post the placeholder or set the status) inline, and nothing runs after the response
(Lambda freezes threads). A Slack retry of an event already handled is recognised by
its event id (claimed in the database) and does nothing again. The module imports no
model stack and builds everything on the first invocation, once per container.
"""

from __future__ import annotations

import threading
from typing import Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler

_handler: SlackRequestHandler | None = None
_lock = threading.Lock()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's entry point."""
    from bot.observe import observed

    slack, request = _slack_handler(), normalised(event)
    response: dict[str, Any] = observed(
        lambda: slack.handle(request, context),  # type: ignore[no-untyped-call]
        status_of=lambda answered: int(answered.get("statusCode", 0)),
    )
    return response


def normalised(event: dict[str, Any]) -> dict[str, Any]:
    """What Bolt's adapter reads with ``[]``, filled in for events that leave it out."""
    event = dict(event)
    event.setdefault("isBase64Encoded", False)
    event["headers"] = dict(event.get("headers") or {})
    event["queryStringParameters"] = event.get("queryStringParameters") or {}
    return event


def _slack_handler() -> SlackRequestHandler:
    global _handler  # noqa: PLW0603 - one per Lambda container, by design
    with _lock:
        if _handler is None:
            _handler = _build()
        return _handler


def _build() -> SlackRequestHandler:
    from bot.app import create_app
    from bot.background import AfterAck
    from bot.deps import build_bot_deps
    from ragtime.logs import configure_logging
    from ragtime.settings import get_settings

    settings = get_settings()
    configure_logging(settings)
    deps = build_bot_deps(settings)
    deps.after_ack = AfterAck(inline=True)
    return SlackRequestHandler(create_app(settings, deps, process_before_response=True))


def reset() -> None:
    """Forget the built handler (tests: a new environment, a new container)."""
    global _handler  # noqa: PLW0603
    with _lock:
        _handler = None
