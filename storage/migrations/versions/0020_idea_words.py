"""Ideas keep their normal form and content words (`items.idea_form`, `idea_words`,
`words_version`), worked out when an idea is saved: the rejection filter reads them with
the rejected ideas instead of stemming every one in each brainstorm.

The rule that makes them lives in the app (`bot.llm.similarity.kept_words`), and storage
does not import the app. So the app hands it in (`storage.db.upgrade(engine,
idea_words=…)`, as `idealoop db upgrade` and `serve` do) and existing ideas are filled in
here, `BATCH` at a time. Run without it (Alembic alone), the columns stay empty and each
rejected idea's are worked out and saved the first time the filter reads it, as for a
version that changed. Purged ideas are left empty: their text is gone.

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

BATCH = 1_000  # ideas read, worked out and written back per statement


def upgrade() -> None:
    op.add_column("items", sa.Column("idea_form", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("idea_words", sa.Text(), nullable=True))
    op.add_column("items", sa.Column("words_version", sa.SmallInteger(), nullable=True))
    config = op.get_context().config
    words_of = config.attributes.get("idea_words") if config is not None else None
    if words_of is not None:
        _backfill(words_of)


def _backfill(words_of: object) -> None:
    """Fill in every unpurged idea's words, in batches of `BATCH` by id."""
    assert callable(words_of)
    items = sa.table("items", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                     sa.column("text", sa.Text), sa.column("purged_at", sa.DateTime),
                     sa.column("idea_form", sa.Text), sa.column("idea_words", sa.Text),
                     sa.column("words_version", sa.SmallInteger))
    write = (items.update().where(items.c.id == sa.bindparam("item_id"))
             .values(idea_form=sa.bindparam("form"), idea_words=sa.bindparam("words"),
                     words_version=sa.bindparam("version")))
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(sa.select(items.c.id, items.c.text)
                            .where(items.c.kind == "idea", items.c.purged_at.is_(None),
                                   items.c.id > after)
                            .order_by(items.c.id).limit(BATCH)).all()
        if not rows:
            return
        kept = [(row.id, words_of(row.text)) for row in rows]
        conn.execute(write, [{"item_id": item_id, "form": words.form, "words": words.words,
                              "version": words.version} for item_id, words in kept])
        after = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("words_version")
        batch.drop_column("idea_words")
        batch.drop_column("idea_form")
