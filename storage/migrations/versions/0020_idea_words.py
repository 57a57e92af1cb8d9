"""Ideas keep their normal form and content words (`items.idea_form`, `idea_words`,
`words_version`), worked out when an idea is saved: the rejection filter reads them with
the rejected ideas instead of stemming every one in each brainstorm.

The columns start empty: each rejected idea's words are worked out from its text (by the
app's rule, `bot.llm.similarity.kept_words`) and saved back the first time the filter
reads it, as for words of a version that changed (`storage.idea_words`). The migration
fills in no row: on PostgreSQL that would hold `items` locked for the whole of a large
table inside the migration's transaction. Purged ideas stay empty: their text is gone.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("idea_form", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("idea_words", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("words_version", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("words_version")
        batch.drop_column("idea_words")
        batch.drop_column("idea_form")
