"""Throw-away databases, migrated to head, for tests and benchmarks.

PostgreSQL databases are created next to an admin URL's database and dropped afterwards,
even while connections are still open; SQLite ones live in a temporary directory.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from storage.db import make_engine, upgrade
from storage.models import Base


def migrate(url: str) -> str:
    """Apply every migration to the database at `url`; `url` again, for chaining."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url


@contextlib.contextmanager
def sqlite_database(prefix: str = "idealoop-scratch-") -> Iterator[str]:
    """A migrated SQLite database in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield migrate(f"sqlite:///{Path(tmp) / 'scratch.db'}")


@contextlib.contextmanager
def scratch_database(admin_url: str, prefix: str = "idealoop_scratch", *,
                     migrated: bool = True) -> Iterator[str]:
    """Create a PostgreSQL database next to `admin_url`'s, migrate it (unless not
    `migrated`: left empty), yield its URL, drop it after (even while connections are
    still open). Connection errors surface on entry."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(admin_url).set(database=name).render_as_string(
                hide_password=False)
            yield migrate(url) if migrated else url
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_available(admin_url: str) -> bool:
    """True when a PostgreSQL server answers at `admin_url` within a few seconds."""
    try:
        engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
        return True
    except Exception:
        return False


def empty_all_tables(engine: Engine) -> None:
    """Remove every row from every table but Alembic's (tests reuse one scratch database).

    The table list comes from the database itself, so a new table — a model's, or one of
    slack_sdk's OAuth stores — is emptied without anyone remembering to add it here."""
    tables = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
    names = ", ".join(f'"{name}"' for name in tables or
                      [table.name for table in Base.metadata.sorted_tables])
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@contextlib.contextmanager
def signals_locked(url: str) -> Iterator[None]:
    """Writes to the signals table wait while inside: another connection holds the lock
    they need (on SQLite, the whole database's write lock)."""
    if url.startswith("sqlite"):
        blocker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            conn.exec_driver_sql("LOCK TABLE signals IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                transaction.rollback()
    finally:
        engine.dispose()
