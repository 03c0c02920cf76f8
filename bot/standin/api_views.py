"""Web API methods for views: views.publish (the Home tab) and views.open (modals).

A modal needs a trigger_id the driver sent with an interaction less than three
seconds ago, exchangeable once; Slack answers invalid_trigger_id for one it never
issued, expired_trigger_id for an old one and exchanged_trigger_id for a used one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from bot.standin.blockcheck import VIEW_BLOCKS, check_blocks
from bot.standin.model import APP_ID, BOT_ID, JSON, ApiError
from bot.standin.params import Params
from bot.standin.state import Workspace
from bot.standin.surfaces import Modal

MAX_TITLE = 24  # a modal's title, submit and close texts
MAX_METADATA = 3000
MAX_CALLBACK_ID = 255


def _view_argument(params: Params, kind: str) -> JSON:
    view = params.structured("view")
    if not isinstance(view, dict):
        raise ApiError("invalid_arguments", ["missing required field: view [json-pointer:/view]"])
    if view.get("type") != kind:
        problem = f"must be {kind} [json-pointer:/view/type]"
        raise ApiError("invalid_arguments", [problem])
    check_blocks(view.get("blocks", []), most=VIEW_BLOCKS)
    return view


def _plain(value: Any, field: str, *, required: bool) -> list[str]:
    pointer = f"[json-pointer:/view/{field}]"
    if value is None:
        return [f"missing required field: {field} {pointer}"] if required else []
    if not isinstance(value, dict) or value.get("type") != "plain_text":
        return [f"must be a plain_text object {pointer}"]
    if len(str(value.get("text") or "")) > MAX_TITLE:
        return [f"must be less than {MAX_TITLE + 1} characters {pointer}/text"]
    return []


def _check_modal(view: JSON) -> None:
    has_inputs = any(b.get("type") == "input" for b in view.get("blocks", []))
    problems = _plain(view.get("title"), "title", required=True)
    problems += _plain(view.get("submit"), "submit", required=has_inputs)
    problems += _plain(view.get("close"), "close", required=False)
    if len(str(view.get("private_metadata") or "")) > MAX_METADATA:
        problems.append("must be less than 3001 characters [json-pointer:/view/private_metadata]")
    if len(str(view.get("callback_id") or "")) > MAX_CALLBACK_ID:
        problems.append("must be less than 256 characters [json-pointer:/view/callback_id]")
    if problems:
        raise ApiError("invalid_arguments", problems)


def view_object(ws: Workspace, view: JSON, view_id: str, view_hash: str) -> JSON:
    """A view as Slack returns it from views.* and sends it in payloads."""
    blocks = [
        b if b.get("block_id") else {**b, "block_id": uuid.uuid4().hex[:4]}
        for b in view.get("blocks", [])
    ]
    return {
        "id": view_id,
        "team_id": ws.team.id,
        "type": view["type"],
        "blocks": blocks,
        "private_metadata": str(view.get("private_metadata") or ""),
        "callback_id": str(view.get("callback_id") or ""),
        "state": {"values": {}},
        "hash": view_hash,
        "title": view.get("title") or {"type": "plain_text", "text": "View Title"},
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": APP_ID,
        "external_id": str(view.get("external_id") or ""),
        "app_installed_team_id": ws.team.id,
        "bot_id": BOT_ID,
    }


def views_publish(ws: Workspace, params: Params) -> JSON:
    """Show `view` as the person's Home tab; `hash` guards against a newer publish."""
    user = ws.user(params.required("user_id", "invalid_arguments")).id
    view = _view_argument(params, "home")
    with ws.changing():
        current = ws.surfaces.homes.get(user)
        expected = params.optional("hash")
        if expected is not None and current is not None and current["hash"] != expected:
            raise ApiError("hash_conflict")
        view_id = current["id"] if current else ws.next_id("V")
        shaped = view_object(ws, view, view_id, ws.surfaces.next_hash())
        ws.surfaces.homes[user] = shaped
    return {"ok": True, "view": shaped}


def views_open(ws: Workspace, params: Params) -> JSON:
    """Open a modal for the person whose interaction brought this trigger_id."""
    trigger_id = params.optional("trigger_id") or params.optional("interactivity_pointer")
    if trigger_id is None:
        raise ApiError("invalid_arguments", ["missing required field: trigger_id"])
    with ws.changing():
        trigger = ws.surfaces.check_trigger(trigger_id)
        view = _view_argument(params, "modal")
        _check_modal(view)
        trigger.used = True
        shaped = view_object(ws, view, ws.next_id("V"), ws.surfaces.next_hash())
        ws.surfaces.modals[shaped["id"]] = Modal(trigger.user, shaped)
    return {"ok": True, "view": shaped}


VIEW_METHODS: dict[str, Callable[[Workspace, Params], JSON]] = {
    "views.publish": views_publish,
    "views.open": views_open,
}
