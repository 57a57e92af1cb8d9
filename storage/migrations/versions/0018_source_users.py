"""Who a draft's "drew on" line names: the line names people by display name, which
idealoop does not keep, so "forget me" could not find the lines that name the person.
`items.source_users` keeps their Slack ids (",U1,U2,"); drafts saved before it keep
their lines until retention purges them (docs/configuration.md: what forgetting reaches).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("source_users", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("source_users")
