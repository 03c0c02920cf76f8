"""The stand-in's AI-app surfaces: streams, statuses, prompts, views, block checks, payloads.

The Web API half goes through a real slack_sdk WebClient (and its chat_stream helper);
the driver half through a real Bolt app served on loopback, as Slack would reach it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import (
    Ack,
    App,
    Assistant,
    BoltContext,
    Say,
    SayStream,
    SetStatus,
    SetSuggestedPrompts,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.standin import (
    ALICE,
    BOB,
    GENERAL,
    HR,
    PARTNER,
    PARTNER_TEAM,
    SHARED,
    TEAM_ID,
    Channel,
    SlackStandIn,
    StandInDriver,
    add_slack_connect,
)
from bot.standin.bolt_server import serve_bolt
from bot.standin.model import ResponseHook

SECRET = "standin-signing-secret"
STATUS = "is reading the documents…"
FEEDBACK_ACTION = "answer_feedback"


def feedback_block(answer_id: str = "1") -> dict[str, Any]:
    """The bot's 👍/👎 control, as slackkit builds it."""
    return {
        "type": "context_actions",
        "block_id": "feedback",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK_ACTION,
                "positive_button": {
                    "text": {"type": "plain_text", "text": "👍"},
                    "accessibility_label": "This answer helped",
                    "value": f"up:{answer_id}",
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": "👎"},
                    "value": f"down:{answer_id}",
                },
            }
        ],
    }


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def error_of(call: Any) -> dict[str, Any]:
    """The error response a call raises."""
    with pytest.raises(SlackApiError) as failure:
        call()
    data: dict[str, Any] = failure.value.response.data
    return data


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=slack.token, base_url=slack.api_url)


@pytest.fixture
def people(slack: SlackStandIn) -> StandInDriver:
    """A driver for a bot that subscribes to nothing: people act, nothing is delivered."""
    return StandInDriver(slack, "http://127.0.0.1:9/unused", "unused", subscriptions=frozenset())


# --- streams -----------------------------------------------------------------------------


def test_a_stream_appears_at_once_grows_and_stops_with_blocks(
    client: WebClient, slack: SlackStandIn, people: StandInDriver
) -> None:
    question = people.say("What happens on GO?", ALICE, GENERAL)
    recipient = {"recipient_user_id": ALICE, "recipient_team_id": TEAM_ID}

    started = client.chat_startStream(
        channel=GENERAL, thread_ts=question.ts, markdown_text="Pass GO ", **recipient
    )
    writing = slack.transcript(GENERAL)
    client.chat_appendStream(channel=GENERAL, ts=started["ts"], markdown_text="and collect $200.")
    stopped = client.chat_stopStream(
        channel=GENERAL, ts=started["ts"], markdown_text=" Always.", blocks=[feedback_block()]
    )

    assert (started["channel"], started["ts"]) == (GENERAL, stopped["ts"])
    assert writing.splitlines()[-1] == "    ragtime: Pass GO (writing…)"
    assert stopped["message"]["text"] == "Pass GO and collect $200. Always."
    assert stopped["message"]["thread_ts"] == question.ts
    assert stopped["message"]["blocks"][0]["type"] == "context_actions"
    assert slack.stream_state(GENERAL, started["ts"]) == "stopped"
    assert slack.transcript(GENERAL).splitlines()[-2:] == [
        "    ragtime: Pass GO and collect $200. Always.",
        "      [👍] [👎]",
    ]
    for again in (client.chat_appendStream, client.chat_stopStream):
        late = error_of(
            lambda again=again: again(channel=GENERAL, ts=started["ts"], markdown_text="!")
        )
        assert late["error"] == "message_not_in_streaming_state"
    assert [c.method for c in slack.calls() if "Stream" in c.method][:3] == [
        "chat.startStream",
        "chat.appendStream",
        "chat.stopStream",
    ]


def test_slack_sdks_chat_stream_helper_buffers_through_the_three_methods(
    client: WebClient, slack: SlackStandIn
) -> None:
    parent = client.chat_postMessage(channel="D0ALICE", text="Ask me anything.")

    stream = client.chat_stream(channel="D0ALICE", thread_ts=parent["ts"], buffer_size=10)
    for piece in ["Roll ", "doubles ", "three ", "times ", "and go to jail."]:
        stream.append(markdown_text=piece)
    stopped = stream.stop(blocks=[feedback_block()])

    assert stopped["message"]["text"] == "Roll doubles three times and go to jail."
    methods = [c.method for c in slack.calls() if "Stream" in c.method]
    assert methods[0] == "chat.startStream" and methods[-1] == "chat.stopStream"
    assert set(methods[1:-1]) <= {"chat.appendStream"}
    assert slack.stream_chunks("D0ALICE", str(stream.ts))[0]["type"] == "markdown_text"


