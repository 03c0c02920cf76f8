"""Signed HTTP requests to the bot, as Slack signs them (v0 HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypedDict
from urllib.parse import urlsplit

from bot.standin.envelopes import event_envelope
from bot.standin.model import JSON, SLACK_TIMEOUT
from bot.standin.state import Workspace


class SendOptions(TypedDict, total=False):
    """Ways to bend one send: Slack's retries, duplicate deliveries, forged signatures."""

    retry_num: int  # adds X-Slack-Retry-Num / X-Slack-Retry-Reason, as Slack's retries do
    retry_reason: str  # default "http_timeout"
    event_id: str  # reuse an event_id, to deliver the same event twice
    timestamp: int  # X-Slack-Request-Timestamp (unix seconds); an old one must be refused
    secret: str  # sign with this secret instead of the real one
    legacy_envelope: bool  # the older envelope: authed_users/authed_teams, no authorizations


@dataclass(frozen=True)
class Delivery:
    """The bot's answer to one request; unpacks as (status, body, elapsed)."""

    status: int
    body: str
    elapsed: float
    kind: str  # "event:app_mention", "command:/ask", "action:vote", "url_verification"
    event_id: str | None = None
    payload: bytes = b""  # the request body, kept so the same request can be resent
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)  # what was sent

    def __iter__(self) -> Iterator[Any]:
        return iter((self.status, self.body, self.elapsed))

    @property
    def too_slow(self) -> bool:
        """Slack would have given up on this request (and retried an event)."""
        return self.elapsed > SLACK_TIMEOUT


@dataclass(frozen=True)
class Sent:
    """A person's action that reached the bot as zero or more deliveries."""

    channel: str
    ts: str
    deliveries: tuple[Delivery, ...]
    file_id: str = ""  # set by share_file, delete_file and unshare_file

    @property
    def delivery(self) -> Delivery:
        """The first delivery; an error when Slack would not have told the bot at all."""
        if not self.deliveries:
            raise LookupError("Slack sent the bot nothing for this (is the bot in the channel?).")
        return self.deliveries[0]

    @property
    def event_types(self) -> list[str]:
        """The event types delivered, in order."""
        return [d.kind.removeprefix("event:") for d in self.deliveries]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Slack's v0 request signature."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SignedSender:
    """Posts signed requests to one bot endpoint and logs them on the workspace."""

    def __init__(self, ws: Workspace, bot_url: str, signing_secret: str, timeout: float) -> None:
        self.ws, self.url, self.secret, self.timeout = (
            ws,
            urlsplit(bot_url),
            signing_secret,
            timeout,
        )
        self.sent: list[Delivery] = []

    def post(
        self,
        payload: bytes,
        content_type: str,
        kind: str,
        event_id: str | None,
        options: SendOptions,
    ) -> Delivery:
        """Sign and send; the answer's status and body come back whatever they are."""
        timestamp = options.get("timestamp", int(time.time()))
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature(options.get("secret", self.secret), timestamp, payload),
        }
        if options.get("retry_num"):
            headers["X-Slack-Retry-Num"] = str(options["retry_num"])
            headers["X-Slack-Retry-Reason"] = options.get("retry_reason", "http_timeout")
        delivery = self._deliver(payload, content_type, kind, event_id, headers)
        params = {"event_id": event_id, "retry_num": options.get("retry_num", 0)}
        status = delivery.status
        self.ws.record(kind, params, status, None if status == 200 else f"HTTP {status}", sent=True)
        return delivery

    def replay(self, delivery: Delivery) -> Delivery:
        """Send a request again byte for byte, headers and signature included."""
        return self._deliver(
            delivery.payload, delivery.content_type, delivery.kind, delivery.event_id,
            dict(delivery.headers),
        )  # fmt: skip

    def _deliver(
        self,
        payload: bytes,
        content_type: str,
        kind: str,
        event_id: str | None,
        headers: dict[str, str],
    ) -> Delivery:
        started = time.perf_counter()
        status, body = self._exchange(payload, headers)
        delivery = Delivery(
            status, body, time.perf_counter() - started, kind, event_id, payload, content_type,
            headers,
        )  # fmt: skip
        self.sent.append(delivery)
        return delivery

    def post_event(self, event: JSON, options: SendOptions) -> Delivery:
        """Deliver one Events API event in its `event_callback` envelope."""
        event_id = options.get("event_id") or self.ws.next_id("Ev")
        legacy = options.get("legacy_envelope", False)
        body = json_bytes(event_envelope(self.ws, event, event_id, legacy=legacy))
        return self.post(body, "application/json", f"event:{event['type']}", event_id, options)

    def post_events(
        self, events: list[JSON], options: SendOptions, *, concurrent: bool
    ) -> tuple[Delivery, ...]:
        """Deliver the events one action fires, one after another or all at once."""
        # An event_id override names the first event; the others get "<id>-2", "<id>-3".
        jobs = []
        for index, event in enumerate(events):
            own = SendOptions(**options)
            if "event_id" in options and index:
                own["event_id"] = f"{options['event_id']}-{index + 1}"
            jobs.append((event, own))
        if not concurrent or len(jobs) < 2:
            return tuple(self.post_event(event, own) for event, own in jobs)
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            return tuple(pool.map(lambda job: self.post_event(*job), jobs))

    def _exchange(self, payload: bytes, headers: dict[str, str]) -> tuple[int, str]:
        # http.client, unlike urllib, hands back 4xx/5xx answers instead of raising.
        factory = (
            http.client.HTTPSConnection
            if self.url.scheme == "https"
            else http.client.HTTPConnection
        )
        connection = factory(self.url.hostname or "127.0.0.1", self.url.port, timeout=self.timeout)
        connection.request("POST", self.url.path or "/", body=payload, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, body


def json_bytes(value: object) -> bytes:
    """Compact JSON, as Slack sends it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
