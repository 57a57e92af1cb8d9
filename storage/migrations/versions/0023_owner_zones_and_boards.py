"""Decisions remind their owners in their own time zone, and channels get idea boards.

A decision's reminder comes due at 09:00 in its owner's time zone, not in the one
`IDEALOOP_TIMEZONE`: `decisions.owner_tz` keeps the zone Slack's `users.info` gave for
the owner when the decision was made (None when it did not say), and
`decisions.remind_at` the instant the reminder of `remind_on` comes due. Rows stored
before it keep `remind_at` empty and come due at 09:00 in `IDEALOOP_TIMEZONE`, as before.

`boards`: a channel's idea board (`/brainstorm board`), the channel canvas idealoop keeps
with the week's top approved ideas and the open decisions; one per channel.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("owner_tz", sa.String(64), nullable=True))
    op.add_column("decisions", sa.Column("remind_at", sa.DateTime(timezone=True),
                                         nullable=True))
    op.create_index("ix_decisions_remind_at", "decisions", ["status", "remind_at"])
    op.create_table(
        "boards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team", sa.String(32), nullable=False, server_default=""),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("canvas_id", sa.String(32), nullable=True),
        sa.Column("shown", sa.String(64), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused", sa.String(64), nullable=True),
        sa.UniqueConstraint("team", "channel", name="uq_boards_channel"),
    )


def downgrade() -> None:
    op.drop_table("boards")
    op.drop_index("ix_decisions_remind_at", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("remind_at")
        batch.drop_column("owner_tz")
