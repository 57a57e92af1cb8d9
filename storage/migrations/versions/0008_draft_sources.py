"""Drafts say which thread messages they drew on: kept with the draft, so a resumed
attempt shows the same.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("sources", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("sources")
