"""boto3 clients for the AWS adapters, and their failures as one sentence each.

botocore reads ``AWS_DEFAULT_REGION``, not ``AWS_REGION``, so the configured region is
passed to every client here. Endpoints come from botocore's own environment variables
(``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``, ``AWS_ENDPOINT_URL_S3``): no settings of ours.
Only adapter modules import this one; it imports boto3.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from ragtime.errors import GenerationError, ServiceError, ServiceUnavailableError

# Codes after which the same call may work later (botocore has already retried them).
_BUSY = frozenset(
    {
        "ThrottlingException",
        "ModelNotReadyException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelTimeoutException",
        "throttlingException",
        "serviceUnavailableException",
        "internalServerException",
        "modelStreamErrorException",
    }
)


def aws_client(service: str, *, region: str, max_attempts: int = 4, **config: Any) -> Any:
    """A client with botocore's standard retry mode (throttling and 5xx, with backoff).

    ``max_attempts`` counts the first try (botocore's ``total_max_attempts``; its
    ``max_attempts`` in this dict would count retries only).
    """
    return boto3.session.Session().client(
        service,
        region_name=region,
        config=Config(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=5,
            read_timeout=120,
            **config,
        ),
    )


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return type(exc).__name__


def bedrock_failure(exc: Exception, *, model: str, doing: str) -> ServiceError:
    """What to tell a person when Bedrock ``doing`` with ``model`` failed after its retries."""
    code = error_code(exc)
    if isinstance(exc, NoCredentialsError):
        return GenerationError(
            f"Bedrock could not be used to {doing}: no AWS credentials are configured."
        )
    if code in _BUSY or isinstance(exc, BotoCoreError):  # BotoCoreError: the network
        return ServiceUnavailableError(
            f"Amazon Bedrock is busy or unreachable, so I could not {doing}; please try again in a minute."
        )
    if code == "AccessDeniedException":
        return GenerationError(
            f"Amazon Bedrock refused access to {model}, so I could not {doing}; an admin must "
            "enable that model for this AWS account and region."
        )
    if code in {"ResourceNotFoundException", "ValidationException"}:
        return GenerationError(
            f"Amazon Bedrock rejected the request to {model} ({code}), so I could not {doing};"
            " an admin should check the model id and region."
        )
    return GenerationError(f"The model {model} failed, so I could not {doing}; please try again.")


AWS_FAILURES = (ClientError, BotoCoreError)
