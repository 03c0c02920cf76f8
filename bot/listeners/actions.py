"""Clicks and forms: feedback on answers, the 👎 form, and App Home's document buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.admin import Command, run_admin_command
from bot.deps import BotDeps
from bot.feedback import REASON_VIEW, record_reason, record_vote
from bot.home import HOME_FORGET, HOME_PUBLISH, HOME_REINDEX, publish_home
from bot.workspace import installed_team
from ragtime.db.documents import get_document
from ragtime.db.models import Vote
from slackkit.blocks import FEEDBACK_ACTION, VOTE_DOWN, VOTE_UP, parse_feedback_value

_HOME_VERBS = {HOME_REINDEX: "reindex", HOME_FORGET: "forget", HOME_PUBLISH: "publish"}


def register(app: App, deps: BotDeps) -> None:
    def on_feedback(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        parsed = parse_feedback_value(str(action.get("value", "")))
        if parsed is None:
            return  # not a value this app wrote
        vote, answer_id = parsed
        deps.after_ack.run(
            lambda: record_vote(deps, client, body, vote=vote, answer_id=answer_id),
            client=client,
            channel=(body.get("channel") or {}).get("id"),
            user=body["user"]["id"],
        )

    def on_legacy_vote(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        vote: Vote = "up" if action["action_id"] == VOTE_UP else "down"
        deps.after_ack.run(
            lambda: record_vote(
                deps,
                client,
                body,
                vote=vote,
                answer_id=str(action["value"]),
                legacy=True,
            ),
            client=client,
            channel=(body.get("channel") or {}).get("id"),
            user=body["user"]["id"],
        )

    def on_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        errors = record_reason(deps, body, view)
        if errors is None:
            ack()
        else:
            ack(**errors)

    def on_home_button(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        team_id = installed_team(context)
        deps.after_ack.run(
            lambda: run_home_action(deps, client, team_id, body["user"]["id"], action),
            client=client,
            channel=None,
            user=body["user"]["id"],
        )

    listeners: dict[str, Callable[..., None]] = {
        FEEDBACK_ACTION: on_feedback,
        VOTE_UP: on_legacy_vote,
        VOTE_DOWN: on_legacy_vote,
    }
    listeners |= dict.fromkeys(_HOME_VERBS, on_home_button)
    for action_id in ACTIONS:
        app.action(action_id)(listeners[action_id])
    for callback_id in VIEWS:
        app.view(callback_id)(on_reason)


# The interactive surfaces (slack/manifest.yml's interactivity): block actions and forms.
ACTIONS = (FEEDBACK_ACTION, VOTE_UP, VOTE_DOWN, *_HOME_VERBS)
VIEWS = (REASON_VIEW,)


def run_home_action(
    deps: BotDeps, client: WebClient, team_id: str, user_id: str, action: dict[str, Any]
) -> None:
    """Run ``/ragtime <verb>`` on the clicked document, replying in the person's DM with the
    bot (where a re-index reports its progress), then redraw their home tab."""
    document_id = str(action.get("value", ""))
    with deps.session() as session:
        document = get_document(session, document_id=document_id)
        title = document.title if document is not None else document_id
    channel = str(client.conversations_open(users=user_id)["channel"]["id"])
    command = Command(
        team_id, channel, user_id, _HOME_VERBS[action["action_id"]], title, document_id=document_id
    )
    run_admin_command(
        deps, client, command, lambda text: client.chat_postMessage(channel=channel, text=text)
    )
    publish_home(deps, client, team_id=team_id, user_id=user_id)
