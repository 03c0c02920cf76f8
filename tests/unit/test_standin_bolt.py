"""The stand-in's driver against a real Bolt app: signed requests, events, clicks, retries."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_sdk import WebClient

from bot.standin import ALICE, BOB, GENERAL, HR, Channel, SlackStandIn, StandInDriver
from bot.standin.bolt_server import serve_bolt

SECRET = "standin-signing-secret"
PDF = b"%PDF-1.4\n% the rules of a board game\n"


@dataclass
class Seen:
    """What the Bolt app received, in order: (kind, payload, request headers)."""

    items: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def add(self, kind: str, payload: dict[str, Any], request: BoltRequest) -> None:
        self.items.append((kind, payload, dict(request.headers)))

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.items]


def answer_blocks(text: str, up: int) -> list[dict[str, Any]]:
    buttons = [
        {
            "type": "button",
            "action_id": "vote",
            "value": "up",
            "text": {"type": "plain_text", "text": f"👍 {up}"},
        },
        {
            "type": "button",
            "action_id": "vote",
            "value": "down",
            "text": {"type": "plain_text", "text": "👎 0"},
        },
    ]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Source: monopoly.pdf, page 4"}],
        },
        {"type": "actions", "elements": buttons},
    ]


def download(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        data: bytes = response.read()
        return data


def register_commands_and_actions(app: App, seen: Seen) -> None:
    @app.command("/ask")
    def ask(ack: Ack, command: dict[str, Any], client: WebClient, request: BoltRequest) -> None:
        ack("Looking through the documents…")
        seen.add("command", command, request)
        text = f"Pass GO and collect $200 (asked: {command['text']})"
        client.chat_postMessage(
            channel=command["channel_id"], text=text, blocks=answer_blocks(text, 0)
        )

    @app.action("vote")
    def vote(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, request: BoltRequest
    ) -> None:
        ack()
        seen.add("action", body, request)
        message = body["message"]
        text = message["blocks"][0]["text"]["text"]
        client.chat_update(
            channel=body["channel"]["id"],
            ts=message["ts"],
            text=text,
            blocks=answer_blocks(text, 1),
        )
        client.reactions_add(
            channel=body["channel"]["id"], timestamp=message["ts"], name="white_check_mark"
        )
        respond(text="Thanks, your vote is counted.")


def register_admin(app: App, seen: Seen) -> None:
    @app.command("/ragtime")
    def admin(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, request: BoltRequest
    ) -> None:
        ack()
        seen.add("command", command, request)
        if command["text"] == "reindex":
            respond(text="Re-indexing 2 documents…", response_type="in_channel")
            respond(
                text="Re-indexed 2 documents.", response_type="in_channel", replace_original=True
            )
            return
        dismiss = {
            "type": "button",
            "action_id": "dismiss",
            "text": {"type": "plain_text", "text": "Dismiss"},
        }
        blocks: list[dict[str, Any]] = [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "2 documents: monopoly.pdf, catan.pdf"},
            },
            {"type": "actions", "elements": [dismiss]},
        ]
        client.chat_postEphemeral(
            channel=command["channel_id"],
            user=command["user_id"],
            text="2 documents",
            blocks=blocks,
        )

    @app.action("dismiss")
    def dismiss(ack: Ack, body: dict[str, Any], respond: Respond, request: BoltRequest) -> None:
        ack()
        seen.add("action", body, request)
        respond(delete_original=True)


def register_events(app: App, seen: Seen) -> None:
    @app.event("app_mention")
    def mention(event: dict[str, Any], say: Say, request: BoltRequest) -> None:
        seen.add("app_mention", event, request)
        say(text="Here is what I found.", thread_ts=event["ts"])

    @app.event("message")
    def message(event: dict[str, Any], say: Say, request: BoltRequest) -> None:
        seen.add("message", event, request)
        if event.get("channel_type") == "im":
            say(text="Answering in DM.")

    @app.event("file_shared")
    def file_shared(event: dict[str, Any], client: WebClient, request: BoltRequest) -> None:
        seen.add("file_shared", event, request)
        file = client.files_info(file=event["file_id"])["file"]
        data = download(file["url_private_download"], str(client.token))
        shares = file["shares"].get("public", {}) | file["shares"].get("private", {})
        share_ts = shares[event["channel_id"]][0]["ts"]
        text = f"Indexed {file['name']} ({len(data)} bytes)."
        client.chat_postMessage(channel=event["channel_id"], thread_ts=share_ts, text=text)


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def driver(slack: SlackStandIn, seen: Seen) -> Iterator[StandInDriver]:
    """A real Bolt app on a loopback WSGI server, its WebClient pointed at the stand-in."""
    app = App(signing_secret=SECRET, client=WebClient(token=slack.token, base_url=slack.api_url))
    register_commands_and_actions(app, seen)
    register_admin(app, seen)
    register_events(app, seen)
    with serve_bolt(app) as url:
        yield StandInDriver(slack, url, SECRET)


def test_a_signed_slash_command_passes_bolt_and_gets_answered(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    status, body, elapsed = driver.slash_command("/ask", "What happens on GO?", ALICE, GENERAL)

    answer = slack.wait_for_message(GENERAL, contains="collect $200")

    assert (status, body) == (200, "Looking through the documents…")
    assert elapsed < 3
    command = seen.items[0][1]
    assert (command["user_id"], command["channel_id"], command["text"]) == (
        ALICE,
        GENERAL,
        "What happens on GO?",
    )
    assert command["response_url"].startswith(f"{slack.url}/response/")
    assert answer.bot_id == "BBOT"


def test_a_forged_signature_or_a_stale_timestamp_is_refused(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    forged = driver.slash_command(text="let me in", secret="not-the-secret")
    stale = driver.slash_command(text="let me in", timestamp=int(time.time()) - 600)

    assert (forged.status, stale.status) == (401, 401)
    assert seen.items == []
    shown = [e.text for e in slack.ephemerals(ALICE)]
    assert shown == ['/ask failed with the error "dispatch_failed"'] * 2


def test_a_mention_fires_message_and_app_mention_and_is_answered_in_thread(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    sent = driver.mention("what happens on GO?", BOB, GENERAL)

    reply = slack.wait_for_message(GENERAL, thread_ts=sent.ts, contains="Here is what I found")
    slack.wait_for(lambda: len(seen.items) == 2)

    assert sent.event_types == ["message", "app_mention"]
    assert [d.status for d in sent.deliveries] == [200, 200]
    assert len({d.event_id for d in sent.deliveries}) == 2
    assert sorted(seen.kinds()) == ["app_mention", "message"]
    event = seen.items[seen.kinds().index("app_mention")][1]
    assert event["text"] == "<@UBOT> what happens on GO?"
    assert (event["user"], event["channel"], event["ts"]) == (BOB, GENERAL, sent.ts)
    assert reply.thread_ts == sent.ts


def test_a_dm_fires_one_im_message_event(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    sent = driver.dm("how do I get out of jail?", ALICE)

    slack.wait_for_message("D0ALICE", contains="Answering in DM")

    assert sent.event_types == ["message"]
    assert seen.items[0][1]["channel_type"] == "im"
    assert seen.items[0][1]["channel"] == "D0ALICE"


def test_sharing_a_file_fires_both_events_and_the_bot_can_download_it(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    shared = driver.share_file("monopoly.pdf", PDF, ALICE, HR)

    slack.wait_for_message(
        HR, thread_ts=shared.ts, contains=f"Indexed monopoly.pdf ({len(PDF)} bytes)"
    )
    slack.wait_for(lambda: len(seen.items) == 2)

    assert shared.event_types == ["message", "file_shared"]
    message = seen.items[seen.kinds().index("message")][1]
    assert message["subtype"] == "file_share"
    assert message["channel_type"] == "group"
    assert [f["id"] for f in message["files"]] == [shared.file_id]
    file_shared = seen.items[seen.kinds().index("file_shared")][1]
    assert (file_shared["file_id"], file_shared["channel_id"], file_shared["user_id"]) == (
        shared.file_id,
        HR,
        ALICE,
    )
    assert [d.params["authorized"] for d in slack.downloads()] == [True]


def test_a_retry_carries_slacks_retry_headers_and_the_same_event_id(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    first = driver.dm("hello", ALICE).delivery
    retry = driver.redeliver(first, retry_num=1)
    forced = driver.dm("again", ALICE, retry_num=2, event_id="Ev0DUPLICATE")

    slack.wait_for(lambda: len(seen.items) == 3)

    assert retry.status == 200
    assert retry.event_id == first.event_id
    assert retry.payload == first.payload
    headers = [h for _, _, h in seen.items]
    assert [h.get("x-slack-retry-num") for h in headers] == [None, ["1"], ["2"]]
    assert headers[1]["x-slack-retry-reason"] == ["http_timeout"]
    assert forced.delivery.event_id == "Ev0DUPLICATE"


def test_a_click_reaches_the_action_listener_with_the_message(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    driver.slash_command("/ask", "What happens on GO?")
    answer = slack.wait_for_message(GENERAL, contains="collect $200")

    status, _, _ = driver.click(answer.ts, GENERAL, "vote", "up", BOB)
    slack.wait_for(lambda: slack.ephemerals(BOB))

    assert status == 200
    body = seen.items[-1][1]
    assert body["actions"][0]["value"] == "up"
    assert body["actions"][0]["block_id"] == answer.blocks[2]["block_id"]
    assert body["container"] == {
        "type": "message",
        "message_ts": answer.ts,
        "channel_id": GENERAL,
        "is_ephemeral": False,
    }
    assert body["message"]["ts"] == answer.ts
    assert body["user"]["id"] == BOB


def test_url_verification_is_echoed(driver: StandInDriver) -> None:
    status, body, _ = driver.url_verification(
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    )

    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in body


def test_the_whole_conversation_reads_well(driver: StandInDriver, slack: SlackStandIn) -> None:
    shared = driver.share_file("monopoly.pdf", PDF, ALICE, GENERAL)
    slack.wait_for_message(GENERAL, thread_ts=shared.ts, contains="Indexed")
    driver.slash_command("/ask", "What happens on GO?", BOB, GENERAL)
    answer = slack.wait_for_message(GENERAL, contains="collect $200")
    driver.click(answer.ts, GENERAL, "vote", "up", BOB)
    slack.wait_for(lambda: slack.ephemerals(BOB, GENERAL)[1:])
    slack.wait_for(lambda: slack.messages(GENERAL)[-1].reactions)

    assert slack.transcript(GENERAL) == "\n".join(
        [
            "#general",
            "alice: [shared file monopoly.pdf]",
            f"    ragtime: Indexed monopoly.pdf ({len(PDF)} bytes).",
            "bob: /ask What happens on GO?",
            "ragtime: Looking through the documents… (only visible to bob)",
            "ragtime: Pass GO and collect $200 (asked: What happens on GO?)",
            "  Source: monopoly.pdf, page 4",
            "  [👍 1] [👎 0]",
            "  (:white_check_mark: ragtime)",
            "ragtime: Thanks, your vote is counted. (only visible to bob)",
        ]
    )


def test_response_url_posts_in_channel_and_replaces_its_last_answer(
    driver: StandInDriver, slack: SlackStandIn
) -> None:
    driver.slash_command("/ragtime", "reindex", "U0CAROL", GENERAL)

    slack.wait_for(lambda: [c for c in slack.calls("response_url") if c.status == 200][1:])

    assert slack.transcript(GENERAL) == "\n".join(
        ["#general", "carol: /ragtime reindex", "ragtime: Re-indexed 2 documents."]
    )


def test_a_click_on_an_ephemeral_message_can_delete_it(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    driver.slash_command("/ragtime", "docs", ALICE, GENERAL)
    notice = slack.wait_for(lambda: slack.ephemerals(ALICE))[0]

    driver.click(notice.ts, GENERAL, "dismiss", user=ALICE)
    slack.wait_for(lambda: not slack.ephemerals(ALICE))

    body = seen.items[-1][1]
    assert body["container"]["is_ephemeral"] is True
    assert "message" not in body


def test_a_thread_reply_that_mentions_the_bot_fires_both_events_at_once(
    driver: StandInDriver, slack: SlackStandIn, seen: Seen
) -> None:
    first = driver.mention("what happens on GO?", BOB, GENERAL)
    slack.wait_for_message(GENERAL, thread_ts=first.ts)

    again = driver.thread_reply(
        "<@UBOT> and on Free Parking?", ALICE, GENERAL, first.ts, concurrent=True
    )

    assert again.event_types in (["message", "app_mention"], ["app_mention", "message"])
    assert [d.status for d in again.deliveries] == [200, 200]
    slack.wait_for(lambda: len(seen.items) == 4)
    assert all(event.get("thread_ts") == first.ts for _, event, _ in seen.items[2:])


def test_slack_tells_the_bot_nothing_about_channels_it_is_not_in(
    driver: StandInDriver, slack: SlackStandIn
) -> None:
    slack.workspace.add_channel(Channel("C0RANDOM", "random", members=[ALICE, BOB]))

    sent = driver.mention("are you here?", ALICE, "C0RANDOM")
    shared = driver.share_file("secret.pdf", PDF, ALICE, "C0RANDOM")

    assert sent.deliveries == ()
    assert shared.deliveries == ()
