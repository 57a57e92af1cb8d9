"""Decisions: what a person decided on an idea or a draft ("Decide…"), its owner, due
date and status, its announcement in the thread, and the state of the owner's reminder
(`storage.decisions`).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team", sa.String(32), nullable=False, server_default=""),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("item_id", sa.Integer(),
                  sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("view_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decider", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closed_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("reminder_channel", sa.String(32), nullable=True),
        sa.Column("reminder_ts", sa.String(32), nullable=True),
        sa.Column("announced_ts", sa.String(32), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("team", "view_id", name="uq_decisions_view"),
    )
    op.create_index("ix_decisions_owner", "decisions", ["team", "owner", "status"])
    op.create_index("ix_decisions_channel_created", "decisions",
                    ["team", "channel", "created_at"])
    op.create_index("ix_decisions_remind", "decisions", ["status", "remind_on"])
    op.create_index("ix_decisions_created", "decisions", ["created_at"])
    op.create_index("ix_decisions_decider", "decisions", ["decider"])
    op.create_index("ix_decisions_unannounced", "decisions", ["announced_ts", "created_at"])


def downgrade() -> None:
    op.drop_table("decisions")
