"""Answers the way Slack AI apps answer, end to end through the Slack stand-in.

The real Bolt app takes the requests; the worker's own job functions answer (hashing
embedder, the Bedrock generator against the Bedrock runtime stand-in where the answer
streams). Streams, status, native feedback, long answers, the agent view, App Home.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.standin import ALICE, BOB, CAROL, GENERAL, HR, Message, SlackStandIn
from ragtime.db import session_scope
from ragtime.db.audit import recent_audit
from ragtime.db.models import Feedback
from tests.pdfs import make_pdf
from tests.standins.bedrock import BedrockStandIn
from tests.unit.slack_harness import Harness, harness

HANDBOOK = make_pdf([["Staff get 25 days of paid leave a year.", "Leave must be booked early."]])
SECRETS = make_pdf([["The reorganisation plan is confidential until March."]])


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockStandIn]:
    with BedrockStandIn() as standin:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", standin.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        yield standin


@pytest.fixture
def bot(tmp_path: Path, bedrock: BedrockStandIn) -> Iterator[Harness]:
    with harness(
        tmp_path, generator="bedrock", aws_region="us-east-1", answer_min_score=0.0
    ) as running:
        running.driver.share_file("handbook.pdf", HANDBOOK, channel=GENERAL)
        running.ingest_all()
        yield running


def bot_replies(bot: Harness, channel: str, thread_ts: str) -> list[Message]:
    return [m for m in bot.standin.messages(channel, thread_ts) if m.bot_id and m.ts != thread_ts]


def shown(message: Message) -> str:
    return json.dumps([message.text, message.blocks], ensure_ascii=False)


def answer_in_thread(bot: Harness, text: str = "How many days of leave do staff get?") -> Message:
    mention = bot.driver.mention(text)
    bot.answer_all()
    [reply] = [m for m in bot_replies(bot, GENERAL, mention.ts) if "Indexed" not in m.text]
    return reply


def feedback_values(message: Message) -> dict[str, str]:
    for block in message.blocks:
        if block.get("type") == "context_actions":
            element = block["elements"][0]
            return {
                "up": element["positive_button"]["value"],
                "down": element["negative_button"]["value"],
            }
    raise AssertionError(f"no feedback control in {message.blocks}")


def test_a_thread_answer_streams_with_status_then_stops_with_citations_and_feedback(
    bot: Harness, bedrock: BedrockStandIn
) -> None:
    bedrock.reply("Staff get 25 days of paid leave a year [1], booked early [1].")
    bedrock.stream_delay = 0.3  # a few pieces a second: more than one append

    reply = answer_in_thread(bot)

    assert next(c.method for c in bot.standin.calls() if "Stream" in c.method) == "chat.startStream"
    assert len(bot.standin.calls("chat.appendStream")) >= 1
    assert bot.standin.stream_state(GENERAL, reply.ts) == "stopped"
    assert "25 days of paid leave a year [1]" in shown(reply)
    assert "[1] " in shown(reply) and "handbook.pdf" in shown(reply)
    assert feedback_values(reply)["up"].startswith("up:")
    thread = reply.thread_ts or reply.ts
    statuses = bot.standin.statuses(GENERAL, thread)
    assert statuses[0] == "is reading the documents…" and bot.standin.status(GENERAL, thread) == ""
    assert not bot.standin.calls("chat.update")  # streamed, not edited


def test_a_stream_that_expires_part_way_ends_as_one_whole_cited_message(
    bot: Harness, bedrock: BedrockStandIn
) -> None:
    bot.standin.stream_lifetime = 0.4
    bedrock.reply(
        "Staff get twenty five days of paid leave every year [1], and must book it early [1]."
    )
    bedrock.stream_delay = 0.5  # longer than the stream lives between appends

    reply = answer_in_thread(bot)

    [update] = bot.standin.calls("chat.update")
    assert update.params["ts"] == reply.ts
    assert "twenty five days of paid leave every year [1]" in shown(reply)
    assert "handbook.pdf" in shown(reply) and feedback_values(reply)


def test_slacks_429_mid_stream_ends_with_the_whole_answer(
    bot: Harness, bedrock: BedrockStandIn
) -> None:
    bedrock.reply("Staff get 25 days of paid leave a year, to be booked early on [1].")
    bedrock.stream_delay = 0.4
    bot.standin.fail_next("chat.appendStream", 429, retry_after=0, times=10)

    reply = answer_in_thread(bot)

    assert bot.standin.calls("chat.update")
    assert "25 days of paid leave a year, to be booked early on [1]." in shown(reply)
    assert feedback_values(reply) and bot.standin.stream_state(GENERAL, reply.ts) != "streaming"


def test_a_20000_character_answer_posts_whole_with_its_citations(
    bot: Harness, bedrock: BedrockStandIn
) -> None:
    paragraph = "Leave is 25 days a year and carries over for one year only [1]. " * 25
    bedrock.reply("\n\n".join([paragraph] * 13))  # ~20,000 characters

    reply = answer_in_thread(bot)

    assert "[1] " in shown(reply) and "handbook.pdf" in shown(reply) and feedback_values(reply)
    refused = [(c.method, c.error) for c in bot.standin.calls() if not c.ok]
    assert ("chat.update", "invalid_blocks") not in refused
    assert refused == [], refused  # streaming stopped before the message grew too long
    assert "longer than one Slack message holds" in shown(reply)


def test_feedback_is_one_vote_changeable_and_a_downvote_reason_is_stored(
    bot: Harness, bedrock: BedrockStandIn
) -> None:
    bedrock.reply("Staff get 25 days of paid leave a year [1].")
    reply = answer_in_thread(bot)
    answer_id = feedback_values(reply)["down"].split(":", 1)[1]

    bot.driver.click_feedback(reply, positive=False, user=BOB)
    bot.settle()
    [modal] = bot.standin.open_modals(BOB)
    bot.driver.submit_view(
        modal["id"], user=BOB, values={"reason": {"reason_choice": "incomplete"},
                                       "comment": {"comment_text": "It skips carry-over."}},
    )  # fmt: skip
    bot.settle()
    with session_scope(bot.deps.sessions) as session:
        [vote] = session.scalars(select(Feedback).where(Feedback.answer_id == answer_id)).all()
        assert (vote.vote, vote.reason, vote.comment) == (
            "down",
            "incomplete",
            "It skips carry-over.",
        )

    bot.driver.click_feedback(reply, positive=True, user=BOB)
    bot.settle()
    with session_scope(bot.deps.sessions) as session:
        [vote] = session.scalars(select(Feedback).where(Feedback.answer_id == answer_id)).all()
        assert (vote.vote, vote.reason) == ("up", None)


def test_a_downvote_form_without_a_reason_is_sent_back(
    bot: Harness, bedrock: BedrockStandIn
) -> None:
    bedrock.reply("Staff get 25 days of paid leave a year [1].")
    reply = answer_in_thread(bot)
    bot.driver.click_feedback(reply, positive=False, user=BOB)
    bot.settle()
    [modal] = bot.standin.open_modals(BOB)

    bot.driver.submit_view(modal["id"], user=BOB, values={})

    assert bot.standin.open_modals(BOB) and bot.standin.modal_errors(BOB, modal["id"])


def test_stats_show_what_the_downvotes_said(bot: Harness, bedrock: BedrockStandIn) -> None:
    bedrock.reply("Staff get 25 days of paid leave a year [1].")
    reply = answer_in_thread(bot)
    bot.driver.click_feedback(reply, positive=False, user=BOB)
    bot.settle()
    [modal] = bot.standin.open_modals(BOB)
    bot.driver.submit_view(modal["id"], user=BOB, values={"reason": {"reason_choice": "wrong"}})
    bot.settle()

    bot.driver.slash_command("/ragtime", "stats", user=ALICE)
    bot.settle()

    said = json.dumps(
        [c.params for c in bot.standin.calls() if "response" in c.method], ensure_ascii=False
    )
    assert "What 👎 said was wrong:* wrong 1" in said


def publish(bot: Harness, name: str) -> None:
    bot.driver.slash_command("/ragtime", f"publish {name}", user=CAROL)
    bot.settle()
    bot.ingest_all()


def test_the_agent_view_suggests_prompts_from_documents_this_conversation_can_use(
    bot: Harness,
) -> None:
    empty = bot.driver.start_assistant_thread(ALICE)
    bot.settle()
    assert bot.standin.suggested_prompts(empty.channel, empty.ts) is None
    assert "None can be asked about here yet" in shown(
        bot.standin.messages(empty.channel, empty.ts)[-1]
    )

    publish(bot, "handbook.pdf")
    thread = bot.driver.start_assistant_thread(ALICE)
    bot.settle()

    prompts = bot.standin.suggested_prompts(thread.channel, thread.ts)
    assert prompts is not None
    assert [p["message"] for p in prompts["prompts"]] == [
        "What are the main points of handbook.pdf?"
    ]
    bot.driver.assistant_thread_message(ALICE, thread, "How many days of leave?")
    bot.settle()
    assert [q.asked_via for q in bot.questions()][-1] == "dm"


def home_text(standin: SlackStandIn, user: str) -> str:
    return json.dumps(standin.home_view(user), ensure_ascii=False)


def test_app_home_shows_each_person_only_what_they_may_see(bot: Harness) -> None:
    bot.driver.share_file("reorg.pdf", SECRETS, user=CAROL, channel=HR)  # bob is not in #private-hr
    bot.ingest_all()

    bot.driver.open_home(BOB)
    bot.driver.open_home(CAROL)
    bot.settle()

    bob, carol = home_text(bot.standin, BOB), home_text(bot.standin, CAROL)
    assert "handbook.pdf" in bob and "reorg.pdf" not in bob
    assert "Knowledge base (admins)" not in bob and "home_forget" not in bob
    assert "reorg.pdf" in carol and "handbook.pdf" in carol
    assert "Knowledge base (admins)" in carol and "This week:*" in carol
    assert "home_reindex" in carol and "home_publish" in carol and "home_forget" in carol


def test_app_home_buttons_run_the_audited_admin_actions_and_refuse_others(bot: Harness) -> None:
    bot.driver.open_home(CAROL)
    bot.settle()
    view = bot.standin.home_view(CAROL)
    assert view is not None
    [document_id] = {
        e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    }

    bot.driver.click_in_home("home_forget", document_id, user=BOB, as_seen_by=CAROL)  # forged
    bot.settle()
    assert not bot.queue.of("forget")
    with session_scope(bot.deps.sessions) as session:
        assert recent_audit(session, team_id="T0STANDIN")[0].outcome == "denied"

    bot.driver.click_in_home("home_forget", document_id, user=CAROL)
    bot.settle()
    assert [args for args, _ in bot.queue.of("forget")] == [(document_id,)]
    with session_scope(bot.deps.sessions) as session:
        entry = recent_audit(session, team_id="T0STANDIN")[0]
        assert (entry.action, entry.outcome, entry.user_id) == ("forget", "succeeded", CAROL)
    told = (
        bot.standin.messages(bot.standin.workspace.channel_for_dm(CAROL))
        if hasattr(bot.standin.workspace, "channel_for_dm")
        else []
    )
    del told
    refreshed = home_text(bot.standin, CAROL)
    assert "deleted" in refreshed or "handbook.pdf" not in refreshed


_TOPICS = ["leave", "payroll", "laptops", "travel", "pensions", "parking", "training", "badges"]
MANUAL = make_pdf(
    [[f"{_TOPICS[n % 8].title()} policy", f"Rule {n}: {_TOPICS[n % 8]} needs {_TOPICS[n % 5]}."]
     for n in range(40)]
)  # fmt: skip


def test_a_long_share_shows_its_progress_on_the_reading_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ragtime.pipeline

    monkeypatch.setattr(ragtime.pipeline, "EMBED_SLICE", 1)
    with harness(tmp_path, progress_interval_seconds=0) as bot:
        share = bot.driver.share_file("manual.pdf", MANUAL, channel=GENERAL)
        bot.settle()
        [(args, _)] = bot.queue.of("ingest")
        [reading] = bot_replies(bot, GENERAL, share.ts)
        assert reading.text.startswith("Reading *manual.pdf*…")
        assert args[1] == (GENERAL, reading.ts)  # the worker is told which reply to edit

        bot.ingest_all()

        edits = [c.params for c in bot.standin.calls() if c.method == "chat.update"]
        texts = [str(p["text"]) for p in edits if p["ts"] == reading.ts]
        assert "Reading *manual.pdf*… text of page 25 of 40." in texts
        assert any("indexing page" in t and " of 40, " in t for t in texts)
        first, last = bot_replies(bot, GENERAL, share.ts)
        assert first.ts == reading.ts and first.text == "Read *manual.pdf*: all 40 pages."
        assert last.text.startswith("Indexed *manual.pdf*: 40 pages")
