"""What every repository shares: transactions, the SQLite write lock, dialect INSERTs."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from storage.db import WRITE

_ENGINE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_ENGINE_LOCKS_GUARD = threading.Lock()


Clock = Callable[[], datetime]  # what "now" means: the emulator and tests move it


def utcnow() -> datetime:
    return datetime.now(UTC)


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


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


class Repository:
    """Base of the repositories: one engine, one clock, short transactions."""

    def __init__(self, engine: Engine, *, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._write_lock = _write_lock(engine)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.connect().execution_options(**WRITE) as conn, \
                conn.begin():
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _insert(self, table: Any) -> Any:
        """A dialect-specific INSERT that supports ON CONFLICT."""
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            return postgresql.insert(table)
        if dialect == "sqlite":
            return sqlite.insert(table)
        raise NotImplementedError(f"idealoop supports SQLite and PostgreSQL, not {dialect}")
