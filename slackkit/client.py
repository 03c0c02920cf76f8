"""The one Web API client the bot and the worker both use."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from ragtime.settings import Settings


def slack_client(settings: Settings) -> WebClient:
    """The bot token against the configured Slack (or the stand-in); waits out ``Retry-After``."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=30,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(),
        ],
    )


def post_to_response_url(url: str, **message: object) -> int:
    """Post privately through a slash command's response_url; the HTTP status.

    The URL is a credential for posting in the conversation: it is never logged.
    """
    from slack_sdk.webhook import WebhookClient

    response = WebhookClient(url, timeout=15).send(
        response_type="ephemeral",
        replace_original=False,
        **message,  # type: ignore[arg-type]
    )
    return int(response.status_code)
