"""The Slack stand-in as slack_sdk sees it: Web API, file hosting, faults, transcripts."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.standin import (
    ALICE,
    BOB,
    GENERAL,
    HR,
    Channel,
    SlackStandIn,
    StandInDriver,
    StandInTimeoutError,
)

PDF = b"%PDF-1.4\n% a tiny stand-in for a real rule book\n"


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


def fetch(url: str, token: str | None) -> tuple[str, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers["Content-Type"], response.read()


def test_auth_test_tells_bolt_who_the_bot_is(client: WebClient, slack: SlackStandIn) -> None:
    reply = client.auth_test()

    assert reply["user_id"] == "UBOT"
    assert reply["bot_id"] == "BBOT"
    assert reply["team_id"] == "T0STANDIN"
    assert reply["user"] == "ragtime"
    assert reply["is_enterprise_install"] is False
    assert reply["url"] == f"{slack.url}/"


def test_a_wrong_or_missing_token_is_refused_like_slack(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-wrong", base_url=slack.api_url).auth_test()
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=slack.api_url).auth_test()

    assert wrong.value.response.status_code == 200
    assert wrong.value.response["error"] == "invalid_auth"
    assert missing.value.response["error"] == "not_authed"
    assert [call.error for call in slack.calls("auth.test")] == ["invalid_auth", "not_authed"]


def test_unknown_methods_are_reported(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.api_call("chat.frobnicate", params={"channel": GENERAL})

    assert failure.value.response["error"] == "unknown_method"


def test_post_update_and_replies_come_back_parent_first(client: WebClient) -> None:
    parent = client.chat_postMessage(channel=GENERAL, text="Thinking…")
    client.chat_postMessage(channel=GENERAL, text="first reply", thread_ts=parent["ts"])
    client.chat_postMessage(channel=GENERAL, text="second reply", thread_ts=parent["ts"])
    client.chat_update(channel=GENERAL, ts=parent["ts"], text="The answer is 42.")

    thread = client.conversations_replies(channel=GENERAL, ts=parent["ts"])["messages"]

    assert [m["text"] for m in thread] == ["The answer is 42.", "first reply", "second reply"]
    assert thread[0]["reply_count"] == 2
    assert thread[0]["edited"]["user"] == "UBOT"
    assert thread[1]["thread_ts"] == parent["ts"]
    assert thread[1]["parent_user_id"] == "UBOT"
    assert parent["message"]["bot_id"] == "BBOT"


def test_form_posts_and_json_posts_are_both_understood(client: WebClient) -> None:
    blocks = '[{"type": "section", "text": {"type": "mrkdwn", "text": "from a form"}}]'
    posted = client.api_call("chat.postMessage", params={"channel": GENERAL, "blocks": blocks})
    client.reactions_add(channel=GENERAL, timestamp=posted["ts"], name="eyes")

    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel=GENERAL, timestamp=posted["ts"], name="eyes")
    history = client.conversations_history(channel=GENERAL)["messages"]

    assert history[0]["blocks"][0]["text"]["text"] == "from a form"
    assert history[0]["reactions"] == [{"name": "eyes", "users": ["UBOT"], "count": 1}]
    assert again.value.response["error"] == "already_reacted"


def test_an_ephemeral_message_is_kept_out_of_the_channel(
    client: WebClient, slack: SlackStandIn
) -> None:
    reply = client.chat_postEphemeral(channel=GENERAL, user=ALICE, text="Only you can see this.")

    with pytest.raises(SlackApiError) as outsider:
        client.chat_postEphemeral(channel=HR, user=BOB, text="Bob is not in #private-hr.")

    assert reply["message_ts"]
    assert slack.messages(GENERAL) == []
    assert [e.text for e in slack.ephemerals(ALICE)] == ["Only you can see this."]
    assert slack.ephemerals(BOB) == []
    assert outsider.value.response["error"] == "user_not_in_channel"


def test_a_private_channel_without_the_bot_does_not_exist_for_it(
    client: WebClient, slack: SlackStandIn
) -> None:
    slack.workspace.add_channel(Channel("C0SECRET", "secret", is_private=True, members=[ALICE]))

    with pytest.raises(SlackApiError) as hidden:
        client.chat_postMessage(channel="C0SECRET", text="hello?")

    assert hidden.value.response["error"] == "channel_not_found"


def test_users_info_reports_admins(client: WebClient) -> None:
    carol = client.users_info(user="U0CAROL")["user"]
    alice = client.users_info(user=ALICE)["user"]

    assert (carol["name"], carol["is_admin"]) == ("carol", True)
    assert (alice["real_name"], alice["is_admin"], alice["is_bot"]) == (
        "Alice Archer",
        False,
        False,
    )


def test_history_pages_with_cursors(client: WebClient) -> None:
    for number in range(5):
        client.chat_postMessage(channel=GENERAL, text=f"message {number}")

    # slack_sdk's pages are one response object that changes as it turns the page.
    pages = [
        [m["text"] for m in page["messages"]]
        for page in client.conversations_history(channel=GENERAL, limit=2)
    ]

    assert pages == [["message 4", "message 3"], ["message 2", "message 1"], ["message 0"]]


def test_a_shared_file_downloads_only_with_the_bot_token(
    client: WebClient, slack: SlackStandIn, people: StandInDriver
) -> None:
    shared = people.share_file("monopoly.pdf", PDF, ALICE, GENERAL)

    info = client.files_info(file=shared.file_id)["file"]
    with_token = fetch(info["url_private_download"], slack.token)
    without_token = fetch(info["url_private_download"], None)

    assert (info["name"], info["mimetype"], info["filetype"]) == (
        "monopoly.pdf",
        "application/pdf",
        "pdf",
    )
    assert info["size"] == len(PDF)
    assert info["channels"] == [GENERAL]
    assert info["shares"]["public"][GENERAL][0]["ts"] == shared.ts
    assert info["url_private_download"].startswith(f"http://{slack.file_host}/files-pri/T0STANDIN-")
    assert with_token == ("application/pdf", PDF)
    assert without_token[0].startswith("text/html")
    assert b"Sign in" in without_token[1]
    assert [d.params["authorized"] for d in slack.downloads()] == [True, False]


def test_a_deleted_file_is_gone(client: WebClient, people: StandInDriver) -> None:
    shared = people.share_file("old.pdf", PDF)
    people.delete_file(shared.file_id)

    with pytest.raises(SlackApiError) as gone:
        client.files_info(file=shared.file_id)

    assert gone.value.response["error"] == "file_deleted"


def test_a_rate_limit_is_survived_by_slack_sdks_retry_handler(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    patient = WebClient(
        token=slack.token,
        base_url=slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )

    reply = patient.chat_postMessage(channel=GENERAL, text="after a pause")

    assert reply["ok"]
    assert [(c.status, c.error) for c in slack.calls("chat.postMessage")] == [
        (429, "ratelimited"),
        (200, None),
    ]


def test_a_rate_limit_without_a_retry_handler_shows_retry_after(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    impatient = WebClient(token=slack.token, base_url=slack.api_url)

    with pytest.raises(SlackApiError) as limited:
        impatient.chat_postMessage(channel=GENERAL, text="too soon")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response["error"] == "ratelimited"


def test_server_errors_are_survived_by_slack_sdks_retry_handler(slack: SlackStandIn) -> None:
    slack.fail_next("conversations.history", status=503, times=2)
    handler = ServerErrorRetryHandler(
        max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    patient = WebClient(token=slack.token, base_url=slack.api_url, retry_handlers=[handler])

    reply = patient.conversations_history(channel=GENERAL)

    assert reply["ok"]
    assert [c.status for c in slack.calls("conversations.history")] == [503, 503, 200]


def test_the_transcript_reads_like_the_slack_client(
    client: WebClient, slack: SlackStandIn, people: StandInDriver
) -> None:
    shared = people.share_file("monopoly.pdf", PDF, ALICE, GENERAL, initial_comment="House rules")
    client.reactions_add(channel=GENERAL, timestamp=shared.ts, name="white_check_mark")
    client.chat_postMessage(channel=GENERAL, thread_ts=shared.ts, text="Indexing…")
    client.chat_postEphemeral(channel=GENERAL, user=ALICE, text="Only you can see this.")
    answer = client.chat_postMessage(channel=GENERAL, text="Thinking…")
    client.chat_update(
        channel=GENERAL,
        ts=answer["ts"],
        text="Collect $200.",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "Collect $200 <@U0ALICE>."}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "monopoly.pdf, p. 4"}]},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "up",
                        "text": {"type": "plain_text", "text": "👍 3"},
                    },
                    {
                        "type": "button",
                        "action_id": "down",
                        "text": {"type": "plain_text", "text": "👎 0"},
                    },
                ],
            },
        ],
    )
    people.thread_reply("thanks!", BOB, GENERAL, answer["ts"])

    assert slack.transcript(GENERAL) == "\n".join(
        [
            "#general",
            "alice: House rules [shared file monopoly.pdf] (:white_check_mark: ragtime)",
            "    ragtime: Indexing…",
            "ragtime: Only you can see this. (only visible to alice)",
            "ragtime: Collect $200 @alice.",
            "  monopoly.pdf, p. 4",
            "  [👍 3] [👎 0]",
            "    bob: thanks!",
        ]
    )


def test_wait_for_times_out_with_what_happened(client: WebClient, slack: SlackStandIn) -> None:
    client.chat_postMessage(channel=GENERAL, text="Thinking…")

    with pytest.raises(StandInTimeoutError) as timeout:
        slack.wait_for_message(GENERAL, contains="an answer", timeout=0.2)

    report = str(timeout.value)
    assert "waiting for a message from UBOT in C0GENERAL containing 'an answer'" in report
    assert "chat.postMessage 200 ok" in report
    assert "ragtime: Thinking…" in report
