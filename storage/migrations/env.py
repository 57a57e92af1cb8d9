"""Alembic environment: runs against the engine idealoop passes in (never a URL in an ini)."""

from __future__ import annotations

from alembic import context

from storage.db import WRITE
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect().execution_options(**WRITE) as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("idealoop migrations run online only: use `idealoop db upgrade`")
run_migrations_online()
