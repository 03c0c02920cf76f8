"""Configuration: the only module that reads the environment.

Settings are read once, on the first call to ``get_settings()``, never at import.
Most names carry the ``RAGTIME_`` prefix; the few that every Slack or AWS
deployment already knows (``SLACK_BOT_TOKEN``, ``REDIS_URL``, ...) are read
under their usual names too.
"""

from __future__ import annotations

import difflib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "RAGTIME_"


class SettingsError(Exception):
    """A setting is unknown, malformed or contradicts another; the message names it."""


def _alias(name: str, default: Any = None) -> Any:
    return Field(default=default, validation_alias=AliasChoices(f"{PREFIX}{name}", name))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=None, extra="forbid", frozen=True, populate_by_name=True
    )

    # Where the laptop size keeps everything.
    data_dir: Path = Path(".ragtime")
    index_dir: Path | None = None
    database_url: str | None = _alias("DATABASE_URL")
    # How long question text is kept; `ragtime db purge` empties older text. None: forever.
    question_retention_days: int | None = Field(default=None, ge=1)

    # Adapters: bootstrap.build_services picks them from these.
    embedder: Literal["local", "hashing", "bedrock"] = "local"
    # Texts per local model run; see ragtime.embedding.onnx_minilm.BATCH_SIZE (memory).
    embedding_batch_size: int = Field(default=16, ge=1, le=1024)
    vector_store: Literal["embedded", "weaviate"] = "embedded"
    generator: Literal["extractive", "bedrock"] = "extractive"
    blob_store: Literal["local", "s3"] = "local"

    # PDF limits: originals are never trusted.
    pdf_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    pdf_max_pages: int = Field(default=1000, ge=1)
    pdf_timeout_seconds: float = Field(default=120.0, gt=0)
    pdf_memory_mb: int = Field(default=1024, ge=64)

    # Chunking and retrieval (chosen by measurement on the eval set; see README).
    chunk_tokens: int = Field(default=200, ge=16, le=254)
    chunk_overlap: int = Field(default=32, ge=0)
    search_k: int = Field(default=5, ge=1, le=100)
    hybrid_alpha: float = Field(default=0.4, ge=0.0, le=1.0)
    # None: the embedder's own calibrated floor (Embedder.relevance_floor).
    answer_min_score: float | None = Field(default=None, ge=-1.0, le=1.0)

    # Servers and credentials (team-server and serverless sizes).
    redis_url: str | None = _alias("REDIS_URL")
    # Weaviate: http(s)://host:port; gRPC host:port (default: the same host, port 50051).
    weaviate_url: str | None = None
    weaviate_grpc_url: str | None = None
    weaviate_api_key: SecretStr | None = None
    weaviate_collection: str = Field(default="RagtimeChunk", pattern=r"^[A-Z][A-Za-z0-9_]{0,99}$")
    weaviate_timeout_seconds: float = Field(default=30.0, gt=0)
    # AWS. botocore itself reads AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL_S3.
    aws_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices(f"{PREFIX}AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    bedrock_generation_model: str = "anthropic.claude-3-5-haiku-20241022-v1:0"
    bedrock_max_tokens: int = Field(default=800, ge=1, le=8192)
    bedrock_temperature: float = Field(default=0.0, ge=0.0, le=1.0)
    # Attempts per Bedrock call, in botocore's standard retry mode (throttling, 5xx).
    bedrock_max_attempts: int = Field(default=4, ge=1, le=10)
    bedrock_embedding_model: str = "amazon.titan-embed-text-v2:0"
    bedrock_embedding_dimensions: int = 1024  # Titan V2: 256, 512 or 1024
    # Titan takes one text per call: this many calls run at once.
    bedrock_embedding_concurrency: int = Field(default=8, ge=1, le=64)
    s3_bucket: str | None = None
    s3_prefix: str = "ragtime/originals/"
    s3_encryption: Literal["AES256", "aws:kms"] = "AES256"
    s3_kms_key_id: str | None = None
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    slack_bot_token: SecretStr | None = _alias("SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = _alias("SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = _alias("SLACK_APP_TOKEN")
    admin_user_ids: str = _alias("ADMIN_USER_IDS", "")

    # The Slack edge. The API URL points at the local stand-in in the demo and the tests.
    slack_api_url: str = "https://slack.com/api/"
    # Files are downloaded with the bot token only from these hosts (comma-separated).
    slack_file_hosts: str = "files.slack.com"
    # "channel": answers are visible to everyone in the conversation; "private": only the asker.
    answer_visibility: Literal["channel", "private"] = "channel"
    rate_limit_user_per_hour: int = Field(default=30, ge=1)
    rate_limit_workspace_per_hour: int = Field(default=500, ge=1)
    bot_port: int = Field(default=3000, ge=1, le=65535)

    # The queue. None: Redis when REDIS_URL is set, else a folder under the data directory.
    # "sqs://" (the serverless size): Amazon SQS with the three queues below, by URL.
    broker_url: str | None = _alias("CELERY_BROKER_URL")
    sqs_answer_queue_url: str | None = None
    sqs_ingest_queue_url: str | None = None
    sqs_maintenance_queue_url: str | None = None

    # Operations. A Secrets Manager secret (name or ARN) holding a JSON object of secret
    # settings (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, RAGTIME_WEAVIATE_API_KEY, DATABASE_URL),
    # read at start-up so no secret sits in a plain environment variable (the Lambda size).
    secrets_id: str | None = None
    # "json": one JSON object a line (for log collectors); "text" for a terminal.
    log_format: Literal["json", "text"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Where Celery's prefork children leave their metrics for /metrics (prometheus_client's
    # multiprocess mode). None: <data dir>/metrics.
    metrics_dir: Path | None = None
    metrics_port: int = Field(default=9100, ge=1, le=65535)
    # Seconds an answer or ingest task may wait in the queue before it is dropped as stale.
    answer_expiry_seconds: int = Field(default=120, ge=1)
    ingest_expiry_seconds: int = Field(default=6 * 3600, ge=1)
    # A long file's "Reading…" reply is edited with its progress at most this often.
    progress_interval_seconds: float = Field(default=4.0, ge=0.0)
    # Redis (and SQS) hand a task whose worker vanished to another worker after this long;
    # every task's time limit is kept below it, so a slow task never runs twice at once.
    broker_visibility_timeout_seconds: int = Field(default=3600, ge=30)
    # How often the maintenance worker makes the index match the database (0: never).
    reconcile_interval_seconds: int = Field(default=3600, ge=0)

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ragtime.db'}"

    @property
    def admins(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.admin_user_ids.split(",") if u.strip())

    @property
    def file_hosts(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.slack_file_hosts.split(",") if h.strip())

    @property
    def resolved_broker_url(self) -> str:
        if self.broker_url:
            return self.broker_url
        if self.redis_url:
            return self.redis_url
        return "filesystem://"

    @property
    def resolved_metrics_dir(self) -> Path:
        return self.metrics_dir or self.data_dir / "metrics"

    @property
    def broker_dir(self) -> Path:
        return self.data_dir / "broker"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "originals"

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        needs = [
            (self.chunk_overlap >= self.chunk_tokens, "RAGTIME_CHUNK_OVERLAP must be smaller than RAGTIME_CHUNK_TOKENS"),
            (self.vector_store == "weaviate" and not self.weaviate_url, "RAGTIME_VECTOR_STORE=weaviate needs RAGTIME_WEAVIATE_URL"),
            (self.blob_store == "s3" and not self.s3_bucket, "RAGTIME_BLOB_STORE=s3 needs RAGTIME_S3_BUCKET"),
            ("bedrock" in (self.embedder, self.generator) and not self.aws_region, "a Bedrock embedder or generator needs AWS_REGION"),
            (self.blob_store == "s3" and not self.aws_region, "RAGTIME_BLOB_STORE=s3 needs AWS_REGION"),
            (self.bedrock_embedding_dimensions not in (256, 512, 1024), "RAGTIME_BEDROCK_EMBEDDING_DIMENSIONS must be 256, 512 or 1024"),
            (self.resolved_broker_url.startswith("sqs://") and not all((self.sqs_answer_queue_url, self.sqs_ingest_queue_url, self.sqs_maintenance_queue_url)), "CELERY_BROKER_URL=sqs:// needs RAGTIME_SQS_ANSWER_QUEUE_URL, RAGTIME_SQS_INGEST_QUEUE_URL and RAGTIME_SQS_MAINTENANCE_QUEUE_URL"),
            (self.resolved_broker_url.startswith("sqs://") and not self.aws_region, "CELERY_BROKER_URL=sqs:// needs AWS_REGION"),
            (self.s3_kms_key_id is not None and self.s3_encryption != "aws:kms", "RAGTIME_S3_KMS_KEY_ID needs RAGTIME_S3_ENCRYPTION=aws:kms"),
        ]  # fmt: skip
        for broken, message in needs:
            if broken:
                raise ValueError(message)
        return self


# Read by the test suite and CI, not by the application.
NOT_SETTINGS = frozenset(
    {
        "RAGTIME_REQUIRE_SERVICES",
        "RAGTIME_TEST_POSTGRES_URL",
        "RAGTIME_TEST_REDIS_URL",
        "RAGTIME_TEST_WEAVIATE_URL",
        "RAGTIME_TEST_WEAVIATE_GRPC_URL",
        "RAGTIME_TEST_WEAVIATE_API_KEY",
    }
)


def _unknown_names(environ: dict[str, str]) -> list[str]:
    known = {f"{PREFIX}{name.upper()}" for name in Settings.model_fields} | NOT_SETTINGS
    unknown = [key for key in environ if key.startswith(PREFIX) and key not in known]
    messages = []
    for key in sorted(unknown):
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        messages.append(f"Unknown setting {key}{hint or '.'}")
    return messages


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the process environment, then ``overrides`` (tests, CLI flags)."""
    unknown = _unknown_names(dict(os.environ))
    if unknown:
        raise SettingsError(unknown[0])
    try:
        settings = Settings(**overrides)
        if settings.secrets_id:
            settings = Settings(**(_from_secret(settings) | overrides))
    except ValidationError as exc:
        raise SettingsError(_one_sentence(exc)) from None
    return settings


def _from_secret(settings: Settings) -> dict[str, Any]:
    """Settings from the Secrets Manager secret, by their usual or RAGTIME_ names."""
    from ragtime.aws_secrets import SecretsError, read_secret

    try:
        stored = read_secret(str(settings.secrets_id), region=settings.aws_region)
    except SecretsError as exc:
        raise SettingsError(str(exc)) from None
    values: dict[str, Any] = {}
    for key, value in stored.items():
        name = key.removeprefix(PREFIX).lower()
        if name not in Settings.model_fields or name == "secrets_id":
            raise SettingsError(
                f"The secret {settings.secrets_id} holds {key}, which is no setting."
            )
        values[name] = value
    return values


def _one_sentence(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if not where:
        return f"Invalid configuration: {message}."
    # Never echo the value: it may be a secret.
    return f"Invalid setting {PREFIX}{where.upper()}: {message}."


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return load_settings()
