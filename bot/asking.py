"""A question from any Slack surface: limit, show it is being worked on, record, enqueue.

Runs after ``ack()``: Slack has its answer within milliseconds and everything here
happens while the person watches. ``/ask`` gets a placeholder message (its answer
replaces it); a question in a thread (mention, DM, follow-up, the agent view) gets
Slack's "is reading the documents…" status, which the answer's reply clears.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import BotDeps
from ragtime.db.models import AskedVia
from ragtime.db.questions import record_question, set_answer_message
from ragtime.metrics import metrics
from slackkit.blocks import placeholder_blocks

log = logging.getLogger(__name__)

USAGE = (
    "Ask me about the PDFs shared in this conversation, for example "
    "`/ask How much does a landing page cost?`"
)
# A question is a sentence or a paragraph; the model reads 256 word pieces of it.
MAX_QUESTION_CHARS = 2000
TOO_LONG = (
    "That question is {length:,} characters long; please ask it in under {limit:,}"
    " characters (the documents hold the details, the question only needs to point at them)."
)
UNTAKEN = "I couldn't take this question just now; please ask it again in a moment."
NOT_A_MEMBER = (
    "I'm not a member of this conversation, so I'll answer you here privately; "
    "invite me (`/invite @ragtime`) to answer for everyone and to read the PDFs shared here."
)
STATUS = "is reading the documents…"
LOADING = [
    "Reading the documents shared here…",
    "Looking for the passages that answer this…",
    "Checking the sources…",
]
# Slack's answers when the bot can't post in the conversation /ask came from.
_CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


@dataclass(frozen=True, slots=True)
class Asked:
    """Who asked what, where: ``team_id`` is the workspace the app is installed in."""

    team_id: str
    channel_id: str
    user_id: str
    text: str
    asked_via: AskedVia
    thread_ts: str | None  # None for /ask: the answer message starts the thread
    response_url: str | None = None  # /ask's, to answer where the bot can't post


def accept_question(
    deps: BotDeps, client: WebClient, asked: Asked, tell: Callable[[str], object]
) -> str | None:
    """Queue the question for an answer; returns its id (None when refused).

    ``tell`` speaks to the asker alone (an ephemeral message or the slash command's
    response).
    """
    if not asked.text:
        tell(USAGE)
        return None
    if len(asked.text) > MAX_QUESTION_CHARS:
        tell(TOO_LONG.format(length=len(asked.text), limit=MAX_QUESTION_CHARS))
        return None
    limited = deps.limiter.check(team_id=asked.team_id, user_id=asked.user_id)
    if limited is not None:
        metrics().rate_limited.inc()
        tell(limited.sentence)
        return None
    private = deps.settings.answer_visibility == "private"
    placeholder_ts, reply_url = None, None
    if asked.thread_ts is None and not private:
        placeholder_ts = _placeholder(client, asked)
        if placeholder_ts is None:  # the bot is not in that conversation: answer privately
            reply_url = asked.response_url
            tell(NOT_A_MEMBER)
    elif not private:
        _show_status(client, asked, STATUS)
    if private and asked.response_url:
        reply_url = asked.response_url  # reaches the asker wherever /ask was typed
    try:
        question_id = _record(deps, asked, placeholder_ts)
        deps.enqueuer.answer(question_id, reply_url=reply_url)
    except Exception:
        if placeholder_ts is not None:  # never leave "Looking…" behind
            client.chat_update(channel=asked.channel_id, ts=placeholder_ts, text=UNTAKEN, blocks=[])
        elif asked.thread_ts is not None and not private:
            _show_status(client, asked, "")  # nor "is reading…"
        raise
    if private:
        tell("Looking through the documents shared here… I'll answer you privately.")
    return question_id


def _placeholder(client: WebClient, asked: Asked) -> str | None:
    try:
        posted = client.chat_postMessage(
            channel=asked.channel_id,
            text="Looking through the documents shared here…",
            blocks=placeholder_blocks(asked.text),
        )
    except SlackApiError as exc:
        if exc.response.get("error") not in _CANNOT_POST or not asked.response_url:
            raise
        log.info("not a member of %s: answering privately", asked.channel_id)
        return None
    return str(posted["ts"])


def _show_status(client: WebClient, asked: Asked, status: str) -> None:
    """Best effort: a status Slack refuses must not stop the question ("" clears it)."""
    try:
        client.assistant_threads_setStatus(
            channel_id=asked.channel_id,
            thread_ts=str(asked.thread_ts),
            status=status,
            loading_messages=LOADING if status else None,
        )
    except SlackApiError as exc:
        log.info("status not shown: %s", exc.response.get("error"))


def _record(deps: BotDeps, asked: Asked, placeholder_ts: str | None) -> str:
    with deps.session() as session:
        question = record_question(
            session,
            team_id=asked.team_id,
            conversation_id=asked.channel_id,
            user_id=asked.user_id,
            text=asked.text,
            asked_via=asked.asked_via,
            thread_ts=asked.thread_ts or placeholder_ts,
        )
        if placeholder_ts is not None:
            set_answer_message(
                session, question_id=question.id, channel=asked.channel_id, ts=placeholder_ts
            )
        return question.id
