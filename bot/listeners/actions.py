"""👍/👎 buttons: one vote per person per answer; a second click changes it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.deps import BotDeps
from ragtime.db.feedback import record_feedback, vote_counts
from ragtime.db.models import Vote
from slackkit.blocks import with_tally

THANKS = {"up": "Thanks, glad it helped! 👍", "down": "Thanks for telling me; I'll note it. 👎"}


def register(app: App, deps: BotDeps) -> None:
    def on_vote(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.after_ack.run(
            lambda: record_vote(deps, client, body, action),
            client=client,
            channel=body["channel"]["id"],
            user=body["user"]["id"],
        )

    app.action("vote_up")(on_vote)
    app.action("vote_down")(on_vote)


def record_vote(
    deps: BotDeps, client: WebClient, body: dict[str, Any], action: dict[str, Any]
) -> None:
    vote: Vote = "up" if action["action_id"] == "vote_up" else "down"
    user, channel = body["user"]["id"], body["channel"]["id"]
    answer_id = str(action["value"])
    with deps.session() as session:
        record_feedback(session, answer_id=answer_id, user_id=user, vote=vote)
        tally = vote_counts(session, answer_id=answer_id)
    message = body.get("message") or {}
    if body.get("container", {}).get("is_ephemeral") or not message.get("blocks"):
        # A private answer: Slack won't let us edit it, the thanks is enough.
        client.chat_postEphemeral(channel=channel, user=user, text=THANKS[vote])
        return
    client.chat_update(
        channel=channel,
        ts=body["container"]["message_ts"],
        text=message.get("text", ""),
        blocks=with_tally(message.get("blocks", []), up=tally["up"], down=tally["down"]),
    )
    client.chat_postEphemeral(channel=channel, user=user, text=THANKS[vote])
