"""Add share messages, document permalinks and maintenance locks

``document_conversations.message_ts`` is the file-share message in a conversation, so the
worker replies in its thread; ``documents.permalink`` is the Slack link an answer's
citation points to; ``maintenance_locks`` holds named locks with an expiry (one re-index
per workspace at a time).

Batch operations never recreate a table here (``recreate="never"``): on SQLite a copy
would drop ``documents``, and with foreign keys on that deletes every share and unlinks
every answer source. SQLite adds and drops plain columns in place since 3.35.

Revision ID: 0002
Revises: 0001
Created: 2025-01-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLACK_ID = 32


def upgrade() -> None:
    with op.batch_alter_table("document_conversations", recreate="never") as batch:
        batch.add_column(sa.Column("message_ts", sa.String(SLACK_ID), nullable=True))
    with op.batch_alter_table("documents", recreate="never") as batch:
        batch.add_column(sa.Column("permalink", sa.String(1024), nullable=True))
    op.create_table(
        "maintenance_locks",
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_maintenance_locks")),
    )


def downgrade() -> None:
    # Every revision has a working downgrade; tests/integration/test_migrations.py runs it.
    op.drop_table("maintenance_locks")
    with op.batch_alter_table("documents", recreate="never") as batch:
        batch.drop_column("permalink")
    with op.batch_alter_table("document_conversations", recreate="never") as batch:
        batch.drop_column("message_ts")
