"""Add what a downvote says was wrong

``feedback.reason`` is one of wrong, incomplete, not_in_documents or other, asked
privately after a 👎; ``feedback.comment`` is the sentence that may come with it. Both
empty for 👍 and for a 👎 whose question went unanswered.

Revision ID: 0003
Revises: 0002
Created: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", recreate="never") as batch:
        batch.add_column(sa.Column("reason", sa.String(24), nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback", recreate="never") as batch:
        batch.drop_column("comment")
        batch.drop_column("reason")
