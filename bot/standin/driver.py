"""StandInDriver: what people do in Slack, sent to the bot as Slack would send it.

Every person's message is first written into the stand-in's history, then delivered as the
events the bot subscribes to. For a channel message that mentions the bot, Slack delivers
two events with different event_ids: `message` (message.channels / message.groups) and
`app_mention`, in no guaranteed order; the driver sends `message` first unless told
otherwise, and the bot must answer once. Direct messages fire `message` only (channel_type
"im"). A file share fires a file_share `message` and `file_shared`. Slack tells an app
nothing about conversations it is not a member of.
"""

from __future__ import annotations

import json
import time
from typing import Unpack
from urllib.parse import urlencode

from bot.standin import actions
from bot.standin.defaults import ALICE, GENERAL
from bot.standin.model import BOT_USER_ID, JSON, VERIFICATION_TOKEN
from bot.standin.payloads import (
    block_actions_payload,
    file_shared_event,
    file_unshared_event,
    find_button,
    slash_command_form,
)
from bot.standin.server import SlackStandIn
from bot.standin.transport import Delivery, SendOptions, Sent, SignedSender, json_bytes

DEFAULT_SUBSCRIPTIONS = frozenset(
    {"app_mention", "message.channels", "message.groups", "message.im"}
    | {"file_shared", "file_deleted", "file_unshared"}
)
FORM = "application/x-www-form-urlencoded"


