"""Socket Mode: run the bot against real Slack from a laptop, no public URL (SLACK_APP_TOKEN)."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import MissingCredentialsError, create_app
from bot.deps import build_bot_deps
from ragtime.settings import Settings


def run_socket_mode(settings: Settings) -> None:
    if settings.slack_app_token is None:
        raise MissingCredentialsError("Set SLACK_APP_TOKEN (xapp-...) to use Socket Mode.")
    app = create_app(settings, build_bot_deps(settings))
    SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
