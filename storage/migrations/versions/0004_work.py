"""Durable work: every accepted brainstorm and draft is a row with a lease; it also makes
retried deliveries no-ops, so the deliveries table goes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("delivery_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32)),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("placeholder_ts", sa.String(32)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("lease_until", sa.Float()),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("delivery_key", name="uq_work_delivery_key"),
    )
    op.create_index("ix_work_state_lease", "work", ["state", "lease_until"])
    op.drop_table("deliveries")
    # One brainstorm per header: a resumed attempt finds the ideas an earlier one saved.
    with op.batch_alter_table("brainstorms") as batch:
        batch.create_unique_constraint("uq_brainstorms_channel_header",
                                       ["channel", "header_ts"])


def downgrade() -> None:
    with op.batch_alter_table("brainstorms") as batch:
        batch.drop_constraint("uq_brainstorms_channel_header", type_="unique")
    op.create_table(
        "deliveries",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_index("ix_work_state_lease", table_name="work")
    op.drop_table("work")
