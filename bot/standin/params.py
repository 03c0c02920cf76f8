"""Web API arguments: form fields are strings, JSON bodies are typed; accept both like Slack."""

from __future__ import annotations

import json
from typing import Any

from bot.standin.model import BOT_USER_ID, JSON, ApiError
from bot.standin.state import Workspace

_TRUE = {"1", "true", "yes"}


class Params:
    """The arguments of one Web API call, from the query string and the body merged."""

    def __init__(self, values: JSON) -> None:
        self.values = values

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def optional(self, key: str) -> str | None:
        """A string argument; absent and empty are the same, as Slack treats them."""
        value = self.values.get(key)
        return str(value) if value not in (None, "") else None

    def text(self, key: str) -> str:
        """A string argument, "" when absent."""
        return self.optional(key) or ""

    def required(self, key: str, error: str) -> str:
        """A string argument Slack insists on; `error` is the code it answers without it."""
        value = self.optional(key)
        if value is None:
            raise ApiError(error)
        return value

    def flag(self, key: str) -> bool:
        """A boolean argument: form posts send "true" or "1"."""
        value = self.values.get(key)
        return value is True or str(value).lower() in _TRUE

    def number(self, key: str, default: int) -> int:
        """An integer argument such as `limit`."""
        value = self.optional(key)
        if value is None:
            return default
        if not value.isdigit():
            raise ApiError("invalid_arguments")
        return int(value)

    def structured(self, key: str) -> Any:
        """A JSON argument (blocks, attachments, metadata): form posts send it as a string."""
        value = self.values.get(key)
        if isinstance(value, str):
            if not value.strip():
                return None
            # Malformed JSON raises here and the HTTP boundary answers invalid_json.
            value = json.loads(value)
        return value

    def blocks(self, key: str = "blocks") -> list[JSON] | None:
        """A list of blocks or attachments, or None when the argument is absent."""
        value = self.structured(key)
        if value is not None and not isinstance(value, list):
            raise ApiError(f"invalid_{key}")
        return value


def page(items: list[Any], params: Params, default_limit: int = 100) -> tuple[list[Any], JSON]:
    """Cut a list into Slack's cursor pages; the cursor is opaque to clients."""
    offset = params.text("cursor").removeprefix("offset:") or "0"
    if not offset.isdigit():
        raise ApiError("invalid_cursor")
    start = int(offset)
    limit = params.number("limit", default_limit) or default_limit
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    cursor = f"offset:{start + limit}" if more else ""
    return chunk, {"has_more": more, "response_metadata": {"next_cursor": cursor}}


def visible_channel(ws: Workspace, ref: str) -> str:
    """A conversation the bot belongs to; Slack hides private ones it is not in."""
    channel = ws.channel(ref)
    if BOT_USER_ID not in channel.members:
        raise ApiError("channel_not_found" if channel.is_private else "not_in_channel")
    return channel.id
