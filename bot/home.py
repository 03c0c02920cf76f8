"""App Home: how to ask and the documents a person can see; for admins, the dashboard.

Everyone sees the documents published workspace-wide or shared in conversations they
are a member of (Slack's ``users.conversations``, which lists only conversations the
bot is in too), never the others. Admins also see those documents with their status
and buttons that run the same audited actions as ``/ragtime`` (the rest are only
counted: a private channel's titles stay in it), this
week's questions, the answer rate, 👍/👎 with what the 👎 said, and the most-asked
questions that got "I couldn't find this" (from conversations they are in).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from bot.deps import BotDeps
from bot.feedback import REASON_LABELS
from ragtime.db.documents import workspace_documents
from ragtime.db.home import Gap, documents_visible_to, unanswered_questions
from ragtime.db.models import Document
from ragtime.db.stats import WorkspaceStats, workspace_stats
from ragtime.db.types import utcnow
from slackkit.blocks import Block, escape, section

HOME_REINDEX, HOME_FORGET, HOME_PUBLISH = "home_reindex", "home_forget", "home_publish"
MAX_DOCUMENTS_SHOWN = 30  # two blocks each: a view holds 100
HOW_TO_ASK = (
    "Ask with `/ask &lt;question&gt;`, by mentioning @ragtime in a channel, in a DM, or in the"
    " Messages tab. Share a PDF in a channel to add it: questions asked there can use it."
)


def publish_home(deps: BotDeps, client: WebClient, *, team_id: str, user_id: str) -> None:
    """Draw this person's home tab from what they may see."""
    admin = deps.admins.is_admin(client, user_id, team_id=team_id)
    conversations = member_conversations(client, user_id)
    since = utcnow() - timedelta(days=7)
    with deps.session() as session:
        visible = documents_visible_to(session, team_id=team_id, conversation_ids=conversations)
        blocks = _everyone(visible)
        if admin:
            hidden = len(workspace_documents(session, team_id=team_id)) - len(visible)
            blocks += _dashboard(
                workspace_stats(session, team_id=team_id, since=since),
                unanswered_questions(
                    session, team_id=team_id, conversation_ids=conversations, since=since
                ),
                visible,
                hidden,
            )
    client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks})


def member_conversations(client: WebClient, user_id: str) -> list[str]:
    """Conversations the person and the bot are both in, every page of them."""
    found: list[str] = []
    cursor: str | None = None
    while True:
        page = client.users_conversations(
            user=user_id,
            types="public_channel,private_channel,mpim,im",
            exclude_archived=True,
            limit=200,
            cursor=cursor,
        )
        channels: list[dict[str, Any]] = page.get("channels") or []
        found += [str(c["id"]) for c in channels]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return found


def _everyone(documents: Sequence[Document]) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "ragtime"}},
        section(HOW_TO_ASK),
        {"type": "header", "text": {"type": "plain_text", "text": "Documents you can ask about"}},
    ]
    indexed = [d for d in documents if d.status == "indexed"]
    if not indexed:
        blocks.append(section("None yet: share a PDF in a channel with me, or ask an admin."))
    lines = [f"• *{escape(d.title)}* ({d.pages} pages{_where(d)})" for d in indexed[:40]]
    blocks += [section("\n".join(lines[i : i + 20])) for i in range(0, len(lines), 20)]
    return blocks


def _dashboard(
    stats: WorkspaceStats, gaps: Sequence[Gap], documents: Sequence[Document], hidden: int
) -> list[Block]:
    votes = stats.upvotes + stats.downvotes
    figures = (
        f"*This week:* {stats.questions} questions, {stats.answer_rate:.0%} answered from the"
        f" documents · 👍 {stats.upvotes} / 👎 {stats.downvotes}"
        + (f" ({stats.upvotes / votes:.0%} positive)" if votes else "")
    )
    if stats.downvote_reasons:
        figures += "\n*What 👎 said was wrong:* " + ", ".join(
            f"{REASON_LABELS.get(reason, reason)} {n}" for reason, n in stats.downvote_reasons
        )
    blocks: list[Block] = [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": "Knowledge base (admins)"}},
        section(figures),
    ]
    if gaps:
        asked = "\n".join(f"• {escape(g.question)} ({g.times}×)" for g in gaps)
        blocks.append(section(f"*Asked but not found in the documents:*\n{asked}"))
    for document in documents[:MAX_DOCUMENTS_SHOWN]:
        blocks += _document_row(document)
    if len(documents) > MAX_DOCUMENTS_SHOWN:
        more = len(documents) - MAX_DOCUMENTS_SHOWN
        blocks.append(section(f"…and {more} more; `/ragtime docs` in a channel lists them."))
    if hidden > 0:  # private to conversations this admin is not in: counted, never named
        noun = "document is" if hidden == 1 else "documents are"
        blocks.append(section(f"{hidden} more {noun} shared only in conversations you're not in."))
    return blocks


def _document_row(document: Document) -> list[Block]:
    indexed = document.indexed_at.strftime("%Y-%m-%d %H:%M UTC") if document.indexed_at else "never"
    status = document.status if document.status != "failed" else f"failed: {document.error}"
    text = (
        f"*{escape(document.title)}* · {escape(str(status))} · {document.pages or 0} pages"
        f" · indexed {indexed}{_where(document)}"
    )
    buttons = [_button("Re-index", HOME_REINDEX, document.id)]
    if not document.workspace_wide:
        buttons.append(_button("Publish", HOME_PUBLISH, document.id))
    buttons.append(_button("Forget", HOME_FORGET, document.id, danger=True))
    return [section(text), {"type": "actions", "elements": buttons}]


def _where(document: Document) -> str:
    return ", workspace-wide" if document.workspace_wide else ""


def _button(label: str, action_id: str, document_id: str, *, danger: bool = False) -> Block:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": document_id,
    }
    if danger:
        button["style"] = "danger"
        button["confirm"] = {
            "title": {"type": "plain_text", "text": "Forget this document?"},
            "text": {"type": "plain_text", "text": "It stops answering questions everywhere."},
            "confirm": {"type": "plain_text", "text": "Forget it"},
            "deny": {"type": "plain_text", "text": "Keep it"},
        }
    return button
