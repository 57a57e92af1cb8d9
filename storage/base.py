"""What every repository shares: transactions, the SQLite write lock, dialect INSERTs."""

from __future__ import annotations

import copy
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, Self

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    SQLAlchemyError,
)
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from storage.db import WRITE
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
_ENGINE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_ENGINE_LOCKS_GUARD = threading.Lock()


Clock = Callable[[], datetime]  # what "now" means: the emulator and tests move it


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime. SQLite keeps no zone and hands back naive
    datetimes (idealoop stores UTC); PostgreSQL hands back aware ones. Every datetime a
    store returns goes through this, so callers never see a naive one."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _is_lock_error(exc: BaseException) -> bool:
    """SQLite's "database is locked": worth retrying, unlike every other failure."""
    cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) else exc
    text = str(cause).lower()
    return isinstance(cause, OperationalError) and ("locked" in text or "busy" in text)


def unavailable(exc: BaseException) -> bool:
    """True when `exc` means the database cannot do its part now (down, unreachable,
    read-only, locked, out of space), as opposed to an error in the data or the code."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # PostgreSQL's class 25 (invalid transaction state) includes a read-only database.
    return isinstance(exc, InternalError) and str(getattr(exc.orig, "sqlstate", "")) \
        .startswith("25")


retry_locked = retry(
    retry=retry_if_exception(_is_lock_error),
    stop=stop_after_attempt(5),
    wait=wait_random_exponential(multiplier=0.05, max=1.0),
    reraise=True,
)


def _write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """SQLite allows one writer at a time, and its busy handler waits in growing sleeps
    (up to 100 ms each) rather than waking when the lock frees. Queueing this process's
    writers on one Python lock per engine hands the write lock over in microseconds; the
    busy timeout still covers writers in other processes. PostgreSQL needs none."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _ENGINE_LOCKS_GUARD:
        return _ENGINE_LOCKS.setdefault(engine, threading.Lock())


@contextmanager
def translated() -> Iterator[None]:
    """Database outages become `DatabaseUnavailable`, with the driver's error as cause."""
    try:
        yield
    except SQLAlchemyError as exc:
        if unavailable(exc):
            raise DatabaseUnavailable(str(exc).splitlines()[0]) from exc
        raise


def db_now(dialect: str) -> Any:
    """The database's own clock in seconds since the epoch, as an SQL expression.

    Leases compare against this clock, not the hosts': two processes on hosts whose clocks
    disagree still agree on when a lease ran out."""
    if dialect == "postgresql":
        return func.extract("epoch", func.clock_timestamp())
    return (func.julianday("now") - 2440587.5) * 86400.0


class Repository:
    """Base of the repositories: one engine, one clock, short transactions, and the
    workspace (`team`, Slack's team id) whose rows it reads and writes. "" is the team of
    rows from before workspaces were recorded (`WorkspaceStore.adopt_unowned`)."""

    def __init__(self, engine: Engine, *, clock: Clock = utcnow, team: str = "") -> None:
        self.engine = engine
        self.clock = clock
        self.team = team
        self._write_lock = _write_lock(engine)

    def for_team(self, team: str) -> Self:
        """This repository, for the rows of workspace `team` (engine and caches shared)."""
        scoped = copy.copy(self)
        scoped.team = team
        return scoped

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query (health checks)."""
        with self._read() as conn:
            conn.execute(select(1))

    def _in(self, table: Any, channel: str) -> Any:
        """The condition for a row of `channel` in this repository's workspace."""
        return and_(table.team == self.team, table.channel == channel)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with translated(), self._write_lock, \
                self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with translated(), self.engine.connect() as conn, conn.begin():
            yield conn

    def _insert(self, table: Any) -> Any:
        """A dialect-specific INSERT that supports ON CONFLICT."""
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            return postgresql.insert(table)
        if dialect == "sqlite":
            return sqlite.insert(table)
        raise NotImplementedError(f"idealoop supports SQLite and PostgreSQL, not {dialect}")


def already_saved(exc: IntegrityError, constraint: str) -> None:
    """A second save of the same message hit its unique key `constraint`: the first one
    stands (an attempt that lost its lease got there first). Any other integrity error is
    a defect, and raised."""
    detail = str(exc.orig or exc)
    table, columns = _UNIQUE_KEYS[constraint]
    if constraint not in detail and f"UNIQUE constraint failed: {columns}" not in detail:
        raise exc
    log.info("a %s row was already saved under the same key; the first one stands", table)


# PostgreSQL names the constraint; SQLite names the columns.
_UNIQUE_KEYS = {
    "uq_brainstorms_channel_header": (
        "brainstorms", "brainstorms.team, brainstorms.channel, brainstorms.header_ts"),
    "uq_items_channel_ts": ("items", "items.team, items.channel, items.ts"),
}
