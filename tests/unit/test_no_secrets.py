"""No secret in logs, error messages, the database or Slack messages.

A whole working session through the real Bolt app and the worker's job functions
(share a PDF, ask, vote, a forged request, a corrupt file, a failure with a traceback),
then every log record, every byte of the database file and everything posted to the
Slack stand-in is searched for the bot token, the signing secret and a response_url.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.standin import BOB, GENERAL
from tests.pdfs import make_pdf
from tests.unit.slack_harness import SECRET, harness

GUIDE = make_pdf([["Onboarding", "Onboarding takes two weeks for every new starter."]])


def test_a_whole_session_leaves_no_secret_anywhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with harness(tmp_path) as bot:
        token = bot.standin.token
        bot.driver.share_file("guide.pdf", GUIDE, channel=GENERAL)
        bot.driver.share_file("broken.pdf", b"%PDF-1.7\n" + b"\x00" * 300, channel=GENERAL)
        bot.ingest_all()
        bot.driver.slash_command("/ask", "How long does onboarding take?")
        mention = bot.driver.mention("how long does onboarding take?")
        bot.answer_all()
        replies = [m for m in bot.standin.messages(GENERAL, mention.ts) if m.bot_id]
        bot.driver.click_feedback(replies[-1], positive=True, user=BOB)
        assert replies and "two weeks" in replies[-1].text  # the session really worked
        forged = bot.driver.slash_command("/ask", "let me in", secret="not-the-secret")
        assert forged.status == 401
        bot.driver.slash_command("/ragtime", "reindex all", user=BOB)
        bot.settle()
        posted = json.dumps([c.params for c in bot.standin.calls()], default=str)
        database = (tmp_path / "ragtime.db").read_bytes()

    secrets = {"bot token": token, "signing secret": SECRET}
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    for name, value in secrets.items():
        assert value not in logged, f"the {name} is in a log line"
        assert value.encode() not in database, f"the {name} is in the database"
    assert SECRET not in posted
    # The token goes to Slack only as the Authorization header, never inside a message.
    assert token not in json.dumps([c.params.get("text") for c in bot.standin.calls()])
    # response_urls are credentials too: slack_sdk names them at DEBUG only (and ragtime's
    # log handler scrubs hooks.slack.com URLs); nothing at INFO or above shows one.
    shown = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not [line for line in shown if "/response/" in line]
