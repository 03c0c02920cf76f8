"""Answering a question asked in Slack: the job function, against a local fake of Slack."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select

from ragtime.db import session_scope
from ragtime.db.answers import answer_with_sources
from ragtime.db.models import Answer, AskedVia, Question
from ragtime.db.questions import get_question, record_question, set_answer_message
from ragtime.generation import NOT_FOUND
from taskqueue import names
from tests.pdfs import make_pdf
from tests.unit.test_worker_fake_slack import (
    FakeSlack,
    shared_document,
    worker_context,
    worker_settings,
)
from worker.answering import answer_slack_question
from worker.context import WorkerContext
from worker.errors import TransientError
from worker.failures import give_up_answer
from worker.ingesting import ingest_slack_file

GUIDE = make_pdf(
    [
        ["Onboarding", "The kickoff call happens on day one of the project."],
        ["Timelines", "An e-commerce website takes 7-10 weeks to build."],
    ]
)
PLACEHOLDER_TS = "1700000001.000001"
HOW_LONG = "How long does an e-commerce website take to build?"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_file("F1", GUIDE)
        yield slack


def context(tmp_path: Path, fake_slack: FakeSlack, **overrides: Any) -> WorkerContext:
    ctx = worker_context(worker_settings(tmp_path, fake_slack, **overrides))
    ingest_slack_file(ctx, shared_document(ctx, file_id="F1", conversation_id="C1"))
    return ctx


@pytest.fixture
def ctx(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[WorkerContext]:
    built = context(tmp_path, fake_slack)
    yield built
    built.close()


def ask(
    ctx: WorkerContext,
    text: str = HOW_LONG,
    *,
    conversation_id: str = "C1",
    placeholder: bool = True,
    asked_via: AskedVia = "mention",
    thread_ts: str | None = "1700000000.000500",
) -> str:
    with session_scope(ctx.sessions) as session:
        question = record_question(
            session, team_id="T1", conversation_id=conversation_id, user_id="U2", text=text,
            asked_via=asked_via, thread_ts=thread_ts,
        )  # fmt: skip
        if placeholder:
            set_answer_message(
                session, question_id=question.id, channel=conversation_id, ts=PLACEHOLDER_TS
            )
        return question.id


def status(ctx: WorkerContext, question_id: str) -> str:
    with session_scope(ctx.sessions) as session:
        question = get_question(session, question_id=question_id)
        assert question is not None
        return question.status


def answers_to(ctx: WorkerContext, question_id: str) -> int:
    with session_scope(ctx.sessions) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Answer).where(Answer.question_id == question_id)
            )
            or 0
        )


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = []
    for block in blocks:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "markdown":
            texts.append(block["text"])
        elif block["type"] == "context":
            texts.extend(element["text"] for element in block["elements"])
    return texts


def test_the_placeholder_becomes_the_answer_with_citations_and_buttons(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    question_id = ask(ctx)

    posted = answer_slack_question(ctx, question_id)

    assert posted is not None and posted.found
    [update] = fake_slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("C1", PLACEHOLDER_TS)
    blocks = update.params["blocks"]
    texts = block_texts(blocks)
    assert "7-10 weeks" in texts[0]
    permalink = fake_slack.files["F1"]["permalink"]
    assert f"[1] <{permalink}|guide.pdf>, pp. 1-2" in texts
    assert (blocks[-1]["type"], blocks[-1]["block_id"]) == ("context_actions", "feedback")
    [control] = blocks[-1]["elements"]
    assert control["positive_button"]["value"] == f"up:{posted.answer_id}"
    assert control["negative_button"]["value"] == f"down:{posted.answer_id}"
    assert "7-10 weeks" in update.params["text"]  # the notification text
    assert status(ctx, question_id) == "answered"
    with session_scope(ctx.sessions) as session:
        stored = answer_with_sources(session, answer_id=posted.answer_id)
    assert stored is not None
    assert [(s.title, s.page_start, s.page_end) for s in stored.sources] == [("guide.pdf", 1, 2)]
    timings = stored.answer
    assert timings.search_ms > 0 and timings.total_ms >= timings.search_ms + timings.embed_ms


def test_answering_again_changes_nothing(ctx: WorkerContext, fake_slack: FakeSlack) -> None:
    question_id = ask(ctx)
    answer_slack_question(ctx, question_id)

    assert answer_slack_question(ctx, question_id) is None

    assert answers_to(ctx, question_id) == 1
    assert len(fake_slack.calls_to("chat.update")) == 1


def test_an_answer_slack_did_not_take_is_posted_by_the_retry_not_answered_twice(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    question_id = ask(ctx)
    fake_slack.fail("chat.update", 503, times=2)  # the client retries a 503 once itself
    with pytest.raises(SlackApiError):
        answer_slack_question(ctx, question_id)
    assert status(ctx, question_id) == "answering"

    retried = answer_slack_question(ctx, question_id)

    assert retried is not None and answers_to(ctx, question_id) == 1
    permalink = fake_slack.files["F1"]["permalink"]
    last = fake_slack.calls_to("chat.update")[-1]
    assert f"[1] <{permalink}|guide.pdf>, pp. 1-2" in block_texts(last.params["blocks"])
    assert status(ctx, question_id) == "answered"


def test_nothing_relevant_says_so_without_guessing_or_buttons(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    question_id = ask(ctx, "What is the capital of Mongolia?")

    posted = answer_slack_question(ctx, question_id)

    assert posted is not None and not posted.found
    [update] = fake_slack.calls_to("chat.update")
    assert update.params["text"] == NOT_FOUND
    assert [block["type"] for block in update.params["blocks"]] == ["section"]
    assert status(ctx, question_id) == "not_found"


def test_documents_shared_elsewhere_are_never_used(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    question_id = ask(ctx, conversation_id="C2")

    answer_slack_question(ctx, question_id)

    assert fake_slack.calls_to("chat.update")[0].params["text"] == NOT_FOUND


def test_without_a_placeholder_the_answer_goes_in_the_thread_and_is_remembered(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    question_id = ask(ctx, placeholder=False, thread_ts="1700000000.000500")

    answer_slack_question(ctx, question_id)

    [post] = fake_slack.calls_to("chat.postMessage")[-1:]
    assert post.params["thread_ts"] == "1700000000.000500"
    with session_scope(ctx.sessions) as session:
        question = session.get(Question, question_id)
        assert question is not None and question.answer_ts is not None


def test_a_slash_command_answer_repeats_the_question(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    question_id = ask(ctx, asked_via="slash_command", thread_ts=None)

    answer_slack_question(ctx, question_id)

    texts = block_texts(fake_slack.calls_to("chat.update")[0].params["blocks"])
    assert texts[0] == f"> {HOW_LONG}"


def test_private_answers_are_shown_only_to_the_asker(tmp_path: Path, fake_slack: FakeSlack) -> None:
    ctx = context(tmp_path, fake_slack, answer_visibility="private")
    question_id = ask(ctx, placeholder=False)

    answer_slack_question(ctx, question_id)

    [ephemeral] = fake_slack.calls_to("chat.postEphemeral")
    assert (ephemeral.params["channel"], ephemeral.params["user"]) == ("C1", "U2")
    assert not fake_slack.calls_to("chat.update")
    ctx.close()


def test_a_follow_up_in_the_thread_uses_the_earlier_question(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    answer_slack_question(ctx, ask(ctx))

    follow_up = answer_slack_question(ctx, ask(ctx, "and why?"))

    assert follow_up is not None and follow_up.found


def test_a_missing_question_is_skipped(ctx: WorkerContext) -> None:
    assert answer_slack_question(ctx, "no-such-question") is None


def test_when_answering_fails_for_good_the_placeholder_says_so(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    question_id = ask(ctx)

    give_up_answer(ctx, {"question_id": question_id}, TransientError("Slack answered 503"))

    assert status(ctx, question_id) == "failed"
    [update] = fake_slack.calls_to("chat.update")
    assert update.params["ts"] == PLACEHOLDER_TS
    assert update.params["text"] == (
        "Answering this question failed because Slack could not be reached;"
        " try again in a few minutes."
    )


def test_a_question_dropped_for_waiting_too_long_says_so_instead_of_looking_forever(
    ctx: WorkerContext, fake_slack: FakeSlack
) -> None:
    from worker.expiry import tell_expired

    question_id = ask(ctx)
    tell_expired(names.ANSWER_QUESTION, {"question_id": question_id}, ctx)

    [update] = fake_slack.calls_to("chat.update")
    assert update.params["ts"] == PLACEHOLDER_TS
    assert "waited too long for a free worker" in str(update.params["text"])
    assert status(ctx, question_id) == "failed"


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from tests.standins.bedrock import BedrockStandIn

    with BedrockStandIn() as standin:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", standin.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        yield standin


def bedrock_context(tmp_path: Path, fake_slack: FakeSlack) -> WorkerContext:
    return context(
        tmp_path, fake_slack, generator="bedrock", aws_region="us-east-1", bedrock_max_attempts=2
    )


def test_a_bedrock_answer_is_shown_while_written_then_cited_with_buttons(
    tmp_path: Path, fake_slack: FakeSlack, bedrock: Any
) -> None:
    ctx = bedrock_context(tmp_path, fake_slack)
    words = "An e-commerce website takes seven to ten weeks to build, from the kickoff call"
    bedrock.reply(f"{words} on day one to the launch [1].", input_tokens=420, output_tokens=21)
    bedrock.stream_delay = 0.2  # 3 words a piece: ~1.2 s of writing
    question_id = ask(ctx, asked_via="slash_command", thread_ts=None)

    posted = answer_slack_question(ctx, question_id)

    assert posted is not None and posted.found
    updates = fake_slack.calls_to("chat.update")
    live, final = updates[:-1], updates[-1]
    assert live and all("writing" in block_texts(u.params["blocks"])[-1] for u in live)
    assert all(b.at - a.at >= 0.95 for a, b in itertools.pairwise(live))
    assert block_texts(live[0].params["blocks"])[0].startswith("> ")
    assert final.params["blocks"][-1]["block_id"] == "feedback"
    texts = block_texts(final.params["blocks"])
    assert texts[1] == f"{words} on day one to the launch [1]."
    assert texts[2].startswith("[1] <") and texts[2].endswith("|guide.pdf>, pp. 1-2")
    with session_scope(ctx.sessions) as session:
        stored = session.get(Answer, posted.answer_id)
        assert stored is not None
        assert (stored.generator, stored.input_tokens, stored.output_tokens) == ("bedrock", 420, 21)
    assert bedrock.calls("ConverseStream")
    ctx.close()


def test_bedrock_throttled_past_its_retries_fails_the_question_with_a_sentence(
    tmp_path: Path, fake_slack: FakeSlack, bedrock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import worker.context
    from taskqueue.broker import app, configure_celery

    ctx = bedrock_context(tmp_path, fake_slack)
    configure_celery(app, ctx.settings)  # as the worker does, before its tasks are bound
    from worker.tasks import answer_question

    monkeypatch.setattr(worker.context, "_context", ctx)
    bedrock.fail("ThrottlingException", times=10)
    question_id = ask(ctx)

    result = answer_question.apply(kwargs={"question_id": question_id})

    assert result.failed()
    assert status(ctx, question_id) == "failed"
    [update] = fake_slack.calls_to("chat.update")
    assert update.params["ts"] == PLACEHOLDER_TS
    assert update.params["text"] == (
        "Amazon Bedrock is busy or unreachable, so I could not write the answer;"
        " please try again in a minute."
    )
    assert len(bedrock.calls("ConverseStream")) == 2  # botocore's attempts, no task retries
    ctx.close()


def _delivered(fake_slack: FakeSlack, method: str, failed: int) -> int:
    """Calls Slack accepted: every call recorded, less the ones it was told to fail."""
    return len(fake_slack.calls_to(method)) - failed


def test_a_private_answer_after_429s_and_500s_is_sent_once_when_slack_recovers(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    ctx = context(tmp_path, fake_slack, answer_visibility="private")
    question_id = ask(ctx, placeholder=False)
    # Three 429s (the client waits out two as told, the third reaches the task), then 500s.
    fake_slack.fail("chat.postEphemeral", 429, headers={"Retry-After": "1"}, times=3)
    fake_slack.fail("chat.postEphemeral", 500, times=2)

    for _ in range(3):  # the task's retries
        try:
            answer_slack_question(ctx, question_id)
            break
        except SlackApiError:
            continue

    calls = fake_slack.calls_to("chat.postEphemeral")
    assert _delivered(fake_slack, "chat.postEphemeral", failed=5) == 1
    assert calls[1].at - calls[0].at >= 1.0  # Retry-After was honoured
    with session_scope(ctx.sessions) as session:
        assert get_question(session, question_id=question_id).status == "answered"  # type: ignore[union-attr]
    ctx.close()


def test_a_crash_between_sending_a_private_answer_and_recording_it_never_sends_it_twice(
    tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = context(tmp_path, fake_slack, answer_visibility="private")
    question_id = ask(ctx, placeholder=False)

    def killed(*_: object) -> None:
        raise SystemExit("the worker died here")

    monkeypatch.setattr("worker.posting.clear_status", killed)
    with pytest.raises(SystemExit):
        answer_slack_question(ctx, question_id)
    monkeypatch.undo()
    answer_slack_question(ctx, question_id)  # the broker hands the task out again

    assert len(fake_slack.calls_to("chat.postEphemeral")) == 1
    ctx.close()


def test_a_vector_store_that_fails_ends_in_its_sentence_and_a_failed_question(
    ctx: WorkerContext, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ragtime.errors import ServiceUnavailableError
    from taskqueue import names as task_names
    from worker.jobs import retryable

    down = (
        "Weaviate at http://weaviate:8080 is unreachable (ConnectionRefused); check that it runs."
    )

    def unreachable(**_: object) -> list[object]:
        raise ServiceUnavailableError(down)

    monkeypatch.setattr(ctx.services.store, "search", unreachable)
    question_id = ask(ctx)
    with pytest.raises(ServiceUnavailableError) as failed:
        answer_slack_question(ctx, question_id)
    # A person is waiting: the answer task is not retried; the task's failure hook runs.
    assert retryable(task_names.ANSWER_QUESTION, failed.value) is None
    give_up_answer(ctx, {"question_id": question_id}, failed.value)

    assert status(ctx, question_id) == "failed"
    assert fake_slack.calls_to("chat.update")[-1].params["text"] == down
