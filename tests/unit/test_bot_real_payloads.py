"""Defects found by feeding the bot real Slack payloads, each kept fixed by a regression test.

Real Bolt app, real signed requests shaped as Slack sends them (the stand-in's driver
builds them after bolt-python's own scenario payloads), a recording queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.standin import ALICE, BOB, GENERAL, PARTNER, SHARED, SlackStandIn, add_slack_connect
from bot.standin.model import Channel
from ragtime.db import session_scope
from ragtime.db.models import Document, Feedback
from slackkit.blocks import feedback_block
from tests.pdfs import make_pdf
from tests.unit.slack_harness import Harness, harness

QUIET = "C0QUIET"  # a channel the bot was never invited to


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Harness]:
    standin = SlackStandIn()
    add_slack_connect(standin.workspace)
    standin.workspace.add_channel(Channel(QUIET, "quiet", members=[ALICE, BOB]))
    with harness(tmp_path, standin) as running:
        yield running


def asked(bot: Harness) -> list[tuple[str, str, str, str]]:
    return [(q.team_id, q.conversation_id, q.asked_via, q.text) for q in bot.questions()]


def test_another_apps_mention_and_bot_messages_are_never_answered(bot: Harness) -> None:
    bot.driver.bot_message("<@UBOT> daily report: all green")  # another app, mentioning us
    bot.driver.bot_message("webhook says hi", classic=True)  # subtype bot_message
    bot.driver.dm("What is the refund policy?")  # a person, for contrast

    assert [q[2:] for q in asked(bot)] == [("dm", "What is the refund policy?")]


def test_our_own_message_echoed_back_is_ignored(bot: Harness) -> None:
    bot.driver.slash_command("/ask", "How long is onboarding?")
    bot.settle()
    placeholder = bot.standin.messages(GENERAL)[-1]

    bot.driver.echo_own_message(placeholder)

    assert len(bot.questions()) == 1


def test_a_slack_connect_share_and_follow_up_belong_to_the_installed_workspace(
    bot: Harness,
) -> None:
    bot.driver.share_file(
        "partner.pdf", make_pdf([["Shared terms."]]), user=PARTNER, channel=SHARED
    )
    bot.driver.slash_command("/ask", "What are the terms?", user=ALICE, channel=SHARED)
    bot.settle()
    answer_ts = bot.questions()[0].answer_ts
    assert answer_ts is not None

    bot.driver.thread_reply("And the notice period?", PARTNER, SHARED, answer_ts)

    with session_scope(bot.deps.sessions) as session:
        teams = set(session.scalars(select(Document.team_id)))
    assert teams == {"T0STANDIN"}
    assert asked(bot) == [
        ("T0STANDIN", SHARED, "slash_command", "What are the terms?"),
        ("T0STANDIN", SHARED, "thread_followup", "And the notice period?"),
    ]


def test_a_dm_that_mentions_the_bot_is_answered(bot: Harness) -> None:
    bot.driver.dm("<@UBOT> how many vacation days do I get?")

    assert [q[2:] for q in asked(bot)] == [("dm", "how many vacation days do I get?")]


def test_question_text_is_stored_as_written_and_escaped_once_when_shown(bot: Harness) -> None:
    raw = (
        "Did <@U0BOB|bob> and <@U0ALICE> say &lt;3 &amp; more in <#C0SALES|sales> about "
        "<https://example.com/p?a=1&amp;b=2|the price page> <!here> <!subteam^S1|@finance>?"
    )
    bot.driver.slash_command("/ask", raw)

    [(_, _, _, text)] = asked(bot)
    assert text == (
        "Did @bob and @alice say <3 & more in #sales about the price page @here @finance?"
    )
    placeholder = bot.standin.messages(GENERAL)[-1]
    shown = json.dumps(placeholder.blocks, ensure_ascii=False)
    assert "say &lt;3 &amp; more" in shown and "&amp;lt;" not in shown and "&amp;amp;" not in shown


def test_only_the_bots_own_mention_is_stripped(bot: Harness) -> None:
    bot.driver.mention("what did <@U0BOB> decide about the budget?", mention_first=True)

    [(_, _, via, text)] = asked(bot)
    assert (via, text) == ("mention", "what did @bob decide about the budget?")


def test_a_follow_up_sent_also_to_the_channel_is_answered(bot: Harness) -> None:
    bot.driver.slash_command("/ask", "How long is onboarding?")
    bot.settle()
    answer_ts = str(bot.questions()[0].answer_ts)

    bot.driver.thread_reply("And for contractors?", BOB, GENERAL, answer_ts, broadcast=True)

    assert [q[2:] for q in asked(bot)][-1] == ("thread_followup", "And for contractors?")


def test_with_the_older_envelope_a_mention_in_an_answer_thread_is_answered_once(
    bot: Harness,
) -> None:
    bot.driver.slash_command("/ask", "How long is onboarding?")
    bot.settle()
    answer_ts = str(bot.questions()[0].answer_ts)

    bot.driver.mention("and for interns?", thread_ts=answer_ts, legacy_envelope=True)

    follow_ups = [q for q in asked(bot) if q[3] == "and for interns?"]
    assert [q[2] for q in follow_ups] == ["mention"]


def test_ask_where_the_bot_is_not_a_member_says_why_and_answers_privately(bot: Harness) -> None:
    reply = bot.driver.slash_command("/ask", "What is the travel budget?", channel=QUIET)
    assert reply.status == 200
    bot.settle()

    said = [h for h in bot.standin.calls() if "response" in h.method]
    assert any("not a member of this conversation" in json.dumps(h.params) for h in said)
    [(_args, kwargs)] = bot.queue.of("answer")
    assert kwargs["reply_url"]
    bot.answer_all()
    private = [h for h in bot.standin.calls() if "response" in h.method][-1]
    assert "couldn" in json.dumps(private.params)  # nothing is shared there: not found
    assert not [m for m in bot.standin.messages(QUIET) if m.bot_id]
    assert not [c for c in bot.standin.calls("chat.postEphemeral") if "went wrong" in str(c.params)]


def test_a_vote_for_an_answer_that_does_not_exist_is_ignored(bot: Harness) -> None:
    bot.driver.slash_command("/ask", "How long is onboarding?")
    bot.settle()
    message = bot.standin.messages(GENERAL)[-1]
    bot.standin.workspace.find(GENERAL, message.ts).blocks = [feedback_block("no-such-answer")]

    assert bot.driver.click_feedback(message, positive=True, user=BOB).status == 200
    bot.settle()

    with session_scope(bot.deps.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0
    assert not [c for c in bot.standin.calls("chat.postEphemeral") if "went wrong" in str(c.params)]


def test_an_admin_of_the_other_organisation_is_not_our_admin(bot: Harness) -> None:
    partner = bot.standin.workspace.users[PARTNER]
    bot.standin.workspace.users[PARTNER] = replace(partner, is_admin=True)

    bot.driver.slash_command("/ragtime", "reindex all", user=PARTNER, channel=SHARED)
    bot.settle()

    assert not bot.queue.of("reindex")
    said = json.dumps([c.params for c in bot.standin.calls() if "response" in c.method])
    assert "Only workspace admins" in said


def test_a_40000_character_question_is_refused_in_one_sentence_and_nothing_is_recorded(
    bot: Harness,
) -> None:
    bot.driver.slash_command("/ask", "why " * 10_000)
    bot.driver.mention("why " * 10_000)
    bot.settle()

    assert bot.questions() == [] and bot.queue.of("answer") == []
    told = [json.dumps(c.params) for c in bot.standin.calls() if "response" in c.method]
    told += [json.dumps(c.params) for c in bot.standin.calls("chat.postEphemeral")]
    assert sum("That question is 39,999 characters long" in t for t in told) == 2


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("", None),
        ("<@UBOT>", None),
        ("   <@UBOT>   ", None),
        ("\x00", None),
        ("What is the *travel* budget? `code` ~strike~ <!channel>", "What is the *travel* budget? `code` ~strike~ @channel"),
        ("How much is the budget? :tada: 🎉👍🏽", "How much is the budget? :tada: 🎉👍🏽"),
        ("ما هي ميزانية السفر؟", "ما هي ميزانية السفر؟"),
        ("what is\x00 the\x07 travel budget?\x7f", "what is the travel budget?"),
    ],
    ids=["empty", "only-a-mention", "mention-and-spaces", "nul-only", "markup", "emoji", "rtl", "nul-and-control"],
)  # fmt: skip
def test_odd_questions_get_the_usage_hint_or_are_stored_as_written_and_answered(
    bot: Harness, raw: str, stored: str | None
) -> None:
    bot.driver.mention(raw, mention_first=True) if raw.startswith(
        "<@"
    ) else bot.driver.slash_command("/ask", raw)
    bot.settle()

    if stored is None:
        assert bot.questions() == []
        told = [json.dumps(c.params) for c in bot.standin.calls() if "response" in c.method]
        told += [json.dumps(c.params) for c in bot.standin.calls("chat.postEphemeral")]
        assert any("Ask me about the PDFs shared in this conversation" in t for t in told)
        return
    assert [q.text for q in bot.questions()] == [stored]
    bot.answer_all()
    [question] = bot.questions()
    assert question.status in {"answered", "not_found"}  # nothing is shared here yet
    assert question.answer_ts is not None
    assert not [c for c in bot.standin.calls("chat.postEphemeral") if "went wrong" in str(c.params)]


def test_a_replayed_request_is_refused_and_nothing_is_recorded_twice(bot: Harness) -> None:
    ask = bot.driver.slash_command("/ask", "How long is onboarding?")
    mention = bot.driver.mention("how long is onboarding?").delivery
    bot.settle()
    assert len(bot.questions()) == 2

    again = [bot.driver.replay(ask), bot.driver.replay(mention)]
    bot.settle()

    assert [(d.status, d.body) for d in again] == [(401, "This request was already received.")] * 2
    assert len(bot.questions()) == 2 and len(bot.queue.of("answer")) == 2
    retry = bot.driver.redeliver(mention)  # Slack's own retry is still answered 200, once
    bot.settle()
    assert retry.status == 200 and len(bot.questions()) == 2


@pytest.mark.parametrize("verb", ["reindex all", "forget guide", "publish guide"])
def test_every_admin_command_from_a_non_admin_is_refused_audited_and_changes_nothing(
    bot: Harness, verb: str
) -> None:
    from ragtime.db.models import AuditEntry

    reply = bot.driver.slash_command("/ragtime", verb, user=BOB)
    bot.settle()

    assert reply.status == 200
    told = json.dumps([c.params for c in bot.standin.calls() if "response" in c.method])
    assert "Only workspace admins" in told
    assert bot.queue.sent == []  # nothing re-indexed, forgotten or published
    with session_scope(bot.deps.sessions) as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.user_id == BOB)).all()
    assert [(a.outcome, a.action) for a in denied] == [("denied", verb.split(maxsplit=1)[0])]
