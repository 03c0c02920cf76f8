"""The ``ragtime`` command unchanged on the team-server adapters: Weaviate, Bedrock, S3.

Each behind its local stand-in (the Weaviate stand-in, the Bedrock runtime stand-in
reached by real boto3 through AWS_ENDPOINT_URL_BEDROCK_RUNTIME, moto for S3), set up
by nothing but the environment a team would set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from ragtime.cli import main
from tests.pdfs import make_pdf
from tests.standins.bedrock import BedrockStandIn
from tests.standins.weaviate import WeaviateStandIn

REGION = "eu-west-1"
BUCKET = "acme-ragtime"
PRICES = make_pdf(
    [
        ["Price list", "A landing page costs $4,820 and takes two weeks."],
        ["Shops", "An e-commerce website costs $23,800 and takes 7-10 weeks."],
    ]
)


@pytest.fixture
def team_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockStandIn]:
    with WeaviateStandIn() as weaviate, BedrockStandIn() as bedrock:
        environment = {
            "RAGTIME_DATA_DIR": str(tmp_path / "data"),
            "RAGTIME_VECTOR_STORE": "weaviate",
            "RAGTIME_WEAVIATE_URL": weaviate.http_url,
            "RAGTIME_WEAVIATE_GRPC_URL": weaviate.grpc_url,
            "RAGTIME_EMBEDDER": "bedrock",
            "RAGTIME_BEDROCK_EMBEDDING_DIMENSIONS": "256",
            "RAGTIME_GENERATOR": "bedrock",
            "RAGTIME_BLOB_STORE": "s3",
            "RAGTIME_S3_BUCKET": BUCKET,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        # moto answers S3 in-process; Bedrock goes on to its stand-in over HTTP.
        with mock_aws(config={"core": {"passthrough": {"services": ["bedrock-runtime"]}}}):
            boto3.client("s3", region_name=REGION).create_bucket(
                Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
            yield bedrock


def test_ingest_search_and_ask_run_unchanged_on_weaviate_bedrock_and_s3(
    team_server: BedrockStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "prices.pdf"
    pdf.write_bytes(PRICES)

    assert main(["ingest", str(pdf)]) == 0
    assert main(["search", "landing page cost"]) == 0
    assert "1. 1.000  prices.pdf, pp. 1-2" in capsys.readouterr().out
    team_server.reply("A landing page costs $4,820 [1].")
    assert main(["ask", "How much does a landing page cost?"]) == 0

    printed = capsys.readouterr().out
    assert printed.startswith(
        "A landing page costs $4,820 [1].\n\nSources:\n[1] prices.pdf, pp. 1-2"
    )
    embedded = team_server.calls("InvokeModel")
    assert embedded and {c.body["dimensions"] for c in embedded} == {256}
    keys = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [k["Key"].split("/")[-2] for k in keys] == ["local"]  # kept under the workspace


def test_ask_with_bedrock_throttled_prints_one_sentence_and_fails(
    team_server: BedrockStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "prices.pdf"
    pdf.write_bytes(PRICES)
    assert main(["ingest", str(pdf)]) == 0
    capsys.readouterr()
    team_server.fail("ThrottlingException", times=10, operation="Converse")

    assert main(["ask", "How much does a landing page cost?"]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "ragtime: Amazon Bedrock is busy or unreachable, so I could not write the answer;"
        " please try again in a minute.\n"
    )
