"""The other ways in: @mentions, DMs, deleted and non-PDF files, and `/ragtime`."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from bot.standin import ALICE, BOB, GENERAL, Message
from tests.e2e.conftest import Product
from tests.e2e.test_slack_flows import PLACEHOLDER, _ask, _pdf, _share, _text

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("logs_on_failure")]


def _replies(product: Product, channel: str, thread_ts: str) -> list[Message]:
    return [
        m
        for m in product.stack.standin.messages(channel, thread_ts)
        if m.bot_id and m.ts != thread_ts and PLACEHOLDER not in json.dumps(m.blocks)
    ]


def test_a_mention_is_answered_once_in_its_thread(product: Product) -> None:
    _share(
        product,
        f"kiln-{uuid.uuid4().hex[:6]}.pdf",
        _pdf("Kiln rules", "The kiln is fired on Tuesdays."),
    )
    # Slack sends `message` and `app_mention` for one mention, here at the same moment.
    sent = product.stack.driver.mention("which day is the kiln fired?", user=BOB, concurrent=True)
    answer = product.stack.standin.wait_for(
        lambda: next(iter(_replies(product, GENERAL, sent.ts)), None),
        timeout=120,
        what="the answer",
    )
    assert "Tuesdays" in _text(answer)
    time.sleep(1)
    assert len(_replies(product, GENERAL, sent.ts)) == 1


def test_a_direct_message_gets_an_answer_from_documents_shared_with_the_bot_there(
    product: Product,
) -> None:
    sent = product.stack.driver.dm("What is the capital of Freedonia?", user=ALICE)
    answer = product.stack.standin.wait_for(
        lambda: next(iter(_replies(product, sent.channel, sent.ts)), None),
        timeout=120,
        what="a DM answer",
    )
    assert "couldn't find this" in _text(answer)  # nothing is shared in the DM: it says so


def test_a_file_deleted_in_slack_leaves_the_index(product: Product) -> None:
    name = f"lighthouse-{uuid.uuid4().hex[:6]}.pdf"
    slack, driver = product.stack.standin, product.stack.driver
    shared = driver.share_file(
        name, _pdf("Lighthouse notes", "The Gannet lighthouse lamp is 12 metres tall.")
    )
    slack.wait_for_message(GENERAL, thread_ts=shared.ts, contains="Indexed", timeout=120)
    assert "12 metres" in _text(_ask(product, "How tall is the Gannet lighthouse lamp?"))

    driver.delete_file(shared.file_id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = _ask(product, f"How tall is the Gannet lighthouse lamp? ({uuid.uuid4().hex[:4]})")
        if "12 metres" not in _text(answer):
            break
    assert "12 metres" not in _text(answer) and name not in _text(answer)


def test_a_file_that_is_not_a_pdf_is_ignored_politely(product: Product) -> None:
    shared = product.stack.driver.share_file("notes.txt", b"plain text", mimetype="text/plain")
    note = product.stack.standin.wait_for(
        lambda: next(
            (e for e in product.stack.standin.ephemerals(ALICE) if "notes.txt" in e.text), None
        ),
        timeout=30,
        what="the polite note",
    )
    assert "only read PDFs" in note.text
    assert not [m for m in product.stack.standin.messages(GENERAL, shared.ts) if m.bot_id]


def test_ragtime_docs_and_stats_answer_privately(product: Product) -> None:
    name = f"atlas-{uuid.uuid4().hex[:6]}.pdf"
    _share(product, name, _pdf("Atlas", "The atlas has 96 maps."))
    driver, slack = product.stack.driver, product.stack.standin
    for text, expected in (
        ("docs", name),
        ("stats", "answered from the documents"),
        ("frobnicate", "try `/ragtime help`"),
    ):
        reply = driver.slash_command("/ragtime", text, user=BOB, channel=GENERAL)
        assert reply.status == 200
        slack.wait_for(
            lambda expected=expected: any(expected in e.text for e in slack.ephemerals(BOB)),
            timeout=30,
            what=f"/ragtime {text}",
        )


def test_an_admin_publishes_a_document_to_the_whole_workspace_then_forgets_it(
    product: Product,
) -> None:
    from bot.standin import CAROL, SALES

    name = f"handbook-{uuid.uuid4().hex[:6]}.pdf"
    _share(
        product, name, _pdf("Staff handbook", "The Wombat office closes at 17:30."), channel=SALES
    )
    question = "When does the Wombat office close?"
    assert "17:30" not in _text(_ask(product, question, channel=GENERAL))

    driver, slack = product.stack.driver, product.stack.standin
    driver.slash_command("/ragtime", f"publish {name}", user=CAROL, channel=SALES)
    slack.wait_for(lambda: any("Published" in e.text for e in slack.ephemerals(CAROL)), timeout=30)
    seen = slack.wait_for(
        lambda: (
            "17:30" in _text(answer := _ask(product, f"{question} ({uuid.uuid4().hex[:4]})"))
            and answer
        ),
        timeout=60,
        what="the published document answering in #general",
    )
    assert name in _text(seen)

    driver.slash_command("/ragtime", f"forget {name}", user=CAROL, channel=SALES)
    slack.wait_for(lambda: any("Forgot" in e.text for e in slack.ephemerals(CAROL)), timeout=30)
    slack.wait_for(
        lambda: (
            "17:30"
            not in _text(_ask(product, f"{question} ({uuid.uuid4().hex[:4]})", channel=SALES))
        ),
        timeout=60,
        what="the forgotten document to stop answering",
    )


def test_stats_never_show_questions_asked_in_another_conversation(product: Product) -> None:
    from bot.standin import SALES

    secret = f"Is the Quokka merger confidential {uuid.uuid4().hex[:6]}?"
    _ask(product, secret, channel=SALES)
    driver, slack = product.stack.driver, product.stack.standin
    before = len(slack.ephemerals(BOB))
    driver.slash_command("/ragtime", "stats", user=BOB, channel=GENERAL)
    reply = slack.wait_for(
        lambda: next(iter(slack.ephemerals(BOB)[before:]), None), timeout=30, what="the stats"
    )
    assert "Questions:" in reply.text
    assert "Quokka" not in reply.text


def test_a_forgotten_document_uploaded_again_answers_again(product: Product) -> None:
    from bot.standin import CAROL

    name = f"heron-{uuid.uuid4().hex[:6]}.pdf"
    data = _pdf("Heron lake", "The Heron lake ferry costs 9 tokens.")
    driver, slack = product.stack.driver, product.stack.standin
    _share(product, name, data)
    driver.slash_command("/ragtime", f"forget {name}", user=CAROL, channel=GENERAL)
    slack.wait_for(
        lambda: any(name in e.text and "Forgot" in e.text for e in slack.ephemerals(CAROL)),
        timeout=30,
    )

    again = driver.share_file(name, data, user=ALICE, channel=GENERAL)
    slack.wait_for_message(GENERAL, thread_ts=again.ts, contains="Indexed", timeout=120)
    assert "9 tokens" in _text(_ask(product, "How much does the Heron lake ferry cost?"))


def test_a_thread_question_shows_a_status_until_the_answer_arrives(product: Product) -> None:
    _share(
        product,
        f"glaze-{uuid.uuid4().hex[:6]}.pdf",
        _pdf("Glaze notes", "Celadon glaze is fired at 1,280 degrees."),
    )
    sent = product.stack.driver.mention("what temperature is celadon fired at?", user=BOB)
    answer = product.stack.standin.wait_for(
        lambda: next(iter(_replies(product, GENERAL, sent.ts)), None), timeout=120, what="answer"
    )
    assert "1,280 degrees" in _text(answer)
    statuses = product.stack.standin.statuses(GENERAL, sent.ts)
    assert statuses[0] == "is reading the documents…"
    assert product.stack.standin.status(GENERAL, sent.ts) == ""  # the reply cleared it


def test_app_home_shows_a_member_their_documents_and_an_admin_the_dashboard(
    product: Product,
) -> None:
    name = f"atlas-{uuid.uuid4().hex[:6]}.pdf"
    _share(product, name, _pdf("Atlas", "The atlas has 212 maps."))
    slack, driver = product.stack.standin, product.stack.driver

    driver.open_home(BOB)
    driver.open_home("U0CAROL")
    member = slack.wait_for(lambda: slack.home_view(BOB), what="bob's home")
    admin = slack.wait_for(lambda: slack.home_view("U0CAROL"), what="carol's home")

    assert name in json.dumps(member) and "Knowledge base" not in json.dumps(member)
    assert name in json.dumps(admin) and "home_reindex" in json.dumps(admin)
