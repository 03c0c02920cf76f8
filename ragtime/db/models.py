"""The tables. The schema itself is created only by the Alembic migrations in
``migrations/``; a test checks that these models and the migrations agree.

Enumerations are plain strings guarded by CHECK constraints: portable, readable in
``psql`` and easy to extend in a migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ragtime.db.types import UtcDateTime, new_id, utcnow

DocumentStatus = Literal["queued", "indexing", "indexed", "failed", "deleted"]
QuestionStatus = Literal["queued", "answering", "answered", "not_found", "failed"]
AskedVia = Literal["slash_command", "mention", "dm", "thread_followup"]
Vote = Literal["up", "down"]
# What a 👎 says was wrong (asked privately after the click); the CHECK is in the code,
# since SQLite cannot add one to an existing table.
DownvoteReason = Literal["wrong", "incomplete", "not_in_documents", "other"]
AuditOutcome = Literal["succeeded", "denied", "failed"]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Slack ids (T…, C…, U…, F…, Ev…) and timestamps ("1700000000.123456") fit easily.
SLACK_ID = 32
ID = 36


def one_of(column: str, values: object) -> CheckConstraint:
    """CHECK that ``column`` holds one of the values of a ``Literal`` alias."""
    allowed = ", ".join(f"'{value}'" for value in get_args(values))
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("team_id", "slack_file_id"),
        Index("ix_documents_team_id_status", "team_id", "status"),
        one_of("status", DocumentStatus),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    title: Mapped[str] = mapped_column(String(512))
    slack_file_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    pages: Mapped[int | None] = mapped_column(Integer)
    chunk_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[DocumentStatus] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    blob_key: Mapped[str | None] = mapped_column(String(1024))
    # The file's Slack permalink: where an answer's citation links to.
    permalink: Mapped[str | None] = mapped_column(String(1024))
    shared_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    workspace_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many times indexing finished; chunks written by an older version are stale.
    version: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    indexed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DocumentConversation(Base):
    """A document shared in a conversation: retrieval scope is built from these."""

    __tablename__ = "document_conversations"

    document_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True, index=True)
    shared_by: Mapped[str | None] = mapped_column(String(SLACK_ID))
    shared_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The file-share message in this conversation: the worker replies in its thread.
    message_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_thread", "team_id", "conversation_id", "thread_ts"),
        Index("ix_questions_team_id_asked_at", "team_id", "asked_at"),
        one_of("status", QuestionStatus),
        one_of("asked_via", AskedVia),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    conversation_id: Mapped[str] = mapped_column(String(SLACK_ID))
    thread_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    user_id: Mapped[str] = mapped_column(String(SLACK_ID))
    # Emptied by the retention purge; text_purged_at says when.
    text: Mapped[str] = mapped_column(Text)
    asked_via: Mapped[AskedVia] = mapped_column(String(16))
    status: Mapped[QuestionStatus] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    answer_channel: Mapped[str | None] = mapped_column(String(SLACK_ID))
    answer_ts: Mapped[str | None] = mapped_column(String(SLACK_ID))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    text_purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Answer(Base):
    """The one answer to a question: a retried question is a new question."""

    __tablename__ = "answers"

    id: Mapped[str] = mapped_column(String(ID), primary_key=True, default=new_id)
    question_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("questions.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    generator: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(256), default="")
    embed_ms: Mapped[float] = mapped_column(Double)
    search_ms: Mapped[float] = mapped_column(Double)
    generate_ms: Mapped[float] = mapped_column(Double)
    total_ms: Mapped[float] = mapped_column(Double)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AnswerSource(Base):
    """A cited passage. The title is a snapshot and the document link is set to NULL
    when the document row goes, so an answer stays readable after a deletion."""

    __tablename__ = "answer_sources"

    answer_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str | None] = mapped_column(
        String(ID), ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    document_title: Mapped[str] = mapped_column(String(512))
    page_start: Mapped[int] = mapped_column(Integer)
    page_end: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Double)


class Feedback(Base):
    """One vote per (answer, user): a second click changes it, never adds a row."""

    __tablename__ = "feedback"
    __table_args__ = (one_of("vote", Vote),)

    answer_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(SLACK_ID), primary_key=True)
    vote: Mapped[Vote] = mapped_column(String(4))
    voted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reason: Mapped[DownvoteReason | None] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """An admin action: who did what to which target, when, and how it ended."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_team_id_at", "team_id", "at"),
        one_of("outcome", AuditOutcome),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(SLACK_ID))
    user_id: Mapped[str] = mapped_column(String(SLACK_ID))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(512))
    outcome: Mapped[AuditOutcome] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProcessedEvent(Base):
    """A Slack event id already handled: retries and duplicate deliveries stop here."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class MaintenanceLock(Base):
    """A named lock with an expiry (one re-index per workspace): a crashed holder
    cannot block the next one for longer than its time to live."""

    __tablename__ = "maintenance_locks"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
