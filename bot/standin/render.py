"""Block Kit and Slack markup as the plain text a person would read in the Slack client."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.standin.model import JSON

Names = Callable[[str], str]

# <@U123>, <#C123|general>, <!here>, then links <https://x|label> and bare <https://x>.
_SPECIAL = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^>|]+)(?:\|([^>]*))?>")


def plain(text: str, names: Names) -> str:
    """Slack markup to display text: mentions become @name, links their label."""

    def special(match: re.Match[str]) -> str:
        kind, target, label = match.groups()
        if kind == "@":
            return "@" + names(target)
        if kind == "#":
            return "#" + (label or target)
        return "@" + (label or target.split("^")[0])

    text = _SPECIAL.sub(special, text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    # Slack escapes exactly these three in message text.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(value: Any, names: Names) -> str:
    if isinstance(value, dict):
        value = value.get("text", "")
    return plain(str(value or ""), names)


def _element(element: JSON, names: Names) -> str:
    kind = element.get("type")
    if kind in ("mrkdwn", "plain_text"):
        return _text(element, names)
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind == "image":
        return str(element.get("alt_text", ""))
    if kind in ("static_select", "external_select", "users_select", "conversations_select"):
        return f"[{_text(element.get('placeholder'), names) or 'choose'} ▾]"
    if kind in _CONTEXT_ACTIONS:
        return _CONTEXT_ACTIONS[str(kind)](element, names)
    return f"[{kind}]"


def _feedback(element: JSON, names: Names) -> str:
    sides = (element.get("positive_button"), element.get("negative_button"))
    return " ".join(f"[{_text((b or {}).get('text'), names)}]" for b in sides)


_CONTEXT_ACTIONS: dict[str, Callable[[JSON, Names], str]] = {
    "feedback_buttons": _feedback,
    "icon_button": lambda e, names: f"[{_text(e.get('text'), names) or e.get('icon', '')}]",
}


_RICH_LEAVES: dict[str, Callable[[JSON, Names], str]] = {
    "text": lambda e, names: str(e.get("text", "")),
    "user": lambda e, names: "@" + names(str(e.get("user_id", ""))),
    "channel": lambda e, names: "#" + str(e.get("channel_id", "")),
    "link": lambda e, names: str(e.get("text") or e.get("url", "")),
    "emoji": lambda e, names: f":{e.get('name', '')}:",
    "broadcast": lambda e, names: "@" + str(e.get("range", "")),
}


def _rich(element: JSON, names: Names) -> str:
    kind = str(element.get("type"))
    if kind in _RICH_LEAVES:
        return _RICH_LEAVES[kind](element, names)
    inner = [_rich(child, names) for child in element.get("elements", [])]
    if kind == "rich_text_list":
        return "\n".join(f"• {item}" for item in inner)
    return ("\n" if kind == "rich_text" else "").join(inner)


def _section_lines(block: JSON, names: Names) -> list[str]:
    lines = [_text(block.get("text"), names)] if block.get("text") else []
    fields = [_text(f, names) for f in block.get("fields", [])]
    if fields:
        lines.append(" | ".join(fields))
    if block.get("accessory"):
        lines.append(_element(block["accessory"], names))
    return lines


_BLOCKS: dict[str, Callable[[JSON, Names], list[str]]] = {
    "section": _section_lines,
    "header": _section_lines,
    "markdown": _section_lines,
    "context": lambda b, names: [" · ".join(_element(e, names) for e in b.get("elements", []))],
    "actions": lambda b, names: [" ".join(_element(e, names) for e in b.get("elements", []))],
    "context_actions": lambda b, names: [
        " ".join(_element(e, names) for e in b.get("elements", []))
    ],
    "divider": lambda b, names: ["---"],
    "image": lambda b, names: [f"[image: {b.get('alt_text', '')}]"],
    "rich_text": lambda b, names: [_rich(b, names)],
    "input": lambda b, names: [_text(b.get("label"), names) + ": [input]"],
}


def block_lines(block: JSON, names: Names) -> list[str]:
    """One block as lines of text: buttons read `[👍 3] [👎 0]`."""
    kind = str(block.get("type"))
    render = _BLOCKS.get(kind)
    return render(block, names) if render else [f"[{kind}]"]


def body_lines(text: str, blocks: list[JSON], attachments: list[JSON], names: Names) -> list[str]:
    """What the client shows for a message: its blocks when it has them, else its text."""
    if blocks:
        rendered = [line for block in blocks for line in block_lines(block, names)]
    else:
        rendered = [plain(text, names)]
    for attachment in attachments:
        rendered += [
            line for block in attachment.get("blocks", []) for line in block_lines(block, names)
        ]
        rendered.append(plain(str(attachment.get("text") or attachment.get("fallback", "")), names))
    return [line for chunk in rendered for line in chunk.splitlines() if line.strip()]
