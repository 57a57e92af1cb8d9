"""What steered each brainstorm, shown in its header: the approved and rejected ideas its
prompt carried, and the proposals dropped as a rejected idea again; and its inputs as
they were (`/brainstorm why`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
COLUMNS = ("steered_approved", "steered_rejected", "dropped_as_rejected")


def upgrade() -> None:
    with op.batch_alter_table("brainstorms") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer()))
        batch.add_column(sa.Column("inputs", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("brainstorms") as batch:
        batch.drop_column("inputs")
        for name in reversed(COLUMNS):
            batch.drop_column(name)
