"""Create the documents, questions, answers, feedback and audit tables

Written by hand and frozen: it does not import ragtime's models, so later model changes
never rewrite history. Enumerations are strings with CHECK constraints; every timestamp
has a time zone; constraint names follow the naming convention in ragtime/db/models.py.

Revision ID: 0001
Revises:
Created: 2025-01-01
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLACK_ID = 32
ID = 36


def timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def one_of(table: str, column: str, values: Sequence[str]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    create_documents()
    create_questions()
    create_answers()
    create_feedback()
    create_audit_log()
    create_processed_events()


def create_documents() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("team_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("slack_file_id", sa.String(SLACK_ID), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("chunk_count", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("blob_key", sa.String(1024), nullable=True),
        sa.Column("shared_by", sa.String(SLACK_ID), nullable=True),
        sa.Column("workspace_wide", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        timestamp("queued_at"),
        timestamp("indexed_at", nullable=True),
        timestamp("deleted_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        # One document per Slack file: the two events of one share meet here.
        sa.UniqueConstraint(
            "team_id", "slack_file_id", name=op.f("uq_documents_team_id_slack_file_id")
        ),
        one_of("documents", "status", ["queued", "indexing", "indexed", "failed", "deleted"]),
    )
    op.create_index(op.f("ix_documents_team_id_status"), "documents", ["team_id", "status"])
    op.create_index(op.f("ix_documents_sha256"), "documents", ["sha256"])

    op.create_table(
        "document_conversations",
        sa.Column("document_id", sa.String(ID), nullable=False),
        sa.Column("conversation_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("shared_by", sa.String(SLACK_ID), nullable=True),
        timestamp("shared_at"),
        sa.PrimaryKeyConstraint(
            "document_id", "conversation_id", name=op.f("pk_document_conversations")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_conversations_document_id_documents"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_document_conversations_conversation_id"),
        "document_conversations",
        ["conversation_id"],
    )


def create_questions() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("team_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("conversation_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("thread_ts", sa.String(SLACK_ID), nullable=True),
        sa.Column("user_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_via", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("answer_channel", sa.String(SLACK_ID), nullable=True),
        sa.Column("answer_ts", sa.String(SLACK_ID), nullable=True),
        timestamp("asked_at"),
        timestamp("text_purged_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        one_of("questions", "status", ["queued", "answering", "answered", "not_found", "failed"]),
        one_of("questions", "asked_via", ["slash_command", "mention", "dm", "thread_followup"]),
    )
    op.create_index(
        op.f("ix_questions_thread"), "questions", ["team_id", "conversation_id", "thread_ts"]
    )
    op.create_index(op.f("ix_questions_team_id_asked_at"), "questions", ["team_id", "asked_at"])


def create_answers() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("question_id", sa.String(ID), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("generator", sa.String(64), nullable=False),
        sa.Column("model", sa.String(256), nullable=False),
        sa.Column("embed_ms", sa.Double(), nullable=False),
        sa.Column("search_ms", sa.Double(), nullable=False),
        sa.Column("generate_ms", sa.Double(), nullable=False),
        sa.Column("total_ms", sa.Double(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=True),
        sa.Column("output_tokens", sa.Integer(), nullable=True),
        timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("question_id", name=op.f("uq_answers_question_id")),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_answers_question_id_questions"),
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "answer_sources",
        sa.Column("answer_id", sa.String(ID), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(ID), nullable=True),
        # A snapshot: the answer keeps naming its source after the document is gone.
        sa.Column("document_title", sa.String(512), nullable=False),
        sa.Column("page_start", sa.Integer(), nullable=False),
        sa.Column("page_end", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("answer_id", "rank", name=op.f("pk_answer_sources")),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_answer_sources_answer_id_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_answer_sources_document_id_documents"),
            ondelete="SET NULL",
        ),
    )
    op.create_index(op.f("ix_answer_sources_document_id"), "answer_sources", ["document_id"])


def create_feedback() -> None:
    op.create_table(
        "feedback",
        sa.Column("answer_id", sa.String(ID), nullable=False),
        sa.Column("user_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("vote", sa.String(4), nullable=False),
        timestamp("voted_at"),
        timestamp("changed_at"),
        # One vote per (answer, user): the upsert in ragtime/db/feedback.py relies on it.
        sa.PrimaryKeyConstraint("answer_id", "user_id", name=op.f("pk_feedback")),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_feedback_answer_id_answers"),
            ondelete="CASCADE",
        ),
        one_of("feedback", "vote", ["up", "down"]),
    )


def create_audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("user_id", sa.String(SLACK_ID), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(512), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        timestamp("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        one_of("audit_log", "outcome", ["succeeded", "denied", "failed"]),
    )
    op.create_index(op.f("ix_audit_log_team_id_at"), "audit_log", ["team_id", "at"])


def create_processed_events() -> None:
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        timestamp("received_at"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    op.create_index(op.f("ix_processed_events_received_at"), "processed_events", ["received_at"])


def downgrade() -> None:
    # Children before parents; indexes go with their tables.
    for table in (
        "processed_events",
        "audit_log",
        "feedback",
        "answer_sources",
        "answers",
        "questions",
        "document_conversations",
        "documents",
    ):
        op.drop_table(table)