class StandInDriver:
    """Sends correctly signed Slack requests to the bot at `bot_url` (e.g. .../slack/events).

    Every send takes SendOptions (retry_num, retry_reason, event_id, timestamp, secret).
    """

    def __init__(
        self,
        standin: SlackStandIn,
        bot_url: str,
        signing_secret: str,
        *,
        subscriptions: frozenset[str] = DEFAULT_SUBSCRIPTIONS,
        timeout: float = 10.0,
    ) -> None:
        self.standin, self.ws, self.subscriptions = standin, standin.workspace, subscriptions
        self._sender = SignedSender(standin.workspace, bot_url, signing_secret, timeout)

    @property
    def sent(self) -> list[Delivery]:
        """Everything sent to the bot, oldest first."""
        return list(self._sender.sent)

    # --- events -------------------------------------------------------------------------

    def send_event(self, event: JSON, **options: Unpack[SendOptions]) -> Delivery:
        """Deliver any Events API event in its `event_callback` envelope."""
        return self._sender.post_event(event, options)

    def redeliver(
        self, delivery: Delivery, *, retry_num: int = 1, retry_reason: str = "http_timeout"
    ) -> Delivery:
        """Slack's retry: the identical body and event_id, freshly signed, with retry headers."""
        options = SendOptions(retry_num=retry_num, retry_reason=retry_reason)
        return self._sender.post(
            delivery.payload, delivery.content_type, delivery.kind, delivery.event_id, options
        )

    def url_verification(self, challenge: str = "standin-challenge") -> Delivery:
        """The handshake Slack sends when the events URL is configured; the bot echoes it."""
        handshake = {
            "token": VERIFICATION_TOKEN,
            "challenge": challenge,
            "type": "url_verification",
        }
        body = json_bytes(handshake)
        return self._sender.post(body, "application/json", "url_verification", None, SendOptions())

    def say(
        self,
        text: str,
        user: str = ALICE,
        channel: str = GENERAL,
        thread_ts: str | None = None,
        *,
        mention_first: bool = False,
        concurrent: bool = False,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """A person posts a message; the bot gets `message` / `app_mention` events as subscribed.

        `mention_first` sends app_mention before message; `concurrent` sends them at once.
        """
        conversation, posted = actions.post_as(self.ws, text, user, channel, thread_ts)
        events = actions.message_events(self.ws, posted, conversation, self.subscriptions)
        if mention_first:
            events.reverse()
        deliveries = self._sender.post_events(events, options, concurrent=concurrent)
        return Sent(conversation.id, posted.ts, deliveries)

    def mention(
        self,
        text: str,
        user: str = ALICE,
        channel: str = GENERAL,
        thread_ts: str | None = None,
        *,
        mention_first: bool = False,
        concurrent: bool = False,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """`@ragtime <text>` in a channel: both a `message` and an `app_mention` event."""
        if f"<@{BOT_USER_ID}>" not in text:
            text = f"<@{BOT_USER_ID}> {text}"
        flags = {"mention_first": mention_first, "concurrent": concurrent}
        return self.say(text, user, channel, thread_ts, **flags, **options)

    def dm(self, text: str, user: str = ALICE, **options: Unpack[SendOptions]) -> Sent:
        """A direct message to the bot: one `message` event with channel_type "im"."""
        return self.say(text, user, self.ws.channel(user).id, **options)

    def thread_reply(
        self,
        text: str,
        user: str,
        channel: str,
        thread_ts: str,
        *,
        concurrent: bool = False,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """A reply in a thread: a `message` event with thread_ts (+ app_mention if it mentions)."""
        return self.say(text, user, channel, thread_ts, concurrent=concurrent, **options)

    # --- files --------------------------------------------------------------------------

    def share_file(
        self,
        name: str,
        data: bytes,
        user: str = ALICE,
        channel: str = GENERAL,
        *,
        mimetype: str = "application/pdf",
        initial_comment: str = "",
        file_shared_first: bool = False,
        concurrent: bool = False,
        **options: Unpack[SendOptions],
    ) -> Sent:
        """Upload and share a file: a file_share `message` event and a `file_shared` event.

        The returned Sent carries `file_id` and the share message's `ts`.
        """
        conversation, posted, file = actions.upload_and_share(
            self.ws, name, data, user, channel, mimetype=mimetype, comment=initial_comment
        )
        events = actions.message_events(self.ws, posted, conversation, self.subscriptions)
        if actions.tells_bot(conversation, "file_shared", self.subscriptions):
            events.append(file_shared_event(file.id, conversation.id, user, self.ws.next_ts()))
        if file_shared_first:
            events.reverse()
        deliveries = self._sender.post_events(events, options, concurrent=concurrent)
        return Sent(conversation.id, posted.ts, deliveries, file.id)

    def delete_file(self, file_id: str, **options: Unpack[SendOptions]) -> Sent:
        """Delete a file everywhere: a `file_deleted` event."""
        seen = actions.delete_file(self.ws, file_id)
        event = {"type": "file_deleted", "file_id": file_id, "event_ts": self.ws.next_ts()}
        events = [event] if seen and "file_deleted" in self.subscriptions else []
        deliveries = self._sender.post_events(events, options, concurrent=False)
        return Sent("", event["event_ts"], deliveries, file_id)

    def unshare_file(
        self, file_id: str, channel: str, user: str = ALICE, **options: Unpack[SendOptions]
    ) -> Sent:
        """Take a file out of one channel: a `file_unshared` event."""
        conversation = self.ws.channel(channel)
        self.ws.unshare(file_id, conversation.id)
        event = file_unshared_event(file_id, conversation.id, user, self.ws.next_ts())
        wanted = actions.tells_bot(conversation, "file_unshared", self.subscriptions)
        deliveries = self._sender.post_events([event] if wanted else [], options, concurrent=False)
        return Sent(conversation.id, event["event_ts"], deliveries, file_id)

    # --- commands and clicks --------------------------------------------------------------

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
        payload = block_actions_payload(
            self.ws,
            user=user,
            channel=conversation,
            source=source,
            action=action,
            response_url=self._hook_url(hook_id),
        )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._sender.post(body, FORM, f"action:{action_id}", None, options)

    # --- helpers --------------------------------------------------------------------------

    def _hook_url(self, hook_id: str) -> str:
        return f"{self.ws.base_url}/response/{hook_id}"
