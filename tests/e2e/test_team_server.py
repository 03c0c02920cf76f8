"""The bot and the worker, unchanged, on Weaviate and Bedrock (team-server settings).

A second product of its own: the real bot and worker processes, configured only by
the environment, reach the Weaviate stand-in (REST + gRPC) and the Bedrock runtime
stand-in (real boto3 through AWS_ENDPOINT_URL_BEDROCK_RUNTIME) running in this test
process. Titan embeds, so the worker loads no local model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.local_stack import LocalStack, local_stack
from bot.standin import ALICE, GENERAL, TEAM_ID, Message
from tests.pdfs import make_pdf
from tests.standins.bedrock import BedrockStandIn
from tests.standins.weaviate import WeaviateStandIn

pytestmark = [pytest.mark.e2e]
PLACEHOLDER = "Looking through the documents"


@pytest.fixture(scope="module")
def team(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalStack, WeaviateStandIn, BedrockStandIn]]:
    with WeaviateStandIn() as weaviate, BedrockStandIn() as bedrock:
        env = {
            "RAGTIME_VECTOR_STORE": "weaviate",
            "RAGTIME_WEAVIATE_URL": weaviate.http_url,
            "RAGTIME_WEAVIATE_GRPC_URL": weaviate.grpc_url,
            "RAGTIME_EMBEDDER": "bedrock",
            "RAGTIME_BEDROCK_EMBEDDING_DIMENSIONS": "256",
            "RAGTIME_GENERATOR": "bedrock",
            "RAGTIME_ANSWER_MIN_SCORE": "0.05",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        data_dir = tmp_path_factory.mktemp("team-server")
        with local_stack(data_dir, extra_env=env) as stack:
            yield stack, weaviate, bedrock


def test_a_share_and_a_question_go_through_weaviate_and_bedrock(
    team: tuple[LocalStack, WeaviateStandIn, BedrockStandIn],
) -> None:
    stack, weaviate, bedrock = team
    pdf = make_pdf([["Parking passes cost 45 euros a month at the Lisbon office."]])
    shared = stack.driver.share_file("parking.pdf", pdf, user=ALICE, channel=GENERAL)
    stack.standin.wait_for_message(
        GENERAL, thread_ts=shared.ts, contains="*parking.pdf*: ", timeout=120
    )
    bedrock.reply("A parking pass costs 45 euros a month [1].")

    stack.driver.slash_command(
        "/ask", "What does a parking pass cost?", user=ALICE, channel=GENERAL
    )

    def answered() -> Message | None:
        for message in stack.standin.messages(GENERAL):
            shown = json.dumps(message.blocks, ensure_ascii=False)
            if message.bot_id and "45 euros a month [1]" in shown and PLACEHOLDER not in shown:
                return message
        return None

    message = stack.standin.wait_for(answered, timeout=120, what="the Bedrock answer")
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert "parking.pdf" in shown and "feedback_buttons" in shown
    stored = weaviate.objects("RagtimeChunk", TEAM_ID)
    assert [o["properties"]["title"] for o in stored] == ["parking.pdf"]
    assert stored[0]["properties"]["conversations"] == [GENERAL]
    search = weaviate.calls("Search")[-1].body
    assert (search.tenant, search.hybrid_search.alpha) == (TEAM_ID, pytest.approx(0.4))
    assert bedrock.calls("InvokeModel") and bedrock.calls("ConverseStream")
