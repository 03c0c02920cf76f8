"""The Bedrock Runtime stand-in as real boto3 sees it: Converse, ConverseStream, Titan, errors."""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError
from botocore.retries import standard

from ragtime.generation import NOT_FOUND
from tests.standins.bedrock import BedrockStandIn
from tests.standins.bedrock.eventstream import encode_frame, event_frame, exception_frame

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"
QUESTION = (
    "How many days of leave do staff get?\n\n"
    "[1] Staff handbook, page 3\n"
    "Staff get 25 days of paid leave a year. Unused days lapse in March.\n"
    "[2] Expenses policy, page 1\n"
    "Taxis are refunded after 10 pm."
)
MESSAGES = [{"role": "user", "content": [{"text": QUESTION}]}]


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials; nothing from the developer's own AWS setup leaks in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    for name in (
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_ENDPOINT_URL",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def bedrock() -> Iterator[BedrockStandIn]:
    with BedrockStandIn() as standin:
        yield standin


@pytest.fixture
def make_client(bedrock: BedrockStandIn) -> Iterator[Callable[..., Any]]:
    """Real boto3 clients given ``endpoint_url=``; closed after the test."""
    made: list[Any] = []

    def make(**config: Any) -> Any:
        made.append(
            boto3.client(
                "bedrock-runtime",
                region_name="us-east-1",
                endpoint_url=bedrock.url,
                config=Config(**config),
            )
        )
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(bedrock: BedrockStandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Reaches the stand-in the way the app will: through the service's endpoint variable."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url)
    no_retries = Config(retries={"mode": "standard", "total_max_attempts": 1})
    client = boto3.client("bedrock-runtime", region_name="us-east-1", config=no_retries)
    assert client.meta.endpoint_url == bedrock.url
    yield client
    client.close()


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry at once: these tests count attempts, not botocore's jittered sleeps."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


def embed(client: Any, text: str, **options: Any) -> dict[str, Any]:
    body = json.dumps({"inputText": text, **options})
    response = client.invoke_model(
        modelId=TITAN, body=body, contentType="application/json", accept="application/json"
    )
    assert response["contentType"] == "application/json"
    return json.loads(response["body"].read())  # type: ignore[no-any-return]


# -- Converse ---------------------------------------------------------------------------------


def test_converse_returns_the_scripted_text_and_usage(client: Any, bedrock: BedrockStandIn) -> None:
    bedrock.reply("Staff get 25 days [1].", input_tokens=120, output_tokens=7)

    response = client.converse(
        modelId=MODEL,
        system=[{"text": "Answer only from the passages."}],
        messages=MESSAGES,
        inferenceConfig={"maxTokens": 800, "temperature": 0.0, "topP": 0.9, "stopSequences": []},
    )

    assert response["output"]["message"] == {
        "role": "assistant",
        "content": [{"text": "Staff get 25 days [1]."}],
    }
    assert response["stopReason"] == "end_turn"
    assert response["usage"] == {"inputTokens": 120, "outputTokens": 7, "totalTokens": 127}
    assert response["metrics"]["latencyMs"] >= 1
    (call,) = bedrock.calls("Converse")
    assert call.model_id == MODEL
    assert call.body["system"] == [{"text": "Answer only from the passages."}]
    assert call.body["messages"] == MESSAGES
    assert call.body["inferenceConfig"] == {
        "maxTokens": 800,
        "temperature": 0.0,
        "topP": 0.9,
        "stopSequences": [],
    }
    assert call.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/us-east-1/bedrock/aws4_request" in call.headers["authorization"]


def test_by_default_it_cites_the_first_passage_and_estimates_tokens(client: Any) -> None:
    response = client.converse(modelId=MODEL, system=[{"text": "Be brief."}], messages=MESSAGES)

    text = response["output"]["message"]["content"][0]["text"]
    assert text == "According to the passages, Staff get 25 days of paid leave a year [1]."
    assert response["usage"] == {
        "inputTokens": math.ceil(len("Be brief.\n" + QUESTION) / 4),
        "outputTokens": math.ceil(len(text) / 4),
        "totalTokens": math.ceil(len("Be brief.\n" + QUESTION) / 4) + math.ceil(len(text) / 4),
    }


def test_a_lone_passage_before_the_question_is_cited_too(client: Any) -> None:
    text = "Passages:\n\n[1] Handbook, page 3\nLeave is 25 days\n\nQuestion: How much leave?"

    response = client.converse(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": text}]}]
    )

    reply = response["output"]["message"]["content"][0]["text"]
    assert reply == "According to the passages, Leave is 25 days [1]."


def test_without_passages_the_default_reply_is_not_found(client: Any) -> None:
    response = client.converse(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Hi"}]}]
    )

    assert response["output"]["message"]["content"][0]["text"] == NOT_FOUND


def test_a_custom_responder_and_the_script_take_turns(client: Any, bedrock: BedrockStandIn) -> None:
    bedrock.responder = lambda operation, body: f"{operation} saw {len(body['messages'])} message"
    bedrock.reply("scripted", stop_reason="max_tokens")

    first = client.converse(modelId=MODEL, messages=MESSAGES)
    second = client.converse(modelId=MODEL, messages=MESSAGES)

    assert (first["output"]["message"]["content"][0]["text"], first["stopReason"]) == (
        "scripted",
        "max_tokens",
    )
    assert second["output"]["message"]["content"][0]["text"] == "Converse saw 1 message"


@pytest.mark.parametrize(
    ("messages", "complaint"),
    [
        ([], "must start with a user message"),
        ([{"role": "assistant", "content": [{"text": "Hello"}]}], "must start with a user message"),
        (
            [
                {"role": "user", "content": [{"text": "a"}]},
                {"role": "user", "content": [{"text": "b"}]},
            ],
            "must alternate between user and assistant",
        ),
        ([{"role": "user", "content": [{"text": "  "}]}], "is blank"),
    ],
)
def test_a_malformed_conversation_is_a_validation_exception(
    client: Any, bedrock: BedrockStandIn, messages: list[Any], complaint: str
) -> None:
    with pytest.raises(client.exceptions.ValidationException, match=complaint) as raised:
        client.converse(modelId=MODEL, messages=messages)

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(bedrock.calls("Converse")) == 1


# -- ConverseStream ---------------------------------------------------------------------------


def test_converse_stream_yields_the_events_in_order(client: Any, bedrock: BedrockStandIn) -> None:
    bedrock.reply("Staff get 25 days of paid leave a year [1].", input_tokens=50, output_tokens=12)

    events = list(client.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"])

    kinds = [next(iter(event)) for event in events]
    deltas = [e["contentBlockDelta"] for e in events if "contentBlockDelta" in e]
    assert kinds[0] == "messageStart" and events[0]["messageStart"] == {"role": "assistant"}
    assert kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    assert len(deltas) >= 3
    assert {d["contentBlockIndex"] for d in deltas} == {0}
    assert (
        "".join(d["delta"]["text"] for d in deltas) == "Staff get 25 days of paid leave a year [1]."
    )
    assert events[-2]["messageStop"] == {"stopReason": "end_turn"}
    metadata = events[-1]["metadata"]
    assert metadata["usage"] == {"inputTokens": 50, "outputTokens": 12, "totalTokens": 62}
    assert metadata["metrics"]["latencyMs"] >= 1
    assert bedrock.calls("ConverseStream")[0].body["messages"] == MESSAGES


def test_the_stream_arrives_piece_by_piece(client: Any, bedrock: BedrockStandIn) -> None:
    bedrock.stream_delay = 0.05
    started = time.monotonic()
    arrivals = []

    for event in client.converse_stream(modelId=MODEL, messages=MESSAGES)["stream"]:
        arrivals.append((next(iter(event)), time.monotonic() - started))

    first_delta = next(t for kind, t in arrivals if kind == "contentBlockDelta")
    assert arrivals[-1][0] == "metadata"
    assert arrivals[-1][1] - first_delta >= 0.05 * (len(arrivals) - 3)


@pytest.mark.parametrize("error_type", ["throttlingException", "modelStreamErrorException"])
def test_a_mid_stream_exception_raises_event_stream_error_after_the_first_deltas(
    client: Any, bedrock: BedrockStandIn, error_type: str
) -> None:
    bedrock.fail_mid_stream(error_type, after_deltas=2, message="Model stream broke off.")
    received = []

    response = client.converse_stream(modelId=MODEL, messages=MESSAGES)
    with pytest.raises(EventStreamError) as raised:
        for event in response["stream"]:
            received.append(event)
    response["stream"].close()  # an abandoned stream keeps its connection out of the pool

    assert [next(iter(e)) for e in received] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
    ]
    assert raised.value.response["Error"] == {
        "Code": error_type,
        "Message": "Model stream broke off.",
    }
    assert isinstance(raised.value, ClientError)
    assert not isinstance(raised.value, client.exceptions.ThrottlingException)


def test_a_throttle_before_the_stream_is_an_ordinary_http_error(
    client: Any, bedrock: BedrockStandIn
) -> None:
    bedrock.fail("ThrottlingException", message="Too many requests.")

    with pytest.raises(client.exceptions.ThrottlingException, match="Too many requests"):
        client.converse_stream(modelId=MODEL, messages=MESSAGES)


# -- Errors and retries -----------------------------------------------------------------------


@pytest.mark.usefixtures("no_backoff")
def test_standard_retries_ride_out_two_throttles(
    bedrock: BedrockStandIn, make_client: Callable[..., Any]
) -> None:
    bedrock.fail("ThrottlingException", times=2)
    bedrock.reply("Third time lucky.")

    response = make_client(retries={"mode": "standard", "max_attempts": 3}).converse(
        modelId=MODEL, messages=MESSAGES
    )

    assert response["output"]["message"]["content"][0]["text"] == "Third time lucky."
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(bedrock.calls("Converse")) == 3


@pytest.mark.usefixtures("no_backoff")
def test_throttling_beyond_the_attempts_raises_throttling_exception(
    bedrock: BedrockStandIn, make_client: Callable[..., Any]
) -> None:
    bedrock.fail("ThrottlingException", times=10)
    client = make_client(retries={"mode": "standard", "total_max_attempts": 3})

    with pytest.raises(client.exceptions.ThrottlingException) as raised:
        client.converse(modelId=MODEL, messages=MESSAGES)

    assert raised.value.response["Error"] == {
        "Code": "ThrottlingException",
        "Message": "Too many requests, please wait before trying again.",
    }
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert raised.value.response["ResponseMetadata"]["MaxAttemptsReached"] is True
    assert len(bedrock.calls("Converse")) == 3


@pytest.mark.usefixtures("no_backoff")
def test_max_attempts_in_config_counts_retries_not_attempts(
    bedrock: BedrockStandIn, make_client: Callable[..., Any]
) -> None:
    """botocore's ``max_attempts`` key counts retries: 3 means 4 requests.

    ``total_max_attempts`` (or AWS_MAX_ATTEMPTS / the config file's max_attempts) counts them all.
    """
    bedrock.fail("ThrottlingException", times=10)
    client = make_client(retries={"mode": "standard", "max_attempts": 3})

    with pytest.raises(client.exceptions.ThrottlingException):
        client.converse(modelId=MODEL, messages=MESSAGES)

    assert len(bedrock.calls("Converse")) == 4


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize(
    ("error_type", "status", "requests"),
    [
        ("ThrottlingException", 429, 3),
        ("ModelNotReadyException", 429, 3),  # modelled as retryable (not as throttling)
        ("InternalServerException", 500, 3),
        ("ServiceUnavailableException", 503, 3),
        ("ValidationException", 400, 1),
        ("AccessDeniedException", 403, 1),
        ("ResourceNotFoundException", 404, 1),
        ("ModelTimeoutException", 408, 1),
        ("ModelErrorException", 424, 1),
    ],
)
def test_each_error_is_raised_as_itself_and_retried_only_if_transient(
    bedrock: BedrockStandIn,
    make_client: Callable[..., Any],
    error_type: str,
    status: int,
    requests: int,
) -> None:
    bedrock.fail(error_type, message=f"{error_type} from the stand-in", times=10)
    client = make_client(retries={"mode": "standard", "total_max_attempts": 3})

    with pytest.raises(getattr(client.exceptions, error_type)) as raised:
        client.converse(modelId=MODEL, messages=MESSAGES)

    assert raised.value.response["Error"]["Message"] == f"{error_type} from the stand-in"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert len(bedrock.calls("Converse")) == requests


def test_a_failure_for_one_operation_leaves_the_others_alone(
    client: Any, bedrock: BedrockStandIn
) -> None:
    bedrock.fail("ServiceUnavailableException", operation="InvokeModel")

    client.converse(modelId=MODEL, messages=MESSAGES)
    with pytest.raises(client.exceptions.ServiceUnavailableException):
        embed(client, "hello")
    assert len(embed(client, "hello")["embedding"]) == 1024


def test_an_unsigned_request_is_refused(
    bedrock: BedrockStandIn, make_client: Callable[..., Any]
) -> None:
    client = make_client(signature_version=UNSIGNED, retries={"total_max_attempts": 1})

    with pytest.raises(ClientError) as raised:
        client.converse(modelId=MODEL, messages=MESSAGES)

    assert raised.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_unknown_path_is_an_unknown_operation(bedrock: BedrockStandIn) -> None:
    request = urllib.request.Request(f"{bedrock.url}/model/x/chat", data=b"{}", method="POST")

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)

    raised.value.close()
    assert raised.value.code == 404
    assert raised.value.headers["x-amzn-ErrorType"].startswith("UnknownOperationException:")
    assert bedrock.requests == []


