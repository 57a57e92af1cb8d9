"""Throw-away PostgreSQL databases, migrated to head, for tests and benchmarks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.db import make_engine, upgrade
from storage.models import Base


@contextmanager
def scratch_database(admin_url: str, prefix: str = "idealoop_scratch") -> Iterator[str]:
    """Create a database next to `admin_url`'s, migrate it, yield its URL, drop it after
    (even while connections are still open). Connection errors surface on entry."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def empty_all_tables(engine: Engine) -> None:
    """Remove every row from every idealoop table (tests reuse one scratch database).

    The table list comes from the models, so a new table is emptied without anyone
    remembering to add it here."""
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
