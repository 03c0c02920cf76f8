"""What Slack sends for feedback clicks and modal submissions, and what it does with the ack.

Shapes follow bolt-python's scenario tests (test_block_actions.py, test_view_submission.py):
a view_submission carries the whole view with `state.values` filled in per input block,
`{block_id: {action_id: {"type": ..., "value" | "selected_option" | ...}}}`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from bot.standin.api_views import view_object
from bot.standin.blockcheck import VIEW_BLOCKS, check_blocks
from bot.standin.model import APP_ID, JSON, VERIFICATION_TOKEN, ApiError
from bot.standin.state import Workspace
from bot.standin.surfaces import Modal
from bot.standin.transport import Delivery

_ONE_OPTION = frozenset({"radio_buttons", "static_select", "external_select"})
_MANY_OPTIONS = frozenset({"checkboxes", "multi_static_select"})


def find_feedback(blocks: list[JSON], action_id: str | None) -> tuple[str, JSON]:
    """The (block_id, feedback_buttons element) of a message's context_actions block."""
    for block in blocks:
        if block.get("type") != "context_actions":
            continue
        for element in block.get("elements", []):
            if element.get("type") == "feedback_buttons" and action_id in (
                None,
                element.get("action_id"),
            ):
                return str(block.get("block_id", "")), element
    kinds = [b.get("type") for b in blocks]
    raise LookupError(f"No feedback buttons {action_id or ''} to click; the blocks are {kinds}.")


def _option(element: JSON, value: str) -> JSON:
    for option in element.get("options", []):
        if option.get("value") == value:
            return copy.deepcopy(option)
    values = [o.get("value") for o in element.get("options", [])]
    raise LookupError(f"{element.get('action_id')!r} has no option {value!r}; it has {values}.")


def _state(element: JSON, supplied: Any) -> JSON:
    kind = str(element.get("type"))
    if isinstance(supplied, dict):
        return {"type": kind, **supplied}
    if kind in _ONE_OPTION:
        chosen = None if supplied is None else _option(element, str(supplied))
        return {"type": kind, "selected_option": chosen}
    if kind in _MANY_OPTIONS:
        return {"type": kind, "selected_options": [_option(element, v) for v in supplied or []]}
    return {"type": kind, "value": supplied}


def state_values(view: JSON, given: dict[str, dict[str, Any]]) -> JSON:
    """`state.values` as Slack fills it: every input block, with what the person entered.

    A value may be Slack's own dict (`{"value": "…"}`, `{"selected_option": {…}}`) or,
    for short, the text typed or the value of the option picked.
    """
    inputs = {
        str(b.get("block_id")): b["element"]
        for b in view.get("blocks", [])
        if b.get("type") == "input" and isinstance(b.get("element"), dict)
    }
    unknown = set(given) - set(inputs)
    if unknown:
        raise LookupError(
            f"The modal has no input blocks {sorted(unknown)}; it has {list(inputs)}."
        )
    values: JSON = {}
    for block_id, element in inputs.items():
        action_id = str(element.get("action_id"))
        entered = given.get(block_id, {})
        if set(entered) - {action_id}:
            raise LookupError(f"Input {block_id!r} holds {action_id!r}, not {sorted(entered)}.")
        values[block_id] = {action_id: _state(element, entered.get(action_id))}
    return values


def view_submission_payload(
    ws: Workspace, *, user: str, view: JSON, values: JSON, trigger: str
) -> JSON:
    """The view_submission Slack posts when the person presses the modal's submit button."""
    submitted = copy.deepcopy(view) | {"state": {"values": values}}
    return {
        "type": "view_submission",
        "team": {"id": ws.team.id, "domain": ws.team.domain},
        "user": {
            "id": user,
            "username": ws.name_of(user),
            "name": ws.name_of(user),
            "team_id": ws.team.id,
        },
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger,
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def apply_view_ack(ws: Workspace, modal: Modal, delivery: Delivery) -> None:
    """What Slack does with the bot's answer to a view_submission.

    An empty ack closes the modal; `response_action` "errors" keeps it open and shows
    the errors (recorded on the modal); "update" replaces it, "push" opens another on
    top and "clear" closes all of the person's modals. A failed or late answer leaves
    the modal open, as Slack shows an error in it.
    """
    if delivery.status != 200 or delivery.too_slow:
        return
    body = delivery.body.strip()
    answer = json.loads(body) if body.startswith("{") else {}
    action = answer.get("response_action")
    with ws.changing():
        surfaces, view_id = ws.surfaces, str(modal.view["id"])
        if action == "errors":
            modal.errors.append({str(k): str(v) for k, v in (answer.get("errors") or {}).items()})
        elif action in ("update", "push"):
            view = answer.get("view")
            if not isinstance(view, dict):
                raise ApiError("invalid_arguments")
            check_blocks(view.get("blocks", []), most=VIEW_BLOCKS)
            new_id = view_id if action == "update" else ws.next_id("V")
            shaped = view_object(ws, view, new_id, surfaces.next_hash())
            surfaces.modals[new_id] = Modal(modal.user, shaped)
        elif action == "clear":
            for open_modal in surfaces.open_modals(modal.user):
                del surfaces.modals[str(open_modal.view["id"])]
        else:
            surfaces.modals.pop(view_id, None)