# -- InvokeModel: Titan Text Embeddings V2 ----------------------------------------------------


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("dimensions", [256, 512, 1024, None])
def test_titan_returns_a_unit_vector_of_the_asked_size(client: Any, dimensions: int | None) -> None:
    options = {} if dimensions is None else {"dimensions": dimensions}

    reply = embed(client, "Staff get 25 days of paid leave.", **options)

    assert len(reply["embedding"]) == (dimensions or 1024)
    assert math.isclose(
        math.sqrt(_cosine(reply["embedding"], reply["embedding"])), 1.0, abs_tol=1e-6
    )
    assert reply["embeddingsByType"] == {"float": reply["embedding"]}
    assert reply["inputTextTokenCount"] > 0


def test_titan_embeddings_are_deterministic_and_similar_texts_score_higher(client: Any) -> None:
    leave = embed(client, "How many days of paid leave do staff get?")["embedding"]
    close = embed(client, "Staff get 25 days of paid leave a year.")["embedding"]
    far = embed(client, "Taxis are refunded after 10 pm.")["embedding"]

    assert embed(client, "How many days of paid leave do staff get?")["embedding"] == leave
    assert _cosine(leave, close) > _cosine(leave, far) + 0.3


def test_titan_binary_and_unnormalised_embeddings(client: Any, bedrock: BedrockStandIn) -> None:
    reply = embed(
        client, "one two three", dimensions=256, normalize=False, embeddingTypes=["float", "binary"]
    )

    assert math.sqrt(_cosine(reply["embedding"], reply["embedding"])) > 1.0
    assert set(reply["embeddingsByType"]["binary"]) <= {0, 1}
    (call,) = bedrock.calls("InvokeModel")
    assert call.model_id == TITAN
    assert call.body["embeddingTypes"] == ["float", "binary"]
    assert call.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("text", "options", "complaint"),
    [
        ("hello", {"dimensions": 100}, "#/dimensions: 100 is not a valid enum value"),
        ("x" * 50_001, {}, "expected maxLength: 50000, actual: 50001"),
        ("", {}, "expected minLength: 1"),
        ("hello", {"normalise": True}, "extraneous key"),
    ],
)
def test_titan_rejects_what_the_service_rejects(
    client: Any, text: str, options: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(
        client.exceptions.ValidationException, match="Malformed input request"
    ) as raised:
        embed(client, text, **options)

    assert complaint in raised.value.response["Error"]["Message"]


def test_a_50000_character_text_is_accepted(client: Any) -> None:
    assert len(embed(client, "word " * 10_000, dimensions=256)["embedding"]) == 256


# -- The event-stream framing -----------------------------------------------------------------


def test_frames_round_trip_through_botocores_decoder() -> None:
    frames = event_frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "héllo"}})
    frames += exception_frame("throttlingException", "slow down")
    buffer = EventStreamBuffer()

    for i in range(0, len(frames), 7):  # in awkward slices, as a socket delivers them
        buffer.add_data(frames[i : i + 7])
    first, second = list(buffer)

    assert first.headers == {
        ":event-type": "contentBlockDelta",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    assert json.loads(first.payload) == {"contentBlockIndex": 0, "delta": {"text": "héllo"}}
    assert first.prelude.total_length == len(frames) - len(
        exception_frame("throttlingException", "slow down")
    )
    assert second.to_response_dict()["status_code"] == 400
    assert second.headers[":exception-type"] == "throttlingException"
    assert json.loads(second.payload) == {"message": "slow down"}


def test_a_corrupted_frame_fails_botocores_crc_check() -> None:
    frame = bytearray(encode_frame({":message-type": "event"}, b"{}"))
    frame[-5] ^= 0xFF  # a payload byte: the message CRC no longer matches
    buffer = EventStreamBuffer()
    buffer.add_data(bytes(frame))

    with pytest.raises(ChecksumMismatch):
        list(buffer)


def test_the_encoder_agrees_with_motos() -> None:
    from moto.core.eventstream import EventStreamEncoder

    headers = {
        ":event-type": "messageStop",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    payload = b'{"stopReason":"end_turn"}'

    assert encode_frame(headers, payload) == EventStreamEncoder().encode_message(headers, payload)
