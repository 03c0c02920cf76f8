"""`ragtime demo`: the whole product, offline, on embedded defaults.

Starts the Slack stand-in, the bot over HTTP (gunicorn) and a Celery worker on the
filesystem broker; alice shares a PDF in #general and asks about it, bob clicks 👍,
carol follows up in the answer's thread and finds the answer wanting (👎, with a
reason); then the conversation and carol's App Home (the admin's dashboard) are
printed as a person would read them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bot.local_stack import LocalStack, local_stack
from bot.standin import ALICE, BOB, CAROL, GENERAL, Message
from ragtime.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "pdfs"
DEFAULT_PDF = SAMPLE / "galaxy-design-client-guide.pdf"
DEFAULT_QUESTION = "How much does a landing page cost?"


def run(settings: Settings, *, pdf: str | None, question: str | None) -> int:
    path = Path(pdf) if pdf else DEFAULT_PDF
    if not path.is_file():
        print(
            f"ragtime demo: {path} is not there; pass --pdf with a PDF to share.", file=sys.stderr
        )
        return 2
    data_dir = Path(tempfile.mkdtemp(prefix="ragtime-demo-"))
    say(f"Starting the Slack stand-in, the bot and a worker (logs in {data_dir})…")
    # The demo keeps to the laptop size: its own SQLite file and the filesystem broker.
    extra: dict[str, str] = {"RAGTIME_EMBEDDER": str(settings.embedder)}
    with local_stack(data_dir, extra_env=extra) as stack:
        converse(stack, path, question or DEFAULT_QUESTION)
        print()
        print(stack.standin.transcript(GENERAL))
        print()
        print("carol's App Home:")
        print(stack.standin.home(CAROL))
    return 0


def converse(stack: LocalStack, path: Path, question: str) -> None:
    slack, driver = stack.standin, stack.driver
    started = time.monotonic()
    say(f"alice shares {path.name} in #general…")
    shared = driver.share_file(path.name, path.read_bytes(), user=ALICE, channel=GENERAL)
    reply = slack.wait_for_message(GENERAL, thread_ts=shared.ts, contains="Indexed", timeout=180)
    say(f"  indexed after {time.monotonic() - started:.1f} s: {reply.text}")

    say(f"alice asks: /ask {question}")
    asked = time.monotonic()
    driver.slash_command("/ask", question, user=ALICE, channel=GENERAL)
    answer = slack.wait_for(lambda: _answered(stack), timeout=120, what="the answer")
    say(f"  answered after {time.monotonic() - asked:.2f} s")

    say("bob finds it useful and clicks 👍…")
    driver.click_feedback(answer, positive=True, user=BOB)
    slack.wait_for(lambda: [e for e in slack.ephemerals(BOB) if "glad" in e.text], what="thanks")

    follow_up = "And how long does it take to build?"
    say(f"carol asks in the answer's thread: {follow_up}")
    driver.thread_reply(follow_up, CAROL, GENERAL, answer.ts)
    reply = slack.wait_for(lambda: _thread_answer(stack, answer.ts), timeout=120, what="reply")
    say("  answered in the thread")

    say("carol clicks 👎 and says why…")
    driver.click_feedback(reply, positive=False, user=CAROL)
    [form] = slack.wait_for(lambda: slack.open_modals(CAROL), timeout=30, what="the 👎 form")
    driver.submit_view(
        form["id"], user=CAROL,
        values={"reason": {"reason_choice": "incomplete"},
                "comment": {"comment_text": "It should give the weeks for each kind of site."}},
    )  # fmt: skip

    say("carol opens the app's Home tab…")
    driver.open_home(CAROL)
    slack.wait_for(lambda: "incomplete 1" in slack.home(CAROL) or None, timeout=30, what="home")


def _answered(stack: LocalStack) -> Message | None:
    for message in stack.standin.messages(GENERAL):
        if _has_feedback(message):
            return message
    return None


def _thread_answer(stack: LocalStack, thread_ts: str) -> Message | None:
    replies = stack.standin.messages(GENERAL, thread_ts)
    return next((m for m in replies if m.ts != thread_ts and _has_feedback(m)), None)


def _has_feedback(message: Message) -> bool:
    return any(block.get("type") == "context_actions" for block in message.blocks)


def say(line: str) -> None:
    print(line, flush=True)
