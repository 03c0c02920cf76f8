"""Where an answer goes in Slack, and how it arrives there.

- ``/ask`` replaced its placeholder; with a streaming generator the placeholder shows
  the text as it is written (``PlaceholderEdits``).
- A mention, DM, thread follow-up or agent-view question is a reply in its thread,
  streamed with Slack's native streaming when the generator streams
  (``ThreadStream``), else posted once; the bot's "is reading the documents…" status
  clears when the reply lands.
- Private answers (``RAGTIME_ANSWER_VISIBILITY=private``) are ephemeral, and a ``/ask``
  from a conversation the bot is not in is answered through its ``response_url``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from ragtime.db import session_scope
from ragtime.db.audit import claim_event, release_event
from ragtime.db.models import Question
from ragtime.db.questions import set_answer_message
from ragtime.domain import Citation
from slackkit.blocks import (
    answer_blocks,
    answer_fallback_text,
    feedback_block,
    not_found_blocks,
    source_blocks,
)
from slackkit.client import post_to_response_url
from slackkit.streaming import PlaceholderEdits, ThreadStream
from worker.context import WorkerContext
from worker.errors import TransientError

log = logging.getLogger(__name__)

Live = PlaceholderEdits | ThreadStream


@dataclass(frozen=True, slots=True)
class Posting:
    """One answer, ready for Slack."""

    answer_id: str
    text: str
    citations: tuple[Citation, ...]
    found: bool


def live_surface(ctx: WorkerContext, question: Question, reply_url: str | None) -> Live | None:
    """How to show this answer while it is written, if the generator streams at all."""
    if (
        not ctx.services.generator.streams
        or reply_url
        or ctx.settings.answer_visibility == "private"
    ):
        return None
    if question.answer_channel and question.answer_ts:
        # /ask's placeholder, or a stream an earlier run started: edit that message.
        echo = question.text if question.asked_via == "slash_command" else None
        return PlaceholderEdits(ctx.slack, question.answer_channel, question.answer_ts, echo)
    if question.thread_ts is None:
        return None

    def started(ts: str) -> None:  # a re-run edits this message instead of posting again
        with session_scope(ctx.sessions) as session:
            set_answer_message(
                session, question_id=question.id, channel=question.conversation_id, ts=ts
            )

    return ThreadStream(
        ctx.slack,
        channel=question.conversation_id,
        thread_ts=question.thread_ts,
        recipient_user_id=question.user_id,
        recipient_team_id=question.team_id,
        on_started=started,
    )


def post_answer(
    ctx: WorkerContext,
    question: Question,
    posting: Posting,
    live: Live | None,
    reply_url: str | None,
) -> None:
    """Put the finished answer where the person is looking, exactly once."""
    message = message_for(question, posting)
    if reply_url:
        _send_once(ctx, question, lambda: send_to_response_url(reply_url, message))
    elif ctx.settings.answer_visibility == "private":
        _send_once(
            ctx,
            question,
            lambda: ctx.slack.chat_postEphemeral(
                channel=question.conversation_id,
                user=question.user_id,
                thread_ts=question.thread_ts,
                **message,
            ),
        )
        clear_status(ctx, question)
    elif isinstance(live, ThreadStream) and live.finish(
        stop_blocks=_stop_blocks(posting), replace=not posting.found, **message
    ):
        return
    elif question.answer_channel and question.answer_ts:
        ctx.slack.chat_update(channel=question.answer_channel, ts=question.answer_ts, **message)
    else:
        posted = ctx.slack.chat_postMessage(
            channel=question.conversation_id, thread_ts=question.thread_ts, **message
        )
        with session_scope(ctx.sessions) as session:  # a re-run edits it rather than post again
            set_answer_message(
                session,
                question_id=question.id,
                channel=str(posted["channel"]),
                ts=str(posted["ts"]),
            )


def _send_once(ctx: WorkerContext, question: Question, send: Callable[[], object]) -> None:
    """A private answer can't be edited or taken back, so it is sent at most once.

    The claim is taken before sending. Slack answering with an error (a 429, a 500)
    means nothing was shown: the claim is given back and the retry sends it. A crash
    or a lost connection leaves the claim, and a re-run sends nothing rather than a
    second copy.
    """
    key = f"private-answer:{question.id}"
    with session_scope(ctx.sessions) as session:
        first = claim_event(session, event_id=key)
    if not first:
        log.info("private answer already sent question=%s", question.id)
        return
    try:
        send()
    except (SlackApiError, TransientError):
        with session_scope(ctx.sessions) as session:
            release_event(session, event_id=key)
        raise


def message_for(question: Question, posting: Posting) -> dict[str, Any]:
    # /ask's text is seen only by the asker, so the answer repeats it for everyone else.
    echo = question.text if question.asked_via == "slash_command" else None
    if not posting.found:
        return {"text": posting.text, "blocks": not_found_blocks(posting.text, question=echo)}
    blocks = answer_blocks(
        answer_text=posting.text,
        citations=posting.citations,
        answer_id=posting.answer_id,
        question=echo,
    )
    return {"text": answer_fallback_text(posting.text, posting.citations), "blocks": blocks}


def _stop_blocks(posting: Posting) -> list[dict[str, Any]]:
    return [*source_blocks(posting.citations), feedback_block(posting.answer_id)]


def send_to_response_url(url: str, message: dict[str, Any]) -> None:
    """Answer privately through a slash command's response_url (the URL is never logged)."""
    status = post_to_response_url(url, **message)
    if status == 429 or status >= 500:
        raise TransientError(f"response_url answered {status}")
    if status != 200:
        log.warning("response_url refused the answer: HTTP %d", status)


def clear_status(ctx: WorkerContext, question: Question) -> None:
    """An ephemeral reply doesn't clear the thread's "is reading…" status: clear it."""
    if question.thread_ts is None:
        return
    try:
        ctx.slack.assistant_threads_setStatus(
            channel_id=question.conversation_id, thread_ts=question.thread_ts, status=""
        )
    except SlackApiError as exc:
        log.info("status not cleared: %s", exc.response.get("error"))
