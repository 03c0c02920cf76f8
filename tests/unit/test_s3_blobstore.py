"""Originals in S3, against moto: encryption, keys by workspace, and re-index from S3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from ragtime.blobstore import original_key
from ragtime.blobstore.s3 import S3BlobStore
from ragtime.errors import ServiceError
from tests.unit.test_worker_fake_slack import FakeSlack, worker_context, worker_settings
from tests.unit.test_worker_maintenance import indexed, take_lock
from worker.reindexing import reindex_documents

REGION = "eu-west-1"
BUCKET = "team-originals"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client


def store(**overrides: object) -> S3BlobStore:
    values: dict[str, object] = {"bucket": BUCKET, "prefix": "ragtime/", "region": REGION}
    return S3BlobStore(**(values | overrides))  # type: ignore[arg-type]


def test_originals_are_kept_encrypted_under_workspace_and_document(s3: object) -> None:
    blobs = store()
    key = original_key("T1", "doc-1")

    blobs.put(key, b"%PDF-1.7 original")

    assert blobs.get(key) == b"%PDF-1.7 original"
    head = s3.head_object(Bucket=BUCKET, Key="ragtime/T1/doc-1.pdf")  # type: ignore[attr-defined]
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/pdf"


def test_kms_encryption_names_the_key(s3: object) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blobs = store(encryption="aws:kms", kms_key_id=key_id)

    blobs.put("T1/doc-2.pdf", b"%PDF secret")

    head = s3.head_object(Bucket=BUCKET, Key="ragtime/T1/doc-2.pdf")  # type: ignore[attr-defined]
    assert head["ServerSideEncryption"] == "aws:kms"
    assert key_id in head["SSEKMSKeyId"]


def test_a_missing_original_is_a_key_error_and_delete_is_idempotent(s3: object) -> None:
    blobs = store()
    with pytest.raises(KeyError):
        blobs.get("T1/never.pdf")
    blobs.put("T1/gone.pdf", b"x")
    blobs.delete("T1/gone.pdf")
    blobs.delete("T1/gone.pdf")
    with pytest.raises(KeyError):
        blobs.get("T1/gone.pdf")


def test_unsafe_keys_are_refused_before_any_request(s3: object) -> None:
    with pytest.raises(ValueError, match="unsafe"):
        store().put("../etc/passwd", b"x")


def test_a_missing_bucket_is_one_sentence_for_an_admin(s3: object) -> None:
    with pytest.raises(ServiceError, match=r"S3 refused .*NoSuchBucket.*permissions\.$"):
        store(bucket="no-such-bucket").put("T1/a.pdf", b"x")


def test_uploads_send_no_default_crc_checksum(s3: object) -> None:
    sent: list[dict[str, str]] = []
    blobs = store()
    blobs.client().meta.events.register(
        "before-send.s3.PutObject", lambda request, **_: sent.append(dict(request.headers))
    )

    blobs.put("T1/plain.pdf", b"%PDF plain")

    # S3-compatible servers (MinIO and the like) reject or store the aws-chunked framing.
    assert not any(name.lower().startswith("x-amz-checksum") for name in sent[0])
    assert "aws-chunked" not in sent[0].get("Content-Encoding", "")


def test_reindex_reads_originals_from_s3_and_never_downloads_again(
    s3: object, tmp_path: Path
) -> None:
    with FakeSlack() as slack:
        settings = worker_settings(
            tmp_path, slack, blob_store="s3", s3_bucket=BUCKET, aws_region=REGION
        )
        ctx = worker_context(settings)
        document_id = indexed(ctx, slack, "gardening")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]  # type: ignore[attr-defined]
        assert keys == [f"ragtime/originals/T1/{document_id}.pdf"]
        downloads = slack.downloads
        take_lock(ctx)

        report = reindex_documents(
            ctx, team_id="T1", user_id="UADMIN", target="all", channel_id="C1",
            message_ts="1700000002.000001",
        )  # fmt: skip

        assert (report.documents, report.failures) == (1, [])
        assert slack.downloads == downloads
        assert not slack.calls_to("files.info")[1:]
        ctx.close()
