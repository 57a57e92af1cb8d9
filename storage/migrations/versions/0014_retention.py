"""Retention and forgetting: when an item's or a brainstorm's texts were purged (the rows
and their counts stay), who asked for a draft (so that "forget me" finds their words),
and the claims that run a daily job once across replicas.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("requester", sa.String(32), nullable=True))
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("brainstorms") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_items_requester", "items", ["requester"])
    op.create_table(
        "maintenance_runs",
        sa.Column("job", sa.String(32), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("affected", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("maintenance_runs")
    op.drop_index("ix_items_requester", table_name="items")
    with op.batch_alter_table("brainstorms") as batch:
        batch.drop_column("purged_at")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("purged_at")
        batch.drop_column("requester")
