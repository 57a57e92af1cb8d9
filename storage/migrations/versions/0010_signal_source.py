"""Signals say where they came from: an emoji reaction, or a button on the message.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False,
                                   server_default="reaction"))


def downgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.drop_column("source")
