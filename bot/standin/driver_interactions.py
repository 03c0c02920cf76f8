"""Commands, clicks, modal submissions and the App Home, sent as Slack sends them.

Every interaction carries a fresh trigger_id that views.open accepts for three seconds.
"""

from __future__ import annotations

import copy
import time
from typing import Any, Unpack
from urllib.parse import urlencode

from bot.standin import actions
from bot.standin.defaults import ALICE, GENERAL
from bot.standin.driver_core import FORM, DriverCore
from bot.standin.model import JSON, Ephemeral, Message
from bot.standin.payloads import (
    block_actions_payload,
    find_button,
    slash_command_form,
    view_block_actions_payload,
)
from bot.standin.payloads_views import (
    apply_view_ack,
    find_feedback,
    state_values,
    view_submission_payload,
)
from bot.standin.transport import Delivery, SendOptions, Sent


class Interactions(DriverCore):
    """Slash commands, button and feedback clicks, view submissions, app_home_opened."""

    def slash_command(
        self,
        command: str = "/ask",
        text: str = "",
        user: str = ALICE,
        channel: str = GENERAL,
        **options: Unpack[SendOptions],
    ) -> Delivery:
        """A slash command; Slack shows the immediate answer (the ack body) to the person."""
        conversation, hook_id = actions.type_command(self.ws, command, text, user, channel)
        form = slash_command_form(
            self.ws,
            command=command,
            text=text,
            user=user,
            channel=conversation,
            response_url=self._hook_url(hook_id),
            trigger=self._trigger(user),
        )
        body = urlencode(form).encode()
        delivery = self._sender.post(body, FORM, f"command:{command}", None, options)
        outcome = (delivery.status, delivery.body, delivery.elapsed)
        actions.show_command_answer(self.ws, hook_id, command, outcome)
        return delivery

    def click(
        self,
        message_ts: str,
        channel: str,
        action_id: str,
        value: str | None = None,
        user: str = ALICE,
        *,
        block_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> Delivery:
        """Click a button on a message (or an ephemeral message) the person can see.

        `value` and `block_id` pick one of several buttons sharing an action_id.
        """
        conversation = self.ws.channel(channel)
        source, hook_id = actions.clickable(self.ws, conversation.id, message_ts, user)
        found_block, button = find_button(source.blocks, action_id, value, block_id)
        action = {"action_id": action_id, "block_id": found_block, "text": button.get("text")}
        action |= {"value": button.get("value"), "type": "button"}
        action["action_ts"] = f"{time.time():.6f}"
        return self._block_action(user, source, hook_id, action, options)

    def click_feedback(
        self,
        message: Message | Ephemeral,
        *,
        positive: bool,
        user: str = ALICE,
        action_id: str | None = None,
        **options: Unpack[SendOptions],
    ) -> Delivery:
        """Click 👍 (`positive`) or 👎 on a message's context_actions feedback_buttons."""
        source, hook_id = actions.clickable(self.ws, message.channel, message.ts, user)
        block_id, element = find_feedback(source.blocks, action_id)
        button = element["positive_button" if positive else "negative_button"]
        action = {"type": "feedback_buttons", "action_id": element.get("action_id")}
        action |= {"block_id": block_id, "value": button.get("value")}
        action["action_ts"] = f"{time.time():.6f}"
        return self._block_action(user, source, hook_id, action, options)

    def submit_view(
        self,
        view: str,
        *,
        user: str = ALICE,
        values: dict[str, dict[str, Any]] | None = None,
        **options: Unpack[SendOptions],
    ) -> Delivery:
        """Press submit on an open modal (found by view id or callback_id).

        `values` is `{block_id: {action_id: entered}}`, where `entered` is Slack's dict
        or just the text typed / the option value picked. The modal closes when the ack
        is empty, and stays open with its errors recorded for `response_action: errors`.
        """
        with self.ws.changed:
            modal = self.ws.surfaces.find_modal(user, view)
            shown = dict(modal.view)
        payload = view_submission_payload(
            self.ws,
            user=user,
            view=shown,
            values=state_values(shown, values or {}),
            trigger=self._trigger(user),
        )
        kind = f"view_submission:{shown.get('callback_id') or shown['id']}"
        delivery = self._post_interaction(payload, kind, options)
        apply_view_ack(self.ws, modal, delivery)
        return delivery

    def open_home(
        self, user: str = ALICE, tab: str = "home", **options: Unpack[SendOptions]
    ) -> Sent:
        """The person opens the app: `app_home_opened`, with the Home view once published."""
        im = self.ws.channel(user)
        event: JSON = {"type": "app_home_opened", "user": user, "channel": im.id, "tab": tab}
        with self.ws.changed:
            home = self.ws.surfaces.homes.get(user)
            if tab == "home" and home is not None:
                event["view"] = dict(home)
        event["event_ts"] = self.ws.next_ts()
        wanted = "app_home_opened" in self.subscriptions
        deliveries = self._sender.post_events([event] if wanted else [], options, concurrent=False)
        return Sent(im.id, event["event_ts"], deliveries)

    def click_in_home(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user: str = ALICE,
        as_seen_by: str | None = None,
        **options: Unpack[SendOptions],
    ) -> Delivery:
        """Click a button on a Home tab: a block_actions payload from a view, as Slack sends it.

        The view is ``as_seen_by``'s published home (default: the clicker's own); naming
        someone else's lets a test forge a click on a button the clicker never had.
        """
        with self.ws.changed:
            view = copy.deepcopy(self.ws.surfaces.homes.get(as_seen_by or user))
        if view is None:
            raise LookupError(f"{as_seen_by or user} has no published Home tab to click in")
        block_id, button = find_button(view.get("blocks", []), action_id, value, None)
        action = {"action_id": action_id, "block_id": block_id, "text": button.get("text")}
        action |= {
            "value": button.get("value"),
            "type": "button",
            "action_ts": f"{time.time():.6f}",
        }
        payload = view_block_actions_payload(
            self.ws, user=user, view=view, action=action, trigger=self._trigger(user)
        )
        return self._post_interaction(payload, f"action:{action_id}", options)

    def open_messages_tab(self, user: str = ALICE, **options: Unpack[SendOptions]) -> Sent:
        """The person opens the app's Messages tab: `app_home_opened` with tab "messages"."""
        return self.open_home(user, "messages", **options)

    def _block_action(
        self,
        user: str,
        source: Message | Ephemeral,
        hook_id: str,
        action: JSON,
        options: SendOptions,
    ) -> Delivery:
        payload = block_actions_payload(
            self.ws,
            user=user,
            channel=self.ws.channel(source.channel),
            source=source,
            action=action,
            response_url=self._hook_url(hook_id),
            trigger=self._trigger(user),
        )
        return self._post_interaction(payload, f"action:{action['action_id']}", options)
