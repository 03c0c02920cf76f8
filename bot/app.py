"""The Bolt app factory: one ``App`` with every listener and one error handler."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.background import apologise
from bot.deps import BotDeps
from bot.listeners import actions, commands, events
from bot.observe import tag_request
from bot.replay import refuse_replays
from ragtime.settings import Settings
from slackkit.client import slack_client


class MissingCredentialsError(Exception):
    """The bot needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET."""


def create_app(
    settings: Settings,
    deps: BotDeps,
    *,
    client: WebClient | None = None,
    process_before_response: bool = False,
) -> App:
    """Build the app; nothing is contacted until the first request (no auth.test at start).

    ``process_before_response`` (AWS Lambda): each listener finishes before Slack gets
    its answer; pair it with an inline ``deps.after_ack``.
    """
    if settings.slack_signing_secret is None:
        raise MissingCredentialsError("Set SLACK_SIGNING_SECRET to the app's signing secret.")
    if client is None and settings.slack_bot_token is None:
        raise MissingCredentialsError("Set SLACK_BOT_TOKEN to the bot's xoxb- token.")
    client = client or slack_client(settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=False,
        process_before_response=process_before_response,
        # Listeners only ack and hand their work to deps.after_ack, so they are short;
        # a larger pool than Bolt's default 5 keeps a burst of them from queueing.
        listener_executor=deps.listener_pool,
    )
    app.middleware(refuse_replays(deps))
    app.middleware(tag_request)
    commands.register(app, deps)
    events.register(app, deps)
    actions.register(app, deps)
    app.error(_on_error)
    return app


def _on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
    """The one place listener errors end (work after the ack ends in AfterAck)."""
    channel, user = _where(body)
    apologise(client, channel, user, error)


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    event = body.get("event") or {}
    channel = (
        body.get("channel_id")
        or (body.get("channel") or {}).get("id")
        or event.get("channel")
        or event.get("channel_id")
    )
    user = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
    return channel, user
