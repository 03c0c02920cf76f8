"""Originals in Amazon S3 (or an S3-compatible store such as MinIO).

Keys are ``<prefix><workspace>/<document>.pdf``. Every object is written with
server-side encryption (AES256, or aws:kms with the configured key). Checksums are
only sent and checked where S3 requires them: since botocore 1.36 uploads carry CRC
framing by default, which several S3-compatible servers reject or store.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ragtime.aws import AWS_FAILURES, aws_client, error_code
from ragtime.blobstore import BlobStore, check_key
from ragtime.errors import ServiceError, ServiceUnavailableError

log = logging.getLogger(__name__)

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class S3BlobStore(BlobStore):
    def __init__(
        self,
        *,
        bucket: str,
        prefix: str,
        region: str,
        encryption: str = "AES256",
        kms_key_id: str | None = None,
        addressing_style: str = "auto",
    ) -> None:
        self.bucket, self.prefix, self.region = bucket, prefix, region
        self.encryption, self.kms_key_id = encryption, kms_key_id
        self.addressing_style = addressing_style
        self._client: Any = None
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes) -> None:
        extra: dict[str, str] = {"ServerSideEncryption": self.encryption}
        if self.kms_key_id:
            extra["SSEKMSKeyId"] = self.kms_key_id
        self._call(
            "keep the original",
            key,
            lambda: self.client().put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType="application/pdf",
                **extra,
            ),
        )

    def get(self, key: str) -> bytes:
        response = self._call(
            "read the original",
            key,
            lambda: self.client().get_object(Bucket=self.bucket, Key=self._key(key)),
        )
        data: bytes = response["Body"].read()
        return data

    def delete(self, key: str) -> None:
        # S3 answers 204 for a key that is already gone.
        self._call(
            "delete the original",
            key,
            lambda: self.client().delete_object(Bucket=self.bucket, Key=self._key(key)),
        )

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = aws_client(
                    "s3",
                    region=self.region,
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    s3={"addressing_style": self.addressing_style},
                )
            return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _call(self, doing: str, key: str, call: Any) -> Any:
        try:
            return call()
        except AWS_FAILURES as exc:
            code = error_code(exc)
            if code in _MISSING:
                raise KeyError(key) from None
            log.warning("s3 could not %s %s: %s", doing, key, code)
            where = f"s3://{self.bucket}/{self.prefix}"
            if code in {"AccessDenied", "AllAccessDisabled", "NoSuchBucket", "InvalidAccessKeyId"}:
                raise ServiceError(
                    f"S3 refused to {doing} in {where} ({code}); an admin should check the"
                    " bucket and the worker's permissions."
                ) from None
            raise ServiceUnavailableError(
                f"S3 could not {doing} in {where} ({code}); try again in a few minutes."
            ) from None
