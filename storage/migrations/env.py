"""Alembic environment: runs against the engine idealoop passes in (never a URL in an ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.db import WRITE
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect().execution_options(**WRITE) as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by rebuilding it (copy, drop, rename). With foreign
            # keys on, dropping a table others refer to fails, or cascades: rebuilding
            # `items` would delete every signal. So they are off while migrating (a pragma
            # that only works outside a transaction), and checked before the commit.
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration broke {len(broken)} references")
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    raise SystemExit("idealoop migrations run online only: use `idealoop db upgrade`")
run_migrations_online()
