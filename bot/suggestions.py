"""The agent view (the app's Messages tab): suggested prompts when a conversation opens.

A conversation there is a DM with the bot, and a question in it is scoped like any
DM: documents shared in it plus those published workspace-wide. So the prompts come
from exactly those documents, and each one can be answered where it is asked.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import BotDeps
from ragtime.db.documents import documents_visible_in
from slackkit.blocks import truncate

log = logging.getLogger(__name__)

MAX_PROMPTS = 4  # Slack shows at most four
NOTHING_YET = (
    "Hi! I answer questions from the PDFs shared with me. None can be asked about here yet:"
    " share a PDF in this conversation, or ask an admin to publish one with `/ragtime publish`."
)


def suggest_prompts(
    deps: BotDeps, client: WebClient, *, team_id: str, channel_id: str, thread_ts: str
) -> None:
    """Offer one prompt per document this conversation can use (the newest first)."""
    with deps.session() as session:
        documents = documents_visible_in(session, team_id=team_id, conversation_id=channel_id)
        titles = [
            d.title
            for d in sorted(documents, key=lambda d: d.indexed_at or d.queued_at, reverse=True)
            if d.status == "indexed"
        ][:MAX_PROMPTS]
    if not titles:
        client.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=NOTHING_YET)
        return
    prompts = [
        {
            "title": truncate(f"About {title}", 75),
            "message": f"What are the main points of {title}?",
        }
        for title in titles
    ]
    try:
        client.assistant_threads_setSuggestedPrompts(
            channel_id=channel_id,
            thread_ts=thread_ts,
            title="Ask about the documents I can read here",
            prompts=prompts,
        )
    except SlackApiError as exc:  # prompts are a nicety: the conversation works without them
        log.info("suggested prompts refused: %s", exc.response.get("error"))
