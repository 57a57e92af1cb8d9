"""Throw-away databases, migrated to head, for tests and benchmarks.

PostgreSQL databases are created next to an admin URL's database and dropped afterwards,
even while connections are still open; SQLite ones live in a temporary directory.

Migrating costs a test far more than the test itself (19 revisions: about 0.2 s of CPU on
SQLite), so the suite migrates once per session: SQLite tests get a copy of one migrated
file (`MigratedSqlite`), PostgreSQL tests share one migrated database that
`empty_all_tables` resets between them.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.db import make_engine, upgrade


def migrate(url: str) -> str:
    """Apply every migration to the database at `url`; `url` again, for chaining."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url


class MigratedSqlite:
    """One SQLite file migrated to head, copied for each test that needs a fresh database:
    a copy is what migrating would have written, in a millisecond instead of a migration."""

    def __init__(self, path: Path) -> None:
        migrate(f"sqlite:///{path}")
        # Everything in the main file, no write-ahead log beside it: a copy of the one
        # file is then the whole database (the file stays in WAL mode, as migrated).
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.path = path

    def copy(self, path: Path) -> str:
        """A migrated, empty database at `path`; its URL. A database already at `path`
        (one another fixture of the same test made there) is kept and shared, as
        migrating it again would have done."""
        if not path.exists():
            shutil.copyfile(self.path, path)
        return f"sqlite:///{path}"


@contextlib.contextmanager
def sqlite_database(prefix: str = "idealoop-scratch-") -> Iterator[str]:
    """A migrated SQLite database in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield migrate(f"sqlite:///{Path(tmp) / 'scratch.db'}")


@contextlib.contextmanager
def scratch_database(admin_url: str, prefix: str = "idealoop_scratch", *,
                     migrated: bool = True, durable: bool = True) -> Iterator[str]:
    """Create a PostgreSQL database next to `admin_url`'s, migrate it (unless not
    `migrated`: left empty), yield its URL, drop it after (even while connections are
    still open). Connection errors surface on entry.

    Not `durable`: a commit returns before its WAL is flushed to disk
    (`synchronous_commit = off`), two to three times faster for the many small
    transactions of a test. What other sessions see, and when, is unchanged; only a
    crash of the server itself could lose the last commits, and the tests that crash a
    server run a cluster of their own (`testkit.pg_cluster`)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            if not durable:
                conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
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
    """Put a PostgreSQL database back as migrating left it (tests reuse one scratch
    database): every table but Alembic's empty, every sequence restarted.

    The tables and sequences come from the database itself, so a new table — a model's,
    or one of slack_sdk's OAuth stores (`slack_*`) — is reset without anyone remembering
    to add it here. Only those a test touched are reset: truncating all of them costs
    about 0.6 s, finding the few with rows a few milliseconds. A sequence counts as
    touched once it handed out a value, even for a row rolled back or deleted since."""
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'")).scalars().all()
        probes = " UNION ALL ".join(
            f"SELECT CAST(:t{n} AS text) WHERE EXISTS (SELECT 1 FROM {quoted(table)})"
            for n, table in enumerate(tables))
        with_rows = conn.execute(text(probes), {f"t{n}": table
                                                for n, table in enumerate(tables)}
                                 ).scalars().all() if tables else []
        used_sequences = conn.execute(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() "
            "AND last_value IS NOT NULL")).scalars().all()
        if with_rows:
            conn.execute(text(f"TRUNCATE {', '.join(map(quoted, with_rows))} CASCADE"))
        for sequence in used_sequences:
            conn.execute(text(f"ALTER SEQUENCE {quoted(sequence)} RESTART"))


def quoted(name: str) -> str:
    """`name` as a PostgreSQL identifier, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


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
