"""The serverless size: the bot and the worker as Lambda functions, the queue on SQS (moto).

The bot function gets signed Slack requests in the three event shapes Lambda receives
(API Gateway REST v1, HTTP API v2, a Function URL), publishes Celery task messages to
SQS with kombu's SQS transport, and the worker function consumes those very messages
from an SQS event and answers in the Slack stand-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import func, select

import bot.lambda_handler
import worker.context
import worker.lambda_handler
from bot.standin import GENERAL, SlackStandIn
from ragtime.db import make_engine, session_factory, session_scope
from ragtime.db.models import Question
from ragtime.settings import get_settings
from tests.unit.slack_harness import _migrated

REGION = "eu-west-1"
SECRET = "lambda-signing-secret"


@dataclass
class Serverless:
    standin: SlackStandIn
    sqs: Any
    queues: dict[str, str]
    database_url: str

    def questions(self) -> int:
        engine = make_engine(self.database_url)
        try:
            with session_scope(session_factory(engine)) as session:
                return int(session.scalar(select(func.count()).select_from(Question)) or 0)
        finally:
            engine.dispose()

    def waiting(self, queue: str = "answer") -> list[dict[str, Any]]:
        reply = self.sqs.receive_message(
            QueueUrl=self.queues[queue], MaxNumberOfMessages=10, AttributeNames=["All"]
        )
        return list(reply.get("Messages", []))


@pytest.fixture
def serverless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Serverless]:
    with SlackStandIn() as standin, mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        queues = {
            name: sqs.create_queue(QueueName=f"ragtime-{name}")["QueueUrl"]
            for name in ("answer", "ingest", "maintenance")
        }
        database = tmp_path / "ragtime.db"
        _migrated(database)
        environment = {
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION, "CELERY_BROKER_URL": "sqs://",
            "RAGTIME_SQS_ANSWER_QUEUE_URL": queues["answer"],
            "RAGTIME_SQS_INGEST_QUEUE_URL": queues["ingest"],
            "RAGTIME_SQS_MAINTENANCE_QUEUE_URL": queues["maintenance"],
            "DATABASE_URL": f"sqlite:///{database}", "RAGTIME_DATA_DIR": str(tmp_path / "data"),
            "RAGTIME_EMBEDDER": "hashing", "SLACK_BOT_TOKEN": standin.token,
            "SLACK_SIGNING_SECRET": SECRET, "RAGTIME_SLACK_API_URL": standin.api_url,
            "RAGTIME_SLACK_FILE_HOSTS": "127.0.0.1", "RAGTIME_LOG_FORMAT": "json",
        }  # fmt: skip
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        bot.lambda_handler.reset()
        worker.context._context = None
        yield Serverless(standin, sqs, queues, environment["DATABASE_URL"])
        if worker.context._context is not None:
            worker.context._context.close()
            worker.context._context = None
        bot.lambda_handler.reset()
        get_settings.cache_clear()


class Context:
    """What Lambda passes as the handler's second argument (the parts the code reads)."""

    function_name = "ragtime-bot"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:ragtime-bot"

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def signed_headers(body: str, *, secret: str = SECRET, age: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) - age)
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


def ask_body(text: str = "How long is onboarding?") -> str:
    return urlencode({
        "token": "t", "team_id": "T0STANDIN", "team_domain": "ragtime-demo",
        "channel_id": GENERAL, "channel_name": "general", "user_id": "U0ALICE",
        "user_name": "alice", "command": "/ask", "text": text, "api_app_id": "A0STANDIN",
        "response_url": "http://127.0.0.1:9/response", "trigger_id": "1.2.3",
    })  # fmt: skip


def rest_v1(body: str, headers: dict[str, str], *, b64: bool = False) -> dict[str, Any]:
    return {
        "resource": "/slack/events", "path": "/slack/events", "httpMethod": "POST",
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "requestContext": {"httpMethod": "POST", "stage": "prod"},
        "body": base64.b64encode(body.encode()).decode() if b64 else body,
        "isBase64Encoded": b64,
    }  # fmt: skip


def http_v2(body: str, headers: dict[str, str], *, b64: bool = True) -> dict[str, Any]:
    return {
        "version": "2.0", "routeKey": "POST /slack/events", "rawPath": "/slack/events",
        "rawQueryString": "", "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {"http": {"method": "POST", "path": "/slack/events"}},
        "body": base64.b64encode(body.encode()).decode() if b64 else body,
        "isBase64Encoded": b64,
    }  # fmt: skip


def function_url(body: str, headers: dict[str, str]) -> dict[str, Any]:
    event = http_v2(body, headers, b64=True)
    event["routeKey"] = "$default"
    event["requestContext"]["domainName"] = "abc.lambda-url.eu-west-1.on.aws"
    return event


@pytest.mark.parametrize("shape", [rest_v1, http_v2, function_url])
def test_a_signed_ask_is_acked_recorded_and_queued_on_sqs(
    serverless: Serverless, shape: Any
) -> None:
    body = ask_body()

    response = bot.lambda_handler.handler(shape(body, signed_headers(body)), Context())

    assert response["statusCode"] == 200
    assert serverless.questions() == 1
    [message] = serverless.waiting()
    assert "ragtime.answer_question" in base64.b64decode(message["Body"]).decode()
    assert any("Looking through" in m.text for m in serverless.standin.messages(GENERAL))


def test_a_plain_body_without_is_base64_encoded_works(serverless: Serverless) -> None:
    body = ask_body()
    event = rest_v1(body, signed_headers(body))
    del event["isBase64Encoded"]

    assert bot.lambda_handler.handler(event, Context())["statusCode"] == 200
    assert serverless.questions() == 1


