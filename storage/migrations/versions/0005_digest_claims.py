"""Digests exactly once: fenced claims on the database's clock, paused subscriptions,
and signals found by when they were given.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import db_now

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
CLAIM_LEASE = 600.0  # seconds: bot.digests.CLAIM_LEASE when this migration was written


def upgrade() -> None:
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("token", sa.String(32)))
        batch.add_column(sa.Column("lease_until", sa.Float()))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("note", sa.Text()))
    # A claim an older process holds now gets a lease like any other, from the upgrade
    # on: it is not taken over while that process may still be posting its digest.
    runs = sa.table("digest_runs", sa.column("status", sa.String),
                    sa.column("lease_until", sa.Float))
    op.execute(runs.update().where(runs.c.status == "claimed")
               .values(lease_until=db_now(op.get_bind().dialect.name) + CLAIM_LEASE))
    with op.batch_alter_table("digest_subscriptions") as batch:
        batch.add_column(sa.Column("paused_reason", sa.Text()))
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True)))
    op.create_index("ix_signals_added_at", "signals", ["added_at"])


def downgrade() -> None:
    # Older code knows no "retry": it gave a claim back by deleting it, so do that.
    runs = sa.table("digest_runs", sa.column("status", sa.String))
    op.execute(runs.delete().where(runs.c.status == "retry"))
    op.drop_index("ix_signals_added_at", table_name="signals")
    with op.batch_alter_table("digest_subscriptions") as batch:
        batch.drop_column("paused_at")
        batch.drop_column("paused_reason")
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("note")
        batch.drop_column("attempts")
        batch.drop_column("lease_until")
        batch.drop_column("token")