def test_starting_a_stream_is_refused_like_slack(client: WebClient, slack: SlackStandIn) -> None:
    slack.workspace.add_channel(Channel("C0RANDOM", "random", members=[ALICE]))
    parent = client.chat_postMessage(channel=GENERAL, text="question")["ts"]
    to_alice = {"recipient_user_id": ALICE, "recipient_team_id": TEAM_ID}

    def start(**args: Any) -> dict[str, Any]:
        return error_of(lambda: client.api_call("chat.startStream", json=args))

    assert start(channel=GENERAL, **to_alice)["error"] == "invalid_arguments"
    assert start(channel="C0NOPE", thread_ts=parent, **to_alice)["error"] == "channel_not_found"
    assert start(channel="C0RANDOM", thread_ts=parent, **to_alice)["error"] == "not_in_channel"
    assert start(channel=GENERAL, thread_ts=parent)["error"] == "missing_recipient_user_id"
    lonely = {"recipient_user_id": ALICE}
    assert (
        start(channel=GENERAL, thread_ts=parent, **lonely)["error"] == "missing_recipient_team_id"
    )
    too_long = {"markdown_text": "x" * 12_001, **to_alice}
    assert start(channel=GENERAL, thread_ts=parent, **too_long)["error"] == "msg_too_long"
    dm = client.chat_postMessage(channel="D0ALICE", text="hi")["ts"]
    assert client.chat_startStream(channel="D0ALICE", thread_ts=dm)["ok"]  # no recipient in a DM


def test_a_stream_expires_when_left_alone(client: WebClient, slack: SlackStandIn) -> None:
    parent = client.chat_postMessage(channel="D0ALICE", text="question")["ts"]
    first = client.chat_startStream(channel="D0ALICE", thread_ts=parent, markdown_text="Thin")
    second = client.chat_startStream(channel="D0ALICE", thread_ts=parent, markdown_text="king")

    slack.expire_streams()
    expired = error_of(
        lambda: client.chat_appendStream(channel="D0ALICE", ts=first["ts"], markdown_text="k")
    )
    slack.stream_lifetime = 0.05
    third = client.chat_startStream(channel="D0ALICE", thread_ts=parent)
    time.sleep(0.1)

    assert expired["error"] == "message_not_in_streaming_state"
    assert slack.stream_state("D0ALICE", second["ts"]) == "expired"
    assert slack.stream_state("D0ALICE", third["ts"]) == "expired"
    assert slack.stream_state("D0ALICE", parent) is None
    with pytest.raises(SlackApiError, match="message_not_in_streaming_state"):
        client.chat_stopStream(channel="D0ALICE", ts=third["ts"])
    assert SlackStandIn(stream_lifetime=1.5).stream_lifetime == 1.5


def test_a_streamed_message_is_held_to_slacks_lengths(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="D0ALICE", text="question")["ts"]
    ts = client.chat_startStream(channel="D0ALICE", thread_ts=parent, markdown_text="x" * 12_000)
    for _ in range(2):
        client.chat_appendStream(channel="D0ALICE", ts=ts["ts"], markdown_text="x" * 12_000)

    one_call = error_of(
        lambda: client.chat_appendStream(channel="D0ALICE", ts=ts["ts"], markdown_text="x" * 12_001)
    )
    past_40k = error_of(
        lambda: client.chat_appendStream(channel="D0ALICE", ts=ts["ts"], markdown_text="x" * 4_001)
    )
    bad_blocks = error_of(
        lambda: client.chat_stopStream(channel="D0ALICE", ts=ts["ts"], blocks=[section("y" * 3001)])
    )

    assert one_call["error"] == "msg_too_long"
    assert past_40k["error"] == "msg_too_long"
    assert bad_blocks["error"] == "invalid_blocks"
    assert client.chat_stopStream(channel="D0ALICE", ts=ts["ts"], markdown_text="x" * 4_000)["ok"]


# --- statuses and prompts ----------------------------------------------------------------


