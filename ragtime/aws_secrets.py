"""Secret settings from AWS Secrets Manager: one secret, a JSON object of setting names.

The serverless size keeps the Slack token, the signing secret, the Weaviate API key and
the database URL there, so that no secret is a plain environment variable of the
function. Only ``ragtime.settings`` calls this, at start-up; boto3 is imported here.
"""

from __future__ import annotations

import json
from typing import Any

from ragtime.aws import AWS_FAILURES, aws_client, error_code


class SecretsError(Exception):
    """The secret could not be read; the message names it, never its contents."""


def read_secret(secret_id: str, *, region: str | None) -> dict[str, str]:
    """The secret's JSON object, its values as strings."""
    try:
        client = aws_client("secretsmanager", region=region or "us-east-1", max_attempts=3)
        reply: dict[str, Any] = client.get_secret_value(SecretId=secret_id)
    except AWS_FAILURES as exc:
        raise SecretsError(
            f"The secret {secret_id} could not be read from AWS Secrets Manager"
            f" ({error_code(exc)}); check RAGTIME_SECRETS_ID and the function's permissions."
        ) from None
    try:
        values = json.loads(reply.get("SecretString") or "{}")
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, dict):
        raise SecretsError(f"The secret {secret_id} must hold a JSON object of setting names.")
    return {str(key): str(value) for key, value in values.items()}
