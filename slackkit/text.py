"""Slack's message markup to the text a person wrote, and back out escaped once.

Slack sends ``&``, ``<`` and ``>`` as entities and wraps mentions, channels, links
and special mentions in angle brackets: ``<@U123|bob>``, ``<#C123|general>``,
``<https://x.y|label>``, ``<!here>``, ``<!subteam^S1|@team>``, ``<!date^…|fallback>``.
``plain_text`` keeps what the person meant (mentions as @name, links as their label)
and drops only the bot's own mention; rendering escapes it again exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_ANGLED = re.compile(r"<([^<>]*)>")
# Control characters (NUL among them: PostgreSQL text can't hold it), lone surrogates and
# the replacement character: never part of what a person meant. Tabs and newlines
# are whitespace and become single spaces.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}

NameOf = Callable[[str], str]


def unescape(text: str) -> str:
    """Slack's three entities back to characters (``&amp;`` last, so ``&amp;lt;`` stays ``&lt;``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(raw: str, *, bot_user_id: str | None = None, name_of: NameOf | None = None) -> str:
    """What the person wrote, one line of single spaces; the bot's @mention removed,
    control characters dropped.

    ``name_of`` turns a bare ``<@U123>`` (no label) into a display name.
    """

    def replace(match: re.Match[str]) -> str:
        return _readable(match.group(1), bot_user_id, name_of)

    return " ".join(_CONTROL.sub(" ", unescape(_ANGLED.sub(replace, raw))).split())


def _readable(inner: str, bot_user_id: str | None, name_of: NameOf | None) -> str:
    target, _, label = inner.partition("|")
    kind, rest = target[:1], target[1:]
    if kind == "@":
        return _user(rest, label, bot_user_id, name_of)
    if kind == "#":
        return f"#{label or rest}"
    if kind == "!":
        return _special(rest.split("^", 1)[0], label)
    return label or target.removeprefix("mailto:")


def _user(user: str, label: str, bot_user_id: str | None, name_of: NameOf | None) -> str:
    if bot_user_id and user == bot_user_id:
        return " "
    if label:
        return f"@{label}"
    return f"@{name_of(user)}" if name_of else f"@{user}"


def _special(keyword: str, label: str) -> str:
    if keyword in _SPECIAL:
        return _SPECIAL[keyword]
    if keyword == "subteam":
        return label if label.startswith("@") else f"@{label or 'group'}"
    return label  # <!date^…|fallback> and the like: what Slack shows without support
