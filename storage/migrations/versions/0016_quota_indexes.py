"""Indexes for the daily limits, checked before every accept: a person's and a channel's
work of the day, and a workspace's tokens of the day (`bench/limits.py` measures them).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_work_person_day", "work", ["team", "user_id", "created_at"])
    op.create_index("ix_work_channel_day", "work", ["team", "channel", "created_at"])
    op.create_index("ix_brainstorms_team_day", "brainstorms", ["team", "created_at"])
    op.create_index("ix_items_team_day", "items", ["team", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_items_team_day", table_name="items")
    op.drop_index("ix_brainstorms_team_day", table_name="brainstorms")
    op.drop_index("ix_work_channel_day", table_name="work")
    op.drop_index("ix_work_person_day", table_name="work")