def test_a_status_shows_under_the_thread_until_the_bot_replies(
    client: WebClient, slack: SlackStandIn, people: StandInDriver
) -> None:
    question = people.say("What happens on GO?", ALICE, GENERAL)

    client.assistant_threads_setStatus(
        channel_id=GENERAL, thread_ts=question.ts, status=STATUS, loading_messages=["Reading…"]
    )
    shown = slack.transcript(GENERAL)
    client.chat_postMessage(channel=GENERAL, thread_ts=question.ts, text="Collect $200.")

    assert shown.splitlines()[-1] == f"    ragtime {STATUS}"
    assert slack.statuses(GENERAL, question.ts) == [STATUS, ""]
    assert slack.status(GENERAL, question.ts) == ""
    assert slack.transcript(GENERAL).splitlines()[-1] == "    (status cleared)"


def test_a_status_clears_on_a_stream_on_request_and_after_two_minutes(
    client: WebClient, slack: SlackStandIn
) -> None:
    parent = client.chat_postMessage(channel="D0ALICE", text="question")["ts"]
    other = client.chat_postMessage(channel="D0ALICE", text="another")["ts"]

    client.assistant_threads_setStatus(channel_id="D0ALICE", thread_ts=parent, status="is typing…")
    client.chat_startStream(channel="D0ALICE", thread_ts=parent)
    client.assistant_threads_setStatus(channel_id="D0ALICE", thread_ts=parent, status="is done…")
    client.assistant_threads_setStatus(channel_id="D0ALICE", thread_ts=parent, status="")
    client.assistant_threads_setStatus(channel_id="D0ALICE", thread_ts=other, status="is slow…")
    slack.expire_statuses()

    assert slack.statuses("D0ALICE", parent) == ["is typing…", "", "is done…", ""]
    assert slack.statuses("D0ALICE", other) == ["is slow…", ""]


def test_setting_a_status_is_refused_like_slack(client: WebClient) -> None:
    parent = client.chat_postMessage(channel=GENERAL, text="question")["ts"]

    def set_status(**args: Any) -> str:
        return str(
            error_of(lambda: client.api_call("assistant.threads.setStatus", json=args))["error"]
        )

    assert set_status(channel_id="C0NOPE", thread_ts=parent, status="x") == "channel_not_found"
    assert set_status(channel_id=GENERAL, thread_ts="1.000001", status="x") == "invalid_thread_ts"
    eleven = [f"step {n}" for n in range(11)]
    assert (
        set_status(channel_id=GENERAL, thread_ts=parent, status="x", loading_messages=eleven)
        == "invalid_arguments"
    )


def test_suggested_prompts_are_kept_per_thread_and_checked(
    client: WebClient, slack: SlackStandIn
) -> None:
    parent = client.chat_postMessage(channel="D0ALICE", text="Hi!")["ts"]
    prompts = [
        {"title": "Jail", "message": "How do I get out of jail?"},
        {"title": "GO", "message": "What happens on GO?"},
    ]

    client.assistant_threads_setSuggestedPrompts(
        channel_id="D0ALICE", thread_ts=parent, prompts=prompts, title="Try asking"
    )
    five = error_of(
        lambda: client.assistant_threads_setSuggestedPrompts(
            channel_id="D0ALICE", thread_ts=parent, prompts=prompts * 3
        )
    )
    no_message = error_of(
        lambda: client.assistant_threads_setSuggestedPrompts(
            channel_id="D0ALICE", thread_ts=parent, prompts=[{"title": "Jail"}]
        )
    )

    assert slack.suggested_prompts("D0ALICE", parent) == {"title": "Try asking", "prompts": prompts}
    assert (five["error"], no_message["error"]) == ("invalid_arguments", "invalid_arguments")
    assert "    Try asking: [Jail] [GO]" in slack.transcript("D0ALICE").splitlines()


# --- views, conversations ----------------------------------------------------------------


def test_the_home_tab_is_published_per_user_and_checked(
    client: WebClient, slack: SlackStandIn
) -> None:
    home = {"type": "home", "blocks": [section("*2 documents* indexed"), {"type": "divider"}]}

    first = client.views_publish(user_id=ALICE, view=home)["view"]
    second = client.views_publish(user_id=ALICE, view=home, hash=first["hash"])["view"]
    stale = error_of(lambda: client.views_publish(user_id=ALICE, view=home, hash=first["hash"]))
    modal = error_of(lambda: client.views_publish(user_id=ALICE, view={**home, "type": "modal"}))
    crowded = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    too_many = error_of(lambda: client.views_publish(user_id=ALICE, view=crowded))

    assert (first["type"], first["id"]) == ("home", second["id"])
    assert slack.home_view(ALICE) == second
    assert slack.home_view(BOB) is None
    assert slack.home(ALICE) == "Home tab of alice\n  *2 documents* indexed\n  ---"
    assert stale["error"] == "hash_conflict"
    assert (modal["error"], too_many["error"]) == ("invalid_arguments", "invalid_blocks")
    assert client.views_publish(user_id=ALICE, view={**home, "blocks": [section("x")] * 100})["ok"]


