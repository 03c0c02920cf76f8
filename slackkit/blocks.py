"""Block Kit for questions and answers: pure functions, no Slack client, no I/O.

The bot draws the placeholder and redraws the vote counts; the worker draws the
answer. Text that comes from people or documents is escaped, so a PDF that says
``<!channel>`` cannot ping anyone.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from typing import Any, Literal

from ragtime.domain import Citation

Block = dict[str, Any]

PLACEHOLDER_TEXT = "Looking through the documents shared here…"
FEEDBACK_BLOCK_ID = "feedback"
FEEDBACK_ACTION = "answer_feedback"
# The buttons answers had before Slack's native feedback control; old messages keep them.
VOTE_UP = "vote_up"
VOTE_DOWN = "vote_down"
# Block Kit limits: 3000 characters in a section's text, 50 blocks in a message, and a
# message fails near 13,000 characters of blocks (this leaves room for the JSON).
MAX_SECTION_CHARS = 3000
MAX_MARKDOWN_CHARS = 12_000
MAX_BLOCKS = 50
MAX_MESSAGE_CHARS = 11_000
MAX_FALLBACK_CHARS = 3000
CUT_NOTE = "\n\n_(The answer was longer than one Slack message holds; the rest is cut.)_"
_HALF_ENTITY = re.compile(r"&[a-z]{0,3}$")
_SLACK_SYNTAX = re.compile(r"<(?=[!@#])")


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
    question: str | None = None,
) -> list[Block]:
    """The answer, one context line per citation, and the 👍/👎 feedback control.

    ``question`` is echoed above the answer (for ``/ask``, whose text nobody else sees).
    However long the answer, the message stays within Slack's limits and the
    citations and feedback stay visible: the text is split into sections under
    3,000 characters and cut, with a note, past what one message can hold.
    """
    asked = _asked(question)
    sources = source_blocks(citations[: MAX_BLOCKS - len(asked) - 2])
    room = MAX_MESSAGE_CHARS - _chars(asked) - _chars(sources)
    body = {"type": "markdown", "text": fit_text(markdown_safe(answer_text), room)}
    return [*asked, body, *sources, feedback_block(answer_id)]


def markdown_safe(text: str) -> str:
    """Text for a ``markdown`` block or a stream: the model's markdown stays, but nothing
    in a document can become a Slack mention (``<!channel>``, ``<@U…>``, ``<#C…>``)."""
    return _SLACK_SYNTAX.sub("<\u200b", text)


def fit_text(text: str, limit: int) -> str:
    """At most ``limit`` characters (and a markdown block's 12,000), saying so when cut."""
    limit = min(limit, MAX_MARKDOWN_CHARS)
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(CUT_NOTE) - 1, 1)]
    end = max(cut.rfind("\n\n"), cut.rfind(". "), cut.rfind(" "))
    return (cut[: end + 1] if end > len(cut) // 2 else cut).rstrip() + "…" + CUT_NOTE


def source_blocks(citations: Sequence[Citation]) -> list[Block]:
    """One context line per citation: what a streamed answer gets when it stops."""
    return [_citation_block(c) for c in citations]


def feedback_block(answer_id: str) -> Block:
    """Slack's native 👍/👎 (``feedback_buttons`` in a ``context_actions`` block)."""
    return {
        "type": "context_actions",
        "block_id": FEEDBACK_BLOCK_ID,
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK_ACTION,
                "positive_button": {
                    "text": {"type": "plain_text", "text": "👍"},
                    "accessibility_label": "This answer helped",
                    "value": f"up:{answer_id}",
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": "👎"},
                    "accessibility_label": "This answer was wrong or not useful",
                    "value": f"down:{answer_id}",
                },
            }
        ],
    }


def parse_feedback_value(value: str) -> tuple[Literal["up", "down"], str] | None:
    """``("up" | "down", answer_id)`` from a feedback button's value, or None if not ours."""
    vote, _, answer_id = value.partition(":")
    if not answer_id:
        return None
    if vote == "up":
        return "up", answer_id
    if vote == "down":
        return "down", answer_id
    return None


def _chars(blocks: Sequence[Block]) -> int:
    return len(json.dumps(blocks, ensure_ascii=False))


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
    return truncate(escape(text), MAX_FALLBACK_CHARS)


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


def section(text: str) -> Block:
    """A mrkdwn section (``text`` already escaped), cut to Slack's 3,000 characters."""
    return _section(text)


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
