"""A question from any Slack surface: limit, placeholder, record, enqueue.

Runs after ``ack()``: Slack has its answer within milliseconds and everything
here happens while the person watches the placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from slack_sdk import WebClient

from bot.deps import BotDeps
from ragtime.db.models import AskedVia
from ragtime.db.questions import record_question, set_answer_message
from slackkit.blocks import placeholder_blocks

USAGE = (
    "Ask me about the PDFs shared in this conversation, for example "
    "`/ask How much does a landing page cost?`"
)
UNTAKEN = "I couldn't take this question just now; please ask it again in a moment."
_MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")


def question_text(raw: str) -> str:
    """The question without the bot's @mention and surrounding blanks."""
    return " ".join(_MENTION.sub(" ", raw).split())


def accept_question(
    deps: BotDeps,
    client: WebClient,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    text: str,
    asked_via: AskedVia,
    thread_ts: str | None,
    tell: Callable[[str], object],
) -> str | None:
    """Queue ``text`` for an answer; returns the question id (None when refused).

    ``tell`` speaks to the asker alone (an ephemeral message or the slash
    command's response). ``thread_ts`` None (a slash command) starts a thread
    at the answer message, so follow-ups there keep the context.
    """
    if not text:
        tell(USAGE)
        return None
    limited = deps.limiter.check(team_id=team_id, user_id=user_id)
    if limited is not None:
        tell(limited.sentence)
        return None
    # Private answers are ephemeral and can't replace a placeholder: none is posted.
    private = deps.settings.answer_visibility == "private"
    placeholder_ts = None
    if not private:
        posted = client.chat_postMessage(
            channel=channel_id,
            thread_ts=thread_ts,
            text="Looking through the documents shared here…",
            blocks=placeholder_blocks(text),
        )
        placeholder_ts = str(posted["ts"])
    try:
        question_id = _record_and_enqueue(
            deps, team_id=team_id, channel_id=channel_id, user_id=user_id, text=text,
            asked_via=asked_via, thread_ts=thread_ts or placeholder_ts,
            placeholder_ts=placeholder_ts,
        )  # fmt: skip
    except Exception:
        if placeholder_ts is not None:  # never leave "Looking…" behind
            client.chat_update(channel=channel_id, ts=placeholder_ts, text=UNTAKEN, blocks=[])
        raise
    if private:
        tell("Looking through the documents shared here… I'll answer you privately.")
    return question_id


def _record_and_enqueue(
    deps: BotDeps,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    text: str,
    asked_via: AskedVia,
    thread_ts: str | None,
    placeholder_ts: str | None,
) -> str:
    with deps.session() as session:
        question = record_question(
            session,
            team_id=team_id,
            conversation_id=channel_id,
            user_id=user_id,
            text=text,
            asked_via=asked_via,
            thread_ts=thread_ts,
        )
        if placeholder_ts is not None:
            set_answer_message(
                session, question_id=question.id, channel=channel_id, ts=placeholder_ts
            )
    deps.enqueuer.answer(question.id)
    return question.id
