"""`ragtime demo`: the whole product, offline, on embedded defaults.

Starts the Slack stand-in, the bot over HTTP (gunicorn) and a Celery worker on the
filesystem broker; alice shares a PDF in #general and asks about it, bob clicks 👍;
then the conversation is printed as a person would read it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bot.local_stack import LocalStack, local_stack
from bot.standin import ALICE, BOB, GENERAL, Message
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
    answer_id = _vote_value(answer)
    driver.click(answer.ts, GENERAL, "vote_up", value=answer_id, user=BOB)
    slack.wait_for_message(GENERAL, contains="👍 1", timeout=30)


def _answered(stack: LocalStack) -> Message | None:
    for message in stack.standin.messages(GENERAL):
        if any(block.get("type") == "actions" for block in message.blocks):
            return message
    return None


def _vote_value(message: Message) -> str:
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == "vote_up":
                return str(element["value"])
    raise LookupError("the answer has no 👍 button")


def say(line: str) -> None:
    print(line, flush=True)
