"""What every part of StandInDriver shares: the signed sender and the raw sends."""

from __future__ import annotations

import json
from typing import Unpack
from urllib.parse import urlencode

from bot.standin.model import JSON, VERIFICATION_TOKEN
from bot.standin.server import SlackStandIn
from bot.standin.transport import Delivery, SendOptions, SignedSender, json_bytes

DEFAULT_SUBSCRIPTIONS = frozenset(
    {"app_mention", "message.channels", "message.groups", "message.im"}
    | {"file_shared", "file_deleted", "file_unshared"}
    | {"app_home_opened", "assistant_thread_started", "assistant_thread_context_changed"}
)
FORM = "application/x-www-form-urlencoded"


class DriverCore:
    """Sends correctly signed Slack requests to the bot at `bot_url` (e.g. .../slack/events).

    Every send takes SendOptions (retry_num, retry_reason, event_id, timestamp, secret,
    legacy_envelope).
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

    def replay(self, delivery: Delivery) -> Delivery:
        """An attacker's resend: the captured request, signature and all, sent again."""
        return self._sender.replay(delivery)

    def url_verification(self, challenge: str = "standin-challenge") -> Delivery:
        """The handshake Slack sends when the events URL is configured; the bot echoes it."""
        handshake = {
            "token": VERIFICATION_TOKEN,
            "challenge": challenge,
            "type": "url_verification",
        }
        body = json_bytes(handshake)
        return self._sender.post(body, "application/json", "url_verification", None, SendOptions())

    def _post_interaction(self, payload: JSON, kind: str, options: SendOptions) -> Delivery:
        """An interactivity request: the payload as one form field, as Slack posts it."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._sender.post(body, FORM, kind, None, options)

    def _hook_url(self, hook_id: str) -> str:
        return f"{self.ws.base_url}/response/{hook_id}"

    def _trigger(self, user: str) -> str:
        """A trigger_id for an interaction of `user`'s, valid for views.open for 3 s."""
        with self.ws.changing():
            return self.ws.surfaces.issue_trigger(user)
