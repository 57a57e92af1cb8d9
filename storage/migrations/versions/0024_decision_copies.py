"""A decision whose text is its item's words unchanged: `decisions.copied` is set when
the text submitted is the one "Decide…" prefilled from the idea or draft (whitespace
aside), so the decision is a copy of the item's words. When those words go (their
author's "forget me", retention purging the item), the copy goes with them
(`storage.privacy`); a decision worded by the person who made it stays. Decisions saved
before it are not marked: their text goes when it equals a removed text exactly, or at
retention.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("copied", sa.Boolean(), nullable=False,
                                         server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("copied")
