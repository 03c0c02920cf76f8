"""👍/👎 on answers: one vote per person per answer, changeable; a 👎 asks what was wrong.

Answers carry Slack's native feedback control (``feedback_buttons``); answers posted
before it have plain 👍/👎 buttons with counts, which keep working. A 👎 opens a small
private form (a modal): wrong, incomplete, not in the documents, or other, with an
optional sentence; its answer is stored with the vote and shown by ``/ragtime stats``.
A vote for an answer that doesn't exist (a forged or stale click) is ignored.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import BotDeps
from ragtime.db.feedback import record_downvote_reason, record_feedback, vote_counts
from ragtime.db.models import DownvoteReason, Vote
from ragtime.metrics import metrics
from slackkit.blocks import with_tally

log = logging.getLogger(__name__)

REASON_VIEW = "downvote_reason"
REASON_BLOCK, REASON_ACTION = "reason", "reason_choice"
COMMENT_BLOCK, COMMENT_ACTION = "comment", "comment_text"
REASONS: dict[DownvoteReason, str] = {
    "wrong": "The answer is wrong",
    "incomplete": "It's incomplete",
    "not_in_documents": "The documents don't say this",
    "other": "Something else",
}
# How /ragtime stats and App Home name them.
REASON_LABELS: dict[str, str] = {
    "wrong": "wrong",
    "incomplete": "incomplete",
    "not_in_documents": "not in the documents",
    "other": "other",
}
THANKS = {"up": "Thanks, glad it helped! 👍", "down": "Thanks for telling me; I'll note it. 👎"}


def record_vote(
    deps: BotDeps,
    client: WebClient,
    body: dict[str, Any],
    *,
    vote: Vote,
    answer_id: str,
    legacy: bool = False,
) -> None:
    """Store the vote; a 👎 then asks privately what was wrong."""
    user, channel = body["user"]["id"], (body.get("channel") or {}).get("id")
    with deps.session() as session:
        stored = record_feedback(session, answer_id=answer_id, user_id=user, vote=vote)
        tally = vote_counts(session, answer_id=answer_id) if stored else None
    if tally is None:
        log.info("vote ignored: no answer %s (user %s)", answer_id, user)
        return
    metrics().votes.labels(vote=vote).inc()
    if legacy and not body.get("container", {}).get("is_ephemeral"):
        _redraw_legacy(client, body, tally)
    if vote == "down" and _ask_reason(client, body, answer_id):
        return
    if channel:
        client.chat_postEphemeral(channel=channel, user=user, text=THANKS[vote])


def record_reason(
    deps: BotDeps, body: dict[str, Any], view: dict[str, Any]
) -> dict[str, Any] | None:
    """Store what the 👎 form said; the ack's body (errors to show) or None to close it."""
    values = view.get("state", {}).get("values", {})
    chosen = values.get(REASON_BLOCK, {}).get(REASON_ACTION, {}).get("selected_option") or {}
    reason = chosen.get("value")
    comment = values.get(COMMENT_BLOCK, {}).get(COMMENT_ACTION, {}).get("value")
    if reason not in REASONS:
        return {"response_action": "errors", "errors": {REASON_BLOCK: "Pick what was wrong."}}
    if reason == "other" and not (comment or "").strip():
        return {
            "response_action": "errors",
            "errors": {COMMENT_BLOCK: "Say in a sentence what was wrong."},
        }
    answer_id = str(json.loads(view.get("private_metadata") or "{}").get("answer_id", ""))
    with deps.session() as session:
        stored = record_downvote_reason(
            session, answer_id=answer_id, user_id=body["user"]["id"], reason=reason, comment=comment
        )
    if not stored:
        log.info("reason ignored: no 👎 from %s on %s", body["user"]["id"], answer_id)
    return None


def reason_view(answer_id: str) -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": value}
        for value, label in REASONS.items()
    ]
    return {
        "type": "modal",
        "callback_id": REASON_VIEW,
        "private_metadata": json.dumps({"answer_id": answer_id}),
        "title": {"type": "plain_text", "text": "What was wrong?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "This answer…"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": REASON_ACTION,
                    "options": options,
                },
            },
            {
                "type": "input",
                "block_id": COMMENT_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Anything to add? (seen by admins)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": COMMENT_ACTION,
                    "multiline": True,
                },
            },
        ],
    }


def _ask_reason(client: WebClient, body: dict[str, Any], answer_id: str) -> bool:
    trigger = body.get("trigger_id")
    if not trigger:
        return False
    try:
        client.views_open(trigger_id=trigger, view=reason_view(answer_id))
    except SlackApiError as exc:  # an expired trigger: the vote stands, the thanks follows
        log.info("reason form not opened: %s", exc.response.get("error"))
        return False
    return True


def _redraw_legacy(client: WebClient, body: dict[str, Any], tally: dict[Vote, int]) -> None:
    message = body.get("message") or {}
    if not message.get("blocks"):
        return
    client.chat_update(
        channel=body["channel"]["id"],
        ts=body["container"]["message_ts"],
        text=message.get("text", ""),
        blocks=with_tally(message["blocks"], up=tally["up"], down=tally["down"]),
    )
