"""A person's channels, for their App Home: signals and brainstorms by person.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_signals_user", "signals", ["user_id"])
    op.create_index("ix_brainstorms_requester", "brainstorms", ["requester"])


def downgrade() -> None:
    op.drop_index("ix_brainstorms_requester", table_name="brainstorms")
    op.drop_index("ix_signals_user", table_name="signals")
