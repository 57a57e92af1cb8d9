"""A daily job's claim is a fenced lease, like work's and digests' (`storage.claims`): a
process that died half-way through today's retention no longer keeps it from running
until tomorrow, and a holder whose lease ran out cannot record the run as its own.
`owner` may be empty (a claim given back). Claims not finished at the upgrade keep a
lease as long as a run's, from now: their holder may still be running.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.base import db_now

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

DAILY_LEASE = 3600.0  # seconds: storage.privacy.DAILY_LEASE when this was written


def upgrade() -> None:
    with op.batch_alter_table("maintenance_runs") as batch:
        batch.add_column(sa.Column("lease_until", sa.Float(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                   server_default="1"))
        batch.alter_column("owner", existing_type=sa.String(128), nullable=True)
    runs = sa.table("maintenance_runs", sa.column("finished_at", sa.DateTime),
                    sa.column("lease_until", sa.Float))
    op.execute(runs.update().where(runs.c.finished_at.is_(None))
               .values(lease_until=db_now(op.get_bind().dialect.name) + DAILY_LEASE))


def downgrade() -> None:
    runs = sa.table("maintenance_runs", sa.column("owner", sa.String),
                    sa.column("finished_at", sa.DateTime))
    # The older code gives back a claim by deleting its row: one given back here goes.
    op.execute(runs.delete().where(runs.c.owner.is_(None), runs.c.finished_at.is_(None)))
    with op.batch_alter_table("maintenance_runs") as batch:
        batch.alter_column("owner", existing_type=sa.String(128), nullable=False)
        batch.drop_column("attempts")
        batch.drop_column("lease_until")
