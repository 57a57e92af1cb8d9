"""The tokens a draft used, so that the daily token budget counts drafts as well as
brainstorms; and the day's brainstorms and items found by time, for that budget.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("prompt_tokens", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("completion_tokens", sa.Integer(), nullable=True))
    op.create_index("ix_items_created", "items", ["created_at"])
    op.create_index("ix_brainstorms_created", "brainstorms", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_brainstorms_created", table_name="brainstorms")
    op.drop_index("ix_items_created", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("completion_tokens")
        batch.drop_column("prompt_tokens")