def test_users_conversations_lists_what_the_person_and_the_bot_share(
    client: WebClient, slack: SlackStandIn
) -> None:
    slack.workspace.add_channel(Channel("C0RANDOM", "random", members=[BOB, ALICE]))

    pages = [
        [c["id"] for c in page["channels"]]
        for page in client.users_conversations(
            user=BOB, types="public_channel,private_channel,im", limit=2
        )
    ]
    alices = client.users_conversations(user=ALICE, types="private_channel")["channels"]
    bots = client.users_conversations()["channels"]

    assert [len(page) for page in pages] == [2, 1]
    assert {c for page in pages for c in page} == {GENERAL, "C0SALES", "D0BOB"}
    assert [(c["id"], c["is_private"], c["name"]) for c in alices] == [(HR, True, "private-hr")]
    assert {c["id"] for c in bots} == {GENERAL, "C0SALES"}
    assert error_of(lambda: client.users_conversations(types="bogus"))["error"] == "invalid_types"


def test_conversations_open_gives_the_bots_dm_and_posting_there_works(
    client: WebClient, slack: SlackStandIn
) -> None:
    dm = client.conversations_open(users=ALICE)["channel"]
    client.chat_postMessage(channel=dm["id"], text="Your document is indexed.")

    assert (dm["id"], dm["is_im"], dm["user"]) == ("D0ALICE", True, ALICE)
    assert slack.transcript("D0ALICE") == "DM with alice\nragtime: Your document is indexed."
    assert error_of(lambda: client.conversations_open(users="UBOT"))["error"] == "cannot_dm_bot"


# --- block checks ------------------------------------------------------------------------

BUTTON = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Go"}}
BROKEN_FEEDBACK = feedback_block()
BROKEN_FEEDBACK["elements"][0].pop("negative_button")


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text]"),
        ([{"type": "carousel"}], "[json-pointer:/blocks/0/type]"),
        ([{"type": "markdown", "text": "x" * 12_001}], "[json-pointer:/blocks/0/text]"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}], "151"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}], "11 items"),
        ([{"type": "divider"}] * 51, "must be less than 51 items [json-pointer:/blocks]"),
        (
            [
                {
                    "type": "actions",
                    "elements": [{**BUTTON, "text": {"type": "plain_text", "text": "x" * 76}}],
                }
            ],
            "76",
        ),
        ([BROKEN_FEEDBACK], "missing required field: negative_button"),
        ([{"type": "actions", "elements": []}], "[json-pointer:/blocks/0/elements]"),
        ([{"type": "context_actions", "elements": []}], "[json-pointer:/blocks/0/elements]"),
    ],
)
def test_blocks_slack_refuses_are_invalid_blocks_with_details(
    client: WebClient, blocks: list[dict[str, Any]], pointer: str
) -> None:
    refused = error_of(lambda: client.chat_postMessage(channel=GENERAL, text="x", blocks=blocks))

    assert refused["error"] == "invalid_blocks"
    assert any(pointer in problem for problem in refused["errors"])
    assert refused["response_metadata"]["messages"][0].startswith("[ERROR] ")


def test_every_surface_checks_blocks_and_lengths(client: WebClient, slack: SlackStandIn) -> None:
    posted = client.chat_postMessage(channel=GENERAL, text="fine", blocks=[section("fine")])
    bad = [section("x" * 3001)]
    slack.workspace.new_hook(ResponseHook("R0HOOK", GENERAL, ALICE))
    hook = f"{slack.url}/response/R0HOOK"

    update = error_of(
        lambda: client.chat_update(channel=GENERAL, ts=posted["ts"], text="x", blocks=bad)
    )
    ephemeral = error_of(
        lambda: client.chat_postEphemeral(channel=GENERAL, user=ALICE, text="x", blocks=bad)
    )
    long_text = error_of(lambda: client.chat_postMessage(channel=GENERAL, text="x" * 40_001))
    heavy = [section("x" * 2900)] * 5
    long_blocks = error_of(lambda: client.chat_postMessage(channel=GENERAL, text="x", blocks=heavy))
    answer = WebhookClient(hook).send(text="x", blocks=bad)

    assert (update["error"], ephemeral["error"]) == ("invalid_blocks", "invalid_blocks")
    assert (long_text["error"], long_blocks["error"]) == ("msg_too_long", "msg_blocks_too_long")
    assert (answer.status_code, answer.body) == (400, "invalid_blocks")
    assert slack.messages(GENERAL)[0].blocks[0]["text"]["text"] == "fine"
    assert client.chat_postMessage(channel=GENERAL, text="x" * 40_000, blocks=[section("x" * 3000)])


