"""The tokens each piece of work spent, whatever came of it: the daily token budget
counts them, including attempts that saved nothing (every idea repeated a rejected one,
the model stopped before its first idea, a draft that could not be posted). The
day-by-workspace indexes on brainstorms and items, which it read before, give way to one
on work.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work") as batch:
        batch.add_column(sa.Column("tokens", sa.Integer(), nullable=True))
    op.create_index("ix_work_team_day", "work", ["team", "created_at"])
    op.drop_index("ix_items_team_day", table_name="items")
    op.drop_index("ix_brainstorms_team_day", table_name="brainstorms")


def downgrade() -> None:
    op.create_index("ix_brainstorms_team_day", "brainstorms", ["team", "created_at"])
    op.create_index("ix_items_team_day", "items", ["team", "created_at"])
    op.drop_index("ix_work_team_day", table_name="work")
    with op.batch_alter_table("work") as batch:
        batch.drop_column("tokens")
