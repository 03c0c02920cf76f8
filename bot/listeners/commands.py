"""Slash commands: `/ask` and `/ragtime`. Both ack first, then work."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.admin import parse, run_admin_command
from bot.asking import accept_question, question_text
from bot.deps import BotDeps


def register(app: App, deps: BotDeps) -> None:
    def ask_command(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        deps.after_ack.run(
            lambda: accept_question(
                deps,
                client,
                team_id=command["team_id"],
                channel_id=command["channel_id"],
                user_id=command["user_id"],
                text=question_text(command.get("text", "")),
                asked_via="slash_command",
                thread_ts=None,
                tell=lambda text: respond(text=text, response_type="ephemeral"),
            ),
            client=client,
            channel=command["channel_id"],
            user=command["user_id"],
            tell=lambda text: respond(text=text, response_type="ephemeral"),
        )

    def ragtime_command(
        ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        parsed = parse(
            command.get("text", ""),
            team_id=command["team_id"],
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

    app.command("/ask")(ask_command)
    app.command("/ragtime")(ragtime_command)
