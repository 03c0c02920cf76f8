"""PostgreSQL unreachable: the bot still answers Slack at once and tells the person.

The real Bolt app and signed requests, with the database URL pointing at a port where
nothing listens (connection refused, as when the server is down or restarting).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.asking import UNTAKEN
from bot.standin import BOB, GENERAL
from tests.unit.slack_harness import Harness, harness

DOWN = "postgresql+psycopg://ragtime@127.0.0.1:1/ragtime"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Harness]:
    with harness(tmp_path, database_url=DOWN) as running:
        yield running


def test_an_ask_while_the_database_is_down_is_acknowledged_and_the_person_told(
    bot: Harness,
) -> None:
    chatter = bot.driver.say("lunch at noon?", BOB, GENERAL).delivery
    ask = bot.driver.slash_command("/ask", "How long is onboarding?")
    mention = bot.driver.mention("how long is onboarding?").delivery
    again = bot.driver.slash_command("/ask", "And for contractors?")  # no replay check now
    bot.settle()

    assert [d.status for d in (chatter, ask, mention, again)] == [200] * 4
    assert bot.queue.of("answer") == []  # nothing queued that could not be recorded
    shown = [m.text for m in bot.standin.messages(GENERAL) if m.bot_id]
    assert shown.count(UNTAKEN) == 2  # each /ask's "Looking…" became the sentence
    told = json.dumps(
        [c.params for c in bot.standin.calls() if c.method == "chat.postEphemeral"]
        + [c.params for c in bot.standin.calls() if "response" in c.method]
    )
    assert told.count("I can't reach my database just now") == 3  # each asker, privately
    assert "went wrong" not in told and "U0BOB" not in told  # chatter is not our business
