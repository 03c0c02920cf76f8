"""Block Kit as Slack checks it: the limits that make a post fail with invalid_blocks.

Every surface uses the same rules: chat.postMessage, chat.update, chat.postEphemeral,
chat.stopStream, response_url posts, views.publish and views.open. The problems read
like Slack's own, e.g. "must be less than 3001 characters [json-pointer:/blocks/0/text]".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.standin.model import ApiError

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MAX_TEXT = 40_000  # a message's `text`
MAX_BLOCKS_TEXT = 13_000  # all the text in a message's blocks together
KNOWN_BLOCKS = frozenset(
    {"section", "context", "actions", "divider", "header", "image", "markdown", "rich_text"}
    | {"input", "context_actions", "file", "video", "table"}
)

Problems = list[str]


def _at(pointer: str, problem: str) -> str:
    return f"{problem} [json-pointer:{pointer}]"


def _text(value: Any, pointer: str, limit: int, *, plain_only: bool = False) -> Problems:
    """A text object (or, where Slack allows it, a bare string) of at most `limit` chars."""
    if isinstance(value, dict):
        if plain_only and value.get("type") != "plain_text":
            return [_at(f"{pointer}/type", "must be plain_text")]
        if value.get("type") not in ("plain_text", "mrkdwn"):
            return [_at(f"{pointer}/type", "must be plain_text or mrkdwn")]
        value = value.get("text")
    if not isinstance(value, str):
        return [_at(pointer, "must be a text object")]
    if len(value) > limit:
        return [_at(pointer, f"must be less than {limit + 1} characters")]
    return []


def _items(value: Any, pointer: str, most: int, least: int = 1) -> Problems:
    if not isinstance(value, list):
        return [_at(pointer, "must be an array")]
    if len(value) < least:
        return [_at(pointer, f"must provide at least {least} items")]
    if len(value) > most:
        return [_at(pointer, f"must be less than {most + 1} items")]
    return []


def _nothing(value: dict[str, Any], pointer: str) -> Problems:
    return []


def _button(element: dict[str, Any], pointer: str) -> Problems:
    problems = _text(element.get("text"), f"{pointer}/text", 75, plain_only=True)
    if len(str(element.get("value") or "")) > 2000:
        problems.append(_at(f"{pointer}/value", "must be less than 2001 characters"))
    return problems


def _feedback(element: dict[str, Any], pointer: str) -> Problems:
    problems = []
    for side in ("positive_button", "negative_button"):
        button = element.get(side)
        if not isinstance(button, dict):
            problems.append(_at(pointer, f"missing required field: {side}"))
            continue
        problems += _text(button.get("text"), f"{pointer}/{side}/text", 75, plain_only=True)
        if not isinstance(button.get("value"), str):
            problems.append(_at(f"{pointer}/{side}", "missing required field: value"))
    return problems


def _icon_button(element: dict[str, Any], pointer: str) -> Problems:
    problems = [] if element.get("icon") else [_at(pointer, "missing required field: icon")]
    return problems + _text(element.get("text"), f"{pointer}/text", 75, plain_only=True)


_ELEMENTS: dict[str, Callable[[dict[str, Any], str], Problems]] = {
    "button": _button,
    "feedback_buttons": _feedback,
    "icon_button": _icon_button,
}


def _elements(block: dict[str, Any], pointer: str, most: int, allowed: set[str] | None) -> Problems:
    problems = _items(block.get("elements"), f"{pointer}/elements", most)
    for index, element in enumerate(block.get("elements") or []):
        at = f"{pointer}/elements/{index}"
        if not isinstance(element, dict) or not element.get("type"):
            problems.append(_at(at, "missing required field: type"))
            continue
        if allowed is not None and element["type"] not in allowed:
            problems.append(_at(f"{at}/type", f"unsupported element type: {element['type']}"))
            continue
        problems += _ELEMENTS.get(element["type"], _nothing)(element, at)
    return problems


def _section(block: dict[str, Any], pointer: str) -> Problems:
    if "text" not in block and "fields" not in block:
        return [_at(pointer, "must provide either text or fields")]
    problems = _text(block["text"], f"{pointer}/text", 3000) if "text" in block else []
    if "fields" in block:
        problems += _items(block["fields"], f"{pointer}/fields", 10)
        for index, item in enumerate(block["fields"] or []):
            problems += _text(item, f"{pointer}/fields/{index}", 2000)
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        check = _ELEMENTS.get(str(accessory.get("type")), _nothing)
        problems += check(accessory, f"{pointer}/accessory")
    return problems


def _markdown(block: dict[str, Any], pointer: str) -> Problems:
    text = block.get("text")
    if not isinstance(text, str):
        return [_at(f"{pointer}/text", "must be a string")]
    return (
        [_at(f"{pointer}/text", "must be less than 12001 characters")] if len(text) > 12_000 else []
    )


def _image(block: dict[str, Any], pointer: str) -> Problems:
    problems = [] if block.get("alt_text") else [_at(pointer, "missing required field: alt_text")]
    if not (block.get("image_url") or block.get("slack_file")):
        problems.append(_at(pointer, "must provide either image_url or slack_file"))
    return problems


def _input(block: dict[str, Any], pointer: str) -> Problems:
    problems = _text(block.get("label"), f"{pointer}/label", 2000, plain_only=True)
    if not isinstance(block.get("element"), dict):
        problems.append(_at(pointer, "missing required field: element"))
    return problems


_BLOCKS: dict[str, Callable[[dict[str, Any], str], Problems]] = {
    "section": _section,
    "markdown": _markdown,
    "header": lambda b, p: _text(b.get("text"), f"{p}/text", 150, plain_only=True),
    "context": lambda b, p: _elements(b, p, 10, None),
    "actions": lambda b, p: _elements(b, p, 25, None),
    "context_actions": lambda b, p: _elements(b, p, 5, {"feedback_buttons", "icon_button"}),
    "image": _image,
    "input": _input,
    "rich_text": lambda b, p: _items(b.get("elements"), f"{p}/elements", 1000, 0),
}


def block_problems(blocks: Any, *, most: int = MESSAGE_BLOCKS) -> Problems:
    """Everything Slack would refuse in `blocks`, as its error details."""
    if not isinstance(blocks, list):
        return [_at("/blocks", "must be an array")]
    problems = _items(blocks, "/blocks", most, 0)
    for index, block in enumerate(blocks):
        pointer = f"/blocks/{index}"
        if not isinstance(block, dict) or not block.get("type"):
            problems.append(_at(pointer, "missing required field: type"))
            continue
        if block["type"] not in KNOWN_BLOCKS:
            problems.append(_at(f"{pointer}/type", f"unsupported block type: {block['type']}"))
            continue
        if len(str(block.get("block_id") or "")) > 255:
            problems.append(_at(f"{pointer}/block_id", "must be less than 256 characters"))
        problems += _BLOCKS.get(block["type"], _nothing)(block, pointer)
    return problems


def text_length(value: Any) -> int:
    """How much text a block tree carries: every string under a "text" key."""
    if isinstance(value, list):
        return sum(text_length(item) for item in value)
    if not isinstance(value, dict):
        return 0
    own = len(value["text"]) if isinstance(value.get("text"), str) else 0
    return own + sum(text_length(v) for k, v in value.items() if not isinstance(v, str))


def check_blocks(blocks: Any, *, most: int = MESSAGE_BLOCKS, too_many: str = "") -> None:
    """Raise invalid_blocks (with Slack's details) for anything Slack would refuse.

    `too_many` names the error for too many blocks when the method has its own
    (chat.stopStream answers msg_blocks_too_many).
    """
    if too_many and isinstance(blocks, list) and len(blocks) > most:
        raise ApiError(too_many)
    problems = block_problems(blocks, most=most)
    if problems:
        raise ApiError("invalid_blocks", problems)


def check_message(text: str, blocks: list[Any] | None, *, too_many: str = "") -> None:
    """A message's limits: its blocks, 40,000 characters of text, ~13,000 in its blocks."""
    if len(text) > MAX_TEXT:
        raise ApiError("msg_too_long")
    if blocks:
        check_blocks(blocks, too_many=too_many)
        if text_length(blocks) > MAX_BLOCKS_TEXT:
            raise ApiError("msg_blocks_too_long")
