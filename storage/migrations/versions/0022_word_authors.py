"""Whose words a row reworks when they are not its requester's: a message shortcut used
on someone else's message ("Get feedback on this", "Polish this", "Brainstorm from this")
stores that person's words, or the model's rework of them, under the person who asked.
`items.author` and `brainstorms.author` keep the Slack id of the message's author, so
that their "forget me" finds those words (`storage.privacy`); rows saved before it keep
their words until retention purges them (docs/configuration.md: what forgetting reaches).

A polished text is first shown only to the person who asked, in an ephemeral message: it
is saved under that message's ts. Once they post it in the thread, `items.ts` becomes the
posted message's (reactions and feedback clicks on it count for it) and
`items.private_ts` keeps the ephemeral one, which its [Post in thread] button names.
`items.post_until` is the claim of the one click, in whichever process, that posts it
(seconds of the database's clock): a click finding it unexpired posts nothing.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("author", sa.String(32), nullable=True))
    op.add_column("brainstorms", sa.Column("author", sa.String(32), nullable=True))
    op.add_column("items", sa.Column("private_ts", sa.String(32), nullable=True))
    op.add_column("items", sa.Column("post_until", sa.Float(), nullable=True))
    op.create_index("ix_items_author", "items", ["author"])
    op.create_index("ix_brainstorms_author", "brainstorms", ["author"])


def downgrade() -> None:
    op.drop_index("ix_brainstorms_author", table_name="brainstorms")
    op.drop_index("ix_items_author", table_name="items")
    with op.batch_alter_table("brainstorms") as batch:
        batch.drop_column("author")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("post_until")
        batch.drop_column("private_ts")
        batch.drop_column("author")