# --- the driver against a real Bolt app --------------------------------------------------

MODAL = {
    "type": "modal",
    "callback_id": "feedback_modal",
    "private_metadata": "answer:1",
    "title": {"type": "plain_text", "text": "What went wrong?"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "kind",
            "label": {"type": "plain_text", "text": "Kind"},
            "element": {
                "type": "radio_buttons",
                "action_id": "kind_choice",
                "options": [
                    {"text": {"type": "plain_text", "text": "Wrong"}, "value": "wrong"},
                    {"text": {"type": "plain_text", "text": "Vague"}, "value": "vague"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Why?"},
            "element": {"type": "plain_text_input", "action_id": "reason_input"},
        },
    ],
}


@dataclass
class Seen:
    """What the Bolt app received: (kind, body, context.team_id)."""

    items: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)

    def add(self, kind: str, body: dict[str, Any], context: BoltContext) -> None:
        self.items.append((kind, body, context.team_id))

    def bodies(self, kind: str) -> list[dict[str, Any]]:
        """The bodies of one kind in the order Slack sent them (listeners run concurrently)."""
        found = [body for k, body, _ in self.items if k == kind]
        return sorted(found, key=_sent_at)


def _sent_at(body: dict[str, Any]) -> str:
    event = body.get("event") or {}
    return str(event.get("event_ts") or body.get("actions", [{}])[0].get("action_ts") or "")


def register_answers(app: App, seen: Seen) -> None:
    @app.event("app_mention")
    def mention(
        body: dict[str, Any], context: BoltContext, say_stream: SayStream, set_status: SetStatus
    ) -> None:
        seen.add("app_mention", body, context)
        set_status(status=STATUS)
        stream = say_stream(buffer_size=8)
        for piece in ["Pass GO ", "and collect ", "$200."]:
            stream.append(markdown_text=piece)
        stream.stop(blocks=[feedback_block()])

    @app.event("message")
    def message(body: dict[str, Any], context: BoltContext) -> None:
        seen.add("message", body, context)

    @app.action(FEEDBACK_ACTION)
    def feedback(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        seen.add("feedback", body, context)
        if body["actions"][0]["value"].startswith("down:"):
            client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("feedback_modal")
    def submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        seen.add("view_submission", body, context)
        reason = body["view"]["state"]["values"]["reason"]["reason_input"]["value"]
        if not reason:
            ack(response_action="errors", errors={"reason": "Say what was wrong."})
            return
        ack()


def register_home_and_assistant(app: App, seen: Seen) -> None:
    @app.event("app_home_opened")
    def home(
        body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient
    ) -> None:
        seen.add("app_home_opened", body, context)
        if event["tab"] == "home":
            view = {"type": "home", "blocks": [section(f"Hello <@{event['user']}>")]}
            client.views_publish(user_id=event["user"], view=view)

    assistant = Assistant()

    @assistant.thread_started
    def started(
        body: dict[str, Any],
        context: BoltContext,
        say: Say,
        set_suggested_prompts: SetSuggestedPrompts,
    ) -> None:
        seen.add("assistant_thread_started", body, context)
        say("Hi! Ask me about the rules.")
        set_suggested_prompts(prompts=[{"title": "GO", "message": "What happens on GO?"}])

    @assistant.user_message
    def asked(
        body: dict[str, Any], context: BoltContext, set_status: SetStatus, say_stream: SayStream
    ) -> None:
        seen.add("assistant_message", body, context)
        set_status(STATUS)
        stream = say_stream()
        stream.append(markdown_text="Collect $200.")
        stream.stop()

    app.assistant(assistant)


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def driver(slack: SlackStandIn, seen: Seen) -> Iterator[StandInDriver]:
    app = App(signing_secret=SECRET, client=WebClient(token=slack.token, base_url=slack.api_url))
    register_answers(app, seen)
    register_home_and_assistant(app, seen)
    with serve_bolt(app) as url:
        yield StandInDriver(slack, url, SECRET)


def streamed_answer(slack: SlackStandIn, thread_ts: str) -> Any:
    answer = slack.wait_for_message(GENERAL, thread_ts=thread_ts, contains="$200.")
    slack.wait_for(lambda: slack.stream_state(GENERAL, answer.ts) == "stopped")
    return slack.messages(GENERAL, thread_ts)[-1]


def test_a_streamed_answer_takes_the_status_away_and_its_feedback_reaches_bolt(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    question = driver.mention("what happens on GO?", BOB, GENERAL)
    answer = streamed_answer(slack, question.ts)

    delivery = driver.click_feedback(answer, positive=True, user=BOB)
    slack.wait_for(lambda: seen.bodies("feedback"))

    assert delivery.status == 200
    assert slack.statuses(GENERAL, question.ts) == [STATUS, ""]
    body = seen.bodies("feedback")[0]
    action = body["actions"][0]
    assert {k: action[k] for k in ("type", "action_id", "block_id", "value")} == {
        "type": "feedback_buttons",
        "action_id": FEEDBACK_ACTION,
        "block_id": "feedback",
        "value": "up:1",
    }
    assert float(action["action_ts"]) > 0
    assert body["type"] == "block_actions"
    assert body["container"] == {
        "type": "message",
        "message_ts": answer.ts,
        "channel_id": GENERAL,
        "is_ephemeral": False,
        "thread_ts": question.ts,
    }
    assert body["channel"] == {"id": GENERAL, "name": "general"}
    assert body["message"]["blocks"][-1]["type"] == "context_actions"
    assert body["message"]["text"] == "Pass GO and collect $200."
    assert body["user"] == {"id": BOB, "username": "bob", "name": "bob", "team_id": TEAM_ID}
    assert (body["enterprise"], body["is_enterprise_install"]) == (None, False)
    assert body["team"]["id"] == TEAM_ID and body["api_app_id"] == "A0STANDIN"
    assert body["response_url"].startswith(f"{slack.url}/response/")
    assert body["trigger_id"].count(".") == 2
    assert slack.transcript(GENERAL).splitlines()[-3:] == [
        "    ragtime: Pass GO and collect $200.",
        "      [👍] [👎]",
        "    (status cleared)",
    ]


def test_a_modal_opened_from_feedback_is_submitted_with_errors_then_closed(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    question = driver.mention("what happens on GO?", BOB, GENERAL)
    driver.click_feedback(streamed_answer(slack, question.ts), positive=False, user=BOB)
    modal = slack.wait_for(lambda: slack.open_modals(BOB))[0]

    empty = driver.submit_view(
        "feedback_modal", user=BOB, values={"kind": {"kind_choice": "wrong"}}
    )
    still_open = slack.open_modals(BOB)
    errors = slack.modal_errors(BOB, "feedback_modal")
    done = driver.submit_view(
        modal["id"],
        user=BOB,
        values={"kind": {"kind_choice": "wrong"}, "reason": {"reason_input": "p. 4"}},
    )

    assert (modal["callback_id"], modal["private_metadata"]) == ("feedback_modal", "answer:1")
    assert empty.status == 200 and '"response_action":"errors"' in empty.body.replace(" ", "")
    assert [m["id"] for m in still_open] == [modal["id"]]
    assert errors == [{"reason": "Say what was wrong."}]
    assert done.status == 200 and slack.open_modals(BOB) == []
    first, second = seen.bodies("view_submission")  # the second was sent after the first's ack
    assert first["type"] == "view_submission" and first["view"]["id"] == modal["id"]
    assert first["view"]["state"]["values"] == {
        "kind": {
            "kind_choice": {
                "type": "radio_buttons",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "Wrong"},
                    "value": "wrong",
                },
            }
        },
        "reason": {"reason_input": {"type": "plain_text_input", "value": None}},
    }
    assert second["view"]["state"]["values"]["reason"]["reason_input"]["value"] == "p. 4"
    assert first["user"]["id"] == BOB and first["trigger_id"] and first["response_urls"] == []
    assert first["view"]["app_installed_team_id"] == TEAM_ID


def test_views_open_takes_a_fresh_trigger_once_and_refuses_old_or_unknown_ones(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen, client: WebClient
) -> None:
    question = driver.mention("what happens on GO?", BOB, GENERAL)
    answer = streamed_answer(slack, question.ts)
    for _ in range(3):
        driver.click_feedback(answer, positive=True, user=ALICE)
    slack.wait_for(lambda: len(seen.bodies("feedback")) == 3)
    fresh, spare, old = (body["trigger_id"] for body in seen.bodies("feedback"))
    no_title = {k: v for k, v in MODAL.items() if k != "title"}

    opened = client.views_open(trigger_id=fresh, view=MODAL)["view"]
    again = error_of(lambda: client.views_open(trigger_id=fresh, view=MODAL))
    untitled = error_of(lambda: client.views_open(trigger_id=spare, view=no_title))
    second = client.views_open(trigger_id=spare, view=MODAL)["view"]  # a refusal uses nothing
    slack.expire_triggers()
    expired = error_of(lambda: client.views_open(trigger_id=old, view=MODAL))
    unknown = error_of(lambda: client.views_open(trigger_id="123.456.abc", view=MODAL))

    assert opened["type"] == "modal" and slack.open_modals(ALICE) == [opened, second]
    assert again["error"] == "exchanged_trigger_id"
    assert untitled["error"] == "invalid_arguments"
    assert "missing required field: title" in untitled["errors"][0]
    assert expired["error"] == "expired_trigger_id"
    assert unknown["error"] == "invalid_trigger_id"


def test_a_button_click_carries_a_trigger_id_views_open_accepts(
    driver: StandInDriver, slack: SlackStandIn, client: WebClient
) -> None:
    vote = {"type": "button", "action_id": "vote", "value": "up"}
    vote["text"] = {"type": "plain_text", "text": "👍"}
    posted = client.chat_postMessage(
        channel=GENERAL, text="Vote", blocks=[{"type": "actions", "elements": [vote]}]
    )

    clicked = driver.click(posted["ts"], GENERAL, "vote", "up", BOB)

    body = json.loads(parse_qs(clicked.payload.decode())["payload"][0])
    assert client.views_open(trigger_id=body["trigger_id"], view=MODAL)["ok"]
    assert [m["callback_id"] for m in slack.open_modals(BOB)] == ["feedback_modal"]


def test_app_home_opened_reaches_bolt_and_carries_the_published_view(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    first = driver.open_home(ALICE)
    view = slack.wait_for(lambda: slack.home_view(ALICE))
    driver.open_home(ALICE)
    driver.open_messages_tab(ALICE)
    slack.wait_for(lambda: len(seen.bodies("app_home_opened")) == 3)

    events = [body["event"] for body in seen.bodies("app_home_opened")]  # in the order sent
    assert first.event_types == ["app_home_opened"]
    assert {k: events[0][k] for k in ("type", "user", "channel", "tab")} == {
        "type": "app_home_opened",
        "user": ALICE,
        "channel": "D0ALICE",
        "tab": "home",
    }
    assert "view" not in events[0]
    assert events[1]["view"]["id"] == view["id"] and events[1]["view"]["type"] == "home"
    assert events[2]["tab"] == "messages" and "view" not in events[2]
    assert slack.home(ALICE) == "Home tab of alice\n  Hello @alice"


def test_an_assistant_thread_starts_gets_prompts_and_a_streamed_answer(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    thread = driver.start_assistant_thread(ALICE, context_channel=GENERAL)
    slack.wait_for_message("D0ALICE", thread_ts=thread.ts, contains="Hi!")
    slack.wait_for(lambda: slack.suggested_prompts("D0ALICE", thread.ts))

    asked = driver.assistant_thread_message(ALICE, thread, "What happens on GO?")
    answer = slack.wait_for_message("D0ALICE", thread_ts=thread.ts, contains="Collect $200.")
    slack.wait_for(lambda: slack.stream_state("D0ALICE", answer.ts) == "stopped")

    started = seen.bodies("assistant_thread_started")[0]["event"]
    assert started["assistant_thread"] == {
        "user_id": ALICE,
        "context": {"channel_id": GENERAL, "team_id": TEAM_ID},
        "channel_id": "D0ALICE",
        "thread_ts": thread.ts,
    }
    message = seen.bodies("assistant_message")[0]["event"]
    assert {k: message[k] for k in ("type", "channel", "channel_type", "thread_ts")} == {
        "type": "message",
        "channel": "D0ALICE",
        "channel_type": "im",
        "thread_ts": thread.ts,
    }
    assert (message["ts"], message["parent_user_id"], message["user"]) == (asked.ts, ALICE, ALICE)
    assert message["user_team"] == message["source_team"] == message["team"] == TEAM_ID
    assert message["blocks"][0]["type"] == "rich_text"
    assert slack.statuses("D0ALICE", thread.ts) == [STATUS, ""]
    assert slack.transcript("D0ALICE") == "\n".join(
        [
            "DM with alice",
            "alice: (opened an assistant thread)",
            "    ragtime: Hi! Ask me about the rules.",
            "    alice: What happens on GO?",
            "    ragtime: Collect $200.",
            "    Suggested prompts: [GO]",
            "    (status cleared)",
        ]
    )


# --- the shapes of other senders and envelopes -------------------------------------------


def test_slack_connect_and_legacy_envelopes_give_bolt_the_installed_team(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    add_slack_connect(slack.workspace)

    driver.say("hello from the partner", PARTNER, SHARED)
    driver.say("an old-style delivery", ALICE, GENERAL, legacy_envelope=True)
    slack.wait_for(lambda: len(seen.bodies("message")) == 2)

    teams = {body["event"]["text"]: team for kind, body, team in seen.items if kind == "message"}
    connect, legacy = seen.bodies("message")
    connect_team, legacy_team = teams[connect["event"]["text"]], teams[legacy["event"]["text"]]
    assert connect["team_id"] == PARTNER_TEAM
    assert connect["authorizations"][0]["team_id"] == TEAM_ID
    assert (connect["context_team_id"], connect["is_ext_shared_channel"]) == (TEAM_ID, True)
    event = connect["event"]
    assert (event["team"], event["user_team"], event["source_team"]) == (PARTNER_TEAM,) * 3
    assert connect_team == TEAM_ID
    assert "authorizations" not in legacy
    assert (legacy["authed_users"], legacy["authed_teams"]) == (["UBOT"], [TEAM_ID])
    assert legacy["team_id"] == legacy_team == TEAM_ID


def test_a_partners_mention_keeps_the_installed_team_at_the_top(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    add_slack_connect(slack.workspace)

    sent = driver.mention("what happens on GO?", PARTNER, SHARED)
    slack.wait_for(lambda: seen.bodies("app_mention") and seen.bodies("message"))

    mention = seen.bodies("app_mention")[0]
    assert sent.event_types == ["message", "app_mention"]
    assert mention["team_id"] == TEAM_ID and mention["is_ext_shared_channel"] is True
    assert (mention["event"]["team"], mention["event"]["user_team"]) == (TEAM_ID, PARTNER_TEAM)
    assert [team for kind, _, team in seen.items if kind == "app_mention"] == [TEAM_ID]


def test_other_bots_broadcasts_and_the_bots_own_echo_have_slacks_shapes(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen, client: WebClient
) -> None:
    modern = driver.bot_message("<@UBOT> a report for you", GENERAL)
    classic = driver.bot_message("a webhook post", GENERAL, classic=True)
    parent = driver.say("What happens on GO?", ALICE, GENERAL)
    driver.thread_reply("Also: Free Parking?", BOB, GENERAL, parent.ts, broadcast=True)
    own = client.chat_postMessage(channel=GENERAL, text="My own words.")["ts"]
    echo = driver.echo_own_message(next(m for m in slack.messages(GENERAL) if m.ts == own))
    slack.wait_for(lambda: len(seen.bodies("message")) == 4 and seen.bodies("app_mention"))
    time.sleep(0.2)  # the echo, if Bolt let it through, would show up by now

    assert modern.event_types == ["message", "app_mention"]
    assert classic.event_types == ["message"]
    bot, webhook, _, broadcast = (body["event"] for body in seen.bodies("message"))
    assert (bot["bot_id"], bot["user"], bot["bot_profile"]["app_id"]) == (
        "B0OTHERAPP",
        "U0OTHERBOT",
        "A0OTHERAPP",
    )
    assert "subtype" not in bot and "client_msg_id" not in bot
    assert seen.bodies("app_mention")[0]["event"]["bot_id"] == "B0OTHERAPP"
    assert (webhook["subtype"], webhook["username"], webhook["bot_id"]) == (
        "bot_message",
        "classic-bot",
        "B0CLASSIC",
    )
    assert "user" not in webhook
    assert (broadcast["subtype"], broadcast["thread_ts"]) == ("thread_broadcast", parent.ts)
    assert broadcast["root"]["ts"] == parent.ts
    assert echo.event_types == ["message"] and echo.delivery.status == 200
    echoed = echo.delivery.payload.decode()
    assert '"bot_id":"BBOT"' in echoed and f'"ts":"{own}"' in echoed
    assert all(body["event"].get("bot_id") != "BBOT" for body in seen.bodies("message"))
    shown = slack.transcript(GENERAL).splitlines()
    assert "other-app: @ragtime a report for you" in shown
    assert "classic-bot: a webhook post" in shown
    assert "    bob: Also: Free Parking? (also sent to the channel)" in shown
