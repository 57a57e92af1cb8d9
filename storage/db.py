"""Engines and migrations.

SQLite is the one-process default, so it is tuned for bursts of small writes from
many threads: WAL (readers never block the writer), `secure_delete` (removed text is
zeroed in the file; `storage.privacy` checkpoints the log after a purge), a busy
timeout, and write transactions that take the write lock up front (`BEGIN IMMEDIATE`) so two writers
queue on the busy timeout instead of deadlocking into "database is locked" when a
reader upgrades to a writer. PostgreSQL needs nothing special.

Every engine hides the bound parameters of a failed statement from its errors
(`hide_parameters`): they are people's words (ideas, topics, requests), and an error's
text reaches the log (`bot.runtime.log_format` also drops what the driver's own message quotes
of a row).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE = {"idealoop_write": True}


def for_writers(engine: Engine) -> Engine:
    """`engine` for code whose every transaction may write (slack_sdk's OAuth stores):
    on SQLite each one begins IMMEDIATE, waiting its turn, instead of failing with
    "database is locked" when a read turns into a write while another process writes."""
    return engine.execution_options(**WRITE)


class DatabaseUrlError(ValueError):
    """The database URL cannot be used: malformed, or its driver is not installed.

    The message never shows a password; the caller says which setting it came from."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url`, with the SQLite tuning above when it is SQLite; its
    errors never carry the statement's parameters."""
    kwargs.setdefault("hide_parameters", True)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(f"is not a valid database URL: {redact_url(url)}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, **kwargs)
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        hint = " (install idealoop[postgres])" if "postgres" in parsed.drivername else ""
        raise DatabaseUrlError(f"names an unavailable driver {parsed.drivername!r}{hint}") \
            from exc


def _sqlite_engine(url: Any, **kwargs: Any) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUrlError(f"names a folder that cannot be created ({folder}: "
                                   f"{exc.strerror or type(exc).__name__})") from None
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten text is zeroed in the file, not left in free space
        # (`storage.privacy`: what retention and "forget me" remove must be gone).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("idealoop_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # Alembic is only needed when migrating

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (what `idealoop db upgrade` does)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def is_current(engine: Engine) -> bool:
    """True when the database has every migration applied (nothing is changed)."""
    schema = revisions(engine)
    return schema.current == schema.heads


class Revisions(NamedTuple):
    """Where a database's schema is, and where this code's migrations end."""

    current: frozenset[str]  # the database's Alembic revisions; empty: no schema yet
    heads: frozenset[str]  # the code's latest revisions
    known: frozenset[str]  # every revision the code has (a database past them is newer)


def revisions(engine: Engine) -> Revisions:
    """Read the database's revisions (nothing is changed); a database that cannot be
    reached raises SQLAlchemy's error."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = frozenset(MigrationContext.configure(conn).get_current_heads())
    return Revisions(current, frozenset(script.get_heads()),
                     frozenset(revision.revision for revision in script.walk_revisions()))


def redact_url(url: str) -> str:
    """A URL safe for logs and error lines: the password is never shown."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1] if "@" in url else url
