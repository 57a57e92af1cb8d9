"""Drafts: the instruction behind an item and the draft it revises.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("instruction", sa.Text()))
        batch.add_column(sa.Column("parent_id", sa.Integer()))
        batch.create_foreign_key("fk_items_parent", "items", ["parent_id"], ["id"])
        batch.create_index("ix_items_channel_thread", ["channel", "thread_ts"])


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_items_channel_thread")
        batch.drop_constraint("fk_items_parent", type_="foreignkey")
        batch.drop_column("parent_id")
        batch.drop_column("instruction")
