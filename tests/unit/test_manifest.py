"""slack/manifest.yml and the code agree both ways: events, commands, interactivity, scopes.

The Bolt app is built as production builds it; every subscribed event, command and
interactive surface must reach a listener (Bolt answers 404 otherwise), every
listener must be one the manifest subscribes to, and the bot scopes must be exactly
those the Web API methods the code calls (and the events it receives) require.
"""

from __future__ import annotations

import ast
import contextvars
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from slack_bolt import BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from bot.deps import build_bot_deps
from bot.listeners.actions import ACTIONS, VIEWS
from bot.listeners.commands import COMMANDS
from bot.listeners.events import ACKED_ONLY, EVENT_HANDLERS
from bot.standin import SlackStandIn
from ragtime.settings import load_settings
from tests.unit.test_bot_http import Recorder

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())
SECRET = "manifest-test-secret"

# The bot scope each Web API method the code calls needs (Slack's method reference).
SCOPES_OF_METHOD = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_startStream": {"chat:write"},
    "chat_appendStream": {"chat:write"},
    "chat_stopStream": {"chat:write"},
    "assistant_threads_setStatus": {"chat:write"},
    "assistant_threads_setSuggestedPrompts": {"assistant:write"},
    "files_info": {"files:read"},
    "users_info": {"users:read"},
    "users_conversations": {"channels:read", "groups:read", "im:read", "mpim:read"},
    "conversations_open": {"im:write"},
    "views_publish": set(),
    "views_open": set(),
    "auth_test": set(),
}
SCOPES_OF_EVENT = {
    "app_mention": {"app_mentions:read"},
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "file_shared": {"files:read"},
    "file_deleted": {"files:read"},
    "file_unshared": {"files:read"},
    "app_home_opened": set(),
    "assistant_thread_started": {"assistant:write"},
    "assistant_thread_context_changed": {"assistant:write"},
}


def bot_events() -> list[str]:
    return list(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_subscribed_events_and_event_listeners_match_both_ways() -> None:
    subscribed = {e.split(".")[0] if e.startswith("message.") else e for e in bot_events()}
    assert subscribed == set(EVENT_HANDLERS) | set(ACKED_ONLY)


def test_commands_and_interactivity_match_both_ways() -> None:
    features = MANIFEST["features"]
    assert {c["command"] for c in features["slash_commands"]} == set(COMMANDS)
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is bool(ACTIONS or VIEWS)
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    agent = features["agent_view"]
    assert agent["agent_description"] and 1 <= len(agent["suggested_prompts"]) <= 4
    assert "assistant_view" not in features  # replaced by agent_view


def called_methods() -> set[str]:
    """Web API methods the bot and the worker call (``client.chat_update(...)`` and the like)."""
    found = set()
    for package in ("bot", "worker", "slackkit"):
        for path in (ROOT / package).rglob("*.py"):
            if "standin" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and node.attr in SCOPES_OF_METHOD:
                    found.add(node.attr)
    return found


def test_the_bot_scopes_are_exactly_what_the_code_needs() -> None:
    methods = called_methods()
    assert {"chat_startStream", "views_publish", "users_conversations"} <= methods
    needed = set().union(*(SCOPES_OF_METHOD[m] for m in methods))
    needed |= set().union(*(SCOPES_OF_EVENT[e] for e in bot_events()))
    needed |= {"commands"} if COMMANDS else set()
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    with SlackStandIn() as standin:  # answers the auth.test Bolt makes on the first request
        settings = load_settings(
            data_dir=tmp_path, slack_bot_token=standin.token, slack_signing_secret=SECRET
        )
        client = WebClient(token=standin.token, base_url=standin.api_url)
        yield create_app(settings, build_bot_deps(settings, enqueuer=Recorder()), client=client)


def signed(body: str, content_type: str) -> BoltRequest:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "content-type": [content_type],
        "x-slack-request-timestamp": [timestamp],
        "x-slack-signature": [signature],
    }
    return BoltRequest(body=body, headers=headers)


def event_request(event_type: str) -> BoltRequest:
    thread = {"user_id": "U1", "channel_id": "D1", "thread_ts": "1.1", "context": {}}
    event: dict[str, Any] = {
        "message": {
            "type": "message",
            "subtype": "channel_join",
            "user": "U1",
            "channel": "C1",
            "channel_type": "channel",
            "text": "joined",
            "ts": "1.1",
        },
        "app_mention": {
            "type": "app_mention",
            "user": "U1",
            "channel": "C1",
            "text": "hi",
            "ts": "1.1",
        },
        "app_home_opened": {
            "type": "app_home_opened",
            "user": "U1",
            "channel": "D1",
            "tab": "messages",
        },
        "assistant_thread_started": {"type": event_type, "assistant_thread": thread},
        "assistant_thread_context_changed": {"type": event_type, "assistant_thread": thread},
    }.get(event_type, {"type": event_type, "file_id": "F1", "user_id": "U1", "channel_id": "C1"})
    body = {
        "type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "Ev1",
        "event_time": 1, "event": event,
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }  # fmt: skip
    return signed(json.dumps(body), "application/json")


def test_every_subscribed_event_reaches_a_listener_and_nothing_else_is_listened_to(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Listener work runs after the ack; here only the routing is under test.
    monkeypatch.setattr("bot.background.AfterAck.run", lambda *args, **kwargs: None)
    contextvars.copy_context().run(dispatch_every_surface, app)


def dispatch_every_surface(app: Any) -> None:
    for event_type in {*EVENT_HANDLERS, *ACKED_ONLY}:
        assert app.dispatch(event_request(event_type)).status == 200, event_type
    assert app.dispatch(event_request("reaction_added")).status == 404
    command = urlencode({"command": "/ask", "text": "", "team_id": "T1", "user_id": "U1",
                         "channel_id": "C1", "response_url": "http://127.0.0.1:9/r"})  # fmt: skip
    assert app.dispatch(signed(command, "application/x-www-form-urlencoded")).status == 200
    registered = len(app._listeners)
    assert registered == len(EVENT_HANDLERS) + len(ACKED_ONLY) + len(COMMANDS) + len(ACTIONS) + len(
        VIEWS
    )