@pytest.mark.parametrize(
    "headers",
    [
        signed_headers(ask_body(), secret="not-the-secret"),
        signed_headers(ask_body(), age=600),
        {"Content-Type": "application/x-www-form-urlencoded"},
    ],
    ids=["wrong signature", "ten minutes old", "no signature"],
)
def test_a_forged_or_stale_request_is_refused_and_nothing_is_recorded(
    serverless: Serverless, headers: dict[str, str]
) -> None:
    response = bot.lambda_handler.handler(http_v2(ask_body(), headers), Context())

    assert response["statusCode"] == 401
    assert serverless.questions() == 0 and serverless.waiting() == []


def test_a_replayed_request_is_refused_and_recorded_once(serverless: Serverless) -> None:
    body, headers = ask_body(), signed_headers(ask_body())

    first = bot.lambda_handler.handler(http_v2(body, headers), Context())
    replayed = bot.lambda_handler.handler(http_v2(body, headers), Context())

    assert (first["statusCode"], replayed["statusCode"]) == (200, 401)
    assert serverless.questions() == 1


def mention_event(event_id: str = "Ev0LAMBDA1") -> str:
    return json.dumps({
        "token": "t", "team_id": "T0STANDIN", "api_app_id": "A0STANDIN", "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0STANDIN", "user_id": "UBOT", "is_bot": True}],
        "event": {"type": "app_mention", "user": "U0ALICE", "channel": GENERAL,
                  "text": "<@UBOT> how long is onboarding?", "ts": "1700000000.000100",
                  "event_ts": "1700000000.000100"},
    })  # fmt: skip


def test_slacks_retry_of_a_handled_event_does_nothing_twice(serverless: Serverless) -> None:
    body = mention_event()
    headers = signed_headers(body) | {"Content-Type": "application/json"}
    first = bot.lambda_handler.handler(function_url(body, headers), Context())
    retry_headers = signed_headers(body) | {
        "Content-Type": "application/json", "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }  # fmt: skip

    again = bot.lambda_handler.handler(function_url(body, retry_headers), Context())

    assert (first["statusCode"], again["statusCode"]) == (200, 200)
    assert serverless.questions() == 1 and len(serverless.waiting()) == 1


def sqs_event(messages: list[dict[str, Any]], receives: int = 1) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"], "attributes": {"ApproximateReceiveCount": str(receives)},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:ragtime-answer",
            }
            for m in messages
        ]
    }  # fmt: skip


def test_the_worker_function_runs_the_task_the_bot_queued(serverless: Serverless) -> None:
    body = ask_body("What is the travel budget?")
    bot.lambda_handler.handler(http_v2(body, signed_headers(body)), Context())

    result = worker.lambda_handler.handler(sqs_event(serverless.waiting()), Context())

    assert result == {"batchItemFailures": []}
    [update] = serverless.standin.calls("chat.update")
    assert "couldn't find this" in json.dumps(update.params)  # nothing was shared: not found


def test_only_the_failed_message_comes_back_and_the_last_try_tells_the_person(
    serverless: Serverless,
) -> None:
    for text in ("First question?", "Second question?"):
        body = ask_body(text)
        bot.lambda_handler.handler(http_v2(body, signed_headers(body)), Context())
    good, flaky = serverless.waiting()
    garbage = {"MessageId": "m-garbage", "ReceiptHandle": "r", "Body": "not a task"}
    serverless.standin.fail_next("chat.update", 500, times=4)  # the client retries some itself

    result = worker.lambda_handler.handler(sqs_event([flaky, garbage]), Context())

    assert result == {"batchItemFailures": [{"itemIdentifier": flaky["MessageId"]}]}
    serverless.standin.fail_next("chat.update", 500, times=40)
    last = worker.lambda_handler.handler(sqs_event([flaky], receives=5), Context())
    assert last == {"batchItemFailures": []}  # given up: dropped, not left for the DLQ
    with session_scope(worker.context.current_context().sessions) as session:
        statuses = sorted(q.status for q in session.scalars(select(Question)))
    assert statuses == ["failed", "queued"]  # the good one was never run here
    assert good["MessageId"] != flaky["MessageId"]


def test_a_record_with_too_little_time_left_is_handed_back(serverless: Serverless) -> None:
    body = ask_body()
    bot.lambda_handler.handler(http_v2(body, signed_headers(body)), Context())
    messages = serverless.waiting()

    result = worker.lambda_handler.handler(sqs_event(messages), Context(remaining_ms=5_000))

    assert result == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    assert not serverless.standin.calls("chat.update")


def test_a_one_off_invocation_migrates_the_database(serverless: Serverless, tmp_path: Path) -> None:
    from ragtime.db.migrate import schema_state

    assert worker.lambda_handler.handler({"ragtime": "db upgrade"}, Context()) == {
        "migrated_to": schema_state(serverless.database_url).head
    }


def test_the_scheduled_sweep_fails_a_question_whose_message_was_lost(
    serverless: Serverless, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    import worker.sweeping
    from ragtime.db.types import utcnow

    body = ask_body("What is the travel budget?")
    bot.lambda_handler.handler(http_v2(body, signed_headers(body)), Context())
    assert len(serverless.waiting()) == 1  # received, never deleted: say the message is lost
    later = utcnow() + timedelta(hours=1)
    monkeypatch.setattr(worker.sweeping, "utcnow", lambda: later)

    done = worker.lambda_handler.handler(
        {"ragtime": "job", "job": "ragtime.sweep_questions"}, Context()
    )

    assert done == {"ran": "ragtime.sweep_questions"}
    [update] = serverless.standin.calls("chat.update")
    assert "lost while the queue restarted" in json.dumps(update.params)
    refused = worker.lambda_handler.handler({"ragtime": "job", "job": "ragtime.reindex"}, Context())
    assert refused == {"ran": None}  # only the periodic jobs run this way
