"""Block Kit for questions and answers: pure functions, no Slack client, no I/O.

The bot draws the placeholder and redraws the vote counts; the worker draws the
answer. Text that comes from people or documents is escaped, so a PDF that says
``<!channel>`` cannot ping anyone.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from ragtime.domain import Citation

Block = dict[str, Any]

PLACEHOLDER_TEXT = "Looking through the documents shared here…"
FEEDBACK_BLOCK_ID = "feedback"
VOTE_UP = "vote_up"
VOTE_DOWN = "vote_down"
# Block Kit limits: 3000 characters in a section's text, 50 blocks in a message.
MAX_SECTION_CHARS = 3000
MAX_BLOCKS = 50
MAX_FALLBACK_CHARS = 3000
_HALF_ENTITY = re.compile(r"&[a-z]{0,3}$")


def escape(text: str) -> str:
    """Slack mrkdwn escaping: only &, < and > are special."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in "…" when cut; never half an entity."""
    if len(text) <= limit:
        return text
    return _HALF_ENTITY.sub("", text[: limit - 1]) + "…"


def placeholder_blocks(question: str | None = None) -> list[Block]:
    """What the bot posts at once; the worker replaces it with the answer."""
    blocks = _asked(question)
    blocks.append(_section(f"_{PLACEHOLDER_TEXT}_"))
    return blocks


def answer_blocks(
    *,
    answer_text: str,
    citations: Sequence[Citation],
    answer_id: str,
    up: int = 0,
    down: int = 0,
    question: str | None = None,
) -> list[Block]:
    """The answer, one context line per citation, and the 👍/👎 buttons.

    ``question`` is echoed above the answer (for ``/ask``, whose text nobody else sees).
    """
    blocks = _asked(question)
    blocks.append(_section(escape(answer_text)))
    room = MAX_BLOCKS - len(blocks) - 1  # the buttons take the last place
    blocks.extend(_citation_block(c) for c in citations[:room])
    blocks.append(_feedback(answer_id, up, down))
    return blocks


def writing_blocks(text_so_far: str, *, question: str | None = None) -> list[Block]:
    """An answer being written: what the model wrote so far, then "writing…"."""
    return [*_asked(question), _section(escape(text_so_far) + " …"), _context("_writing…_")]


def not_found_blocks(text: str, *, question: str | None = None) -> list[Block]:
    """A "nothing relevant here" answer: no citations and nothing to vote on."""
    return [*_asked(question), _section(escape(text))]


def with_tally(blocks: Sequence[Block], *, up: int, down: int) -> list[Block]:
    """A copy of an answer's blocks with the buttons showing these counts."""
    redrawn = copy.deepcopy(list(blocks))
    for block in redrawn:
        if block.get("type") != "actions" or block.get("block_id") != FEEDBACK_BLOCK_ID:
            continue
        for button in block.get("elements", []):
            if button.get("action_id") == VOTE_UP:
                button["text"]["text"] = f"👍 {up}"
            elif button.get("action_id") == VOTE_DOWN:
                button["text"]["text"] = f"👎 {down}"
    return redrawn


def answer_fallback_text(answer_text: str, citations: Sequence[Citation] = ()) -> str:
    """Plain text for notifications and clients that cannot show blocks."""
    sources = "; ".join(f"[{c.number}] {c.title}, {c.pages}" for c in citations)
    text = f"{answer_text}\nSources: {sources}" if sources else answer_text
    return truncate(text, MAX_FALLBACK_CHARS)


def citation_line(citation: Citation) -> str:
    """``[1] <link|title>, p. 3``: a Slack link when the document has one."""
    title = escape(citation.title)
    link = citation.link
    # A link holding | or > would break out of Slack's <url|label> syntax.
    if link and not any(ch in link for ch in "|<> "):
        title = f"<{link}|{title}>"
    return f"[{citation.number}] {title}, {citation.pages}"


def _asked(question: str | None) -> list[Block]:
    if not question:
        return []
    text = truncate(f"> {escape(' '.join(question.split()))}", MAX_SECTION_CHARS)
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]


def _section(text: str) -> Block:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_CHARS)},
    }


def _citation_block(citation: Citation) -> Block:
    return _context(citation_line(citation))


def _context(text: str) -> Block:
    text = truncate(text, MAX_SECTION_CHARS)
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _feedback(answer_id: str, up: int, down: int) -> Block:
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK_ID,
        "elements": [
            _button(VOTE_UP, f"👍 {up}", answer_id),
            _button(VOTE_DOWN, f"👎 {down}", answer_id),
        ],
    }


def _button(action_id: str, text: str, value: str) -> Block:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
    }
