"""Slash commands: `/ask` and `/ragtime`. Both ack first, then work."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.admin import parse, run_admin_command
from bot.asking import Asked, accept_question
from bot.deps import BotDeps
from bot.workspace import installed_team
from slackkit.text import plain_text


def register(app: App, deps: BotDeps) -> None:
    def ask_command(
        ack: Ack,
        command: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()

        def accept() -> None:
            text = plain_text(
                command.get("text", ""),
                bot_user_id=context.bot_user_id,
                name_of=lambda user_id: deps.names.name_of(client, user_id),
            )
            asked = Asked(
                team_id=installed_team(context),
                channel_id=command["channel_id"],
                user_id=command["user_id"],
                text=text,
                asked_via="slash_command",
                thread_ts=None,
                response_url=command.get("response_url"),
            )
            accept_question(
                deps, client, asked, tell=lambda said: respond(text=said, response_type="ephemeral")
            )

        deps.after_ack.run(
            accept,
            client=client,
            channel=command["channel_id"],
            user=command["user_id"],
            tell=lambda text: respond(text=text, response_type="ephemeral"),
        )

    def ragtime_command(
        ack: Ack,
        command: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        parsed = parse(
            command.get("text", ""),
            team_id=installed_team(context),
            channel_id=command["channel_id"],
            user_id=command["user_id"],
        )
        deps.after_ack.run(
            lambda: run_admin_command(
                deps, client, parsed, lambda text: respond(text=text, response_type="ephemeral")
            ),
            client=client,
            channel=parsed.channel_id,
            user=parsed.user_id,
            tell=lambda text: respond(text=text, response_type="ephemeral"),
        )

    for name, listener in {"/ask": ask_command, "/ragtime": ragtime_command}.items():
        assert name in COMMANDS
        app.command(name)(listener)


COMMANDS = ("/ask", "/ragtime")  # slack/manifest.yml's slash_commands
