"""Rejections stay rejected: a partial index of standing rejections, so the filter that
keeps every rejected idea out of later brainstorms reads only those.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_signals_rejections", "signals", ["item_id"],
                    postgresql_where=sa.text("active AND polarity = -1"),
                    sqlite_where=sa.text("active = 1 AND polarity = -1"))


def downgrade() -> None:
    op.drop_index("ix_signals_rejections", table_name="signals")
