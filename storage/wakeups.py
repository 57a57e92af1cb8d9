"""Telling worker processes that work is waiting, the moment it is stored.

PostgreSQL: the transaction that stores a work row nobody holds yet (or gives one back)
also runs `pg_notify` on `CHANNEL` (`notify`), so the notice leaves only if the row is
committed; a worker process `LISTEN`s on a connection of its own (`WorkWakeups`) and
wakes at once. A notice is a hint, never the work: a worker that wakes still claims
a row by lease (`storage.work.WorkStore.claim_next`), and one whose connection broke
(a notice lost) finds the work at its next fallback look.

SQLite has no notices: `WorkWakeups` looks for claimable work with one indexed read
every `SQLITE_POLL` seconds (a read never waits for the writer in WAL mode), and only
then does the worker take the write lock to claim it.

A listening connection that broke is opened again after `RECONNECT_PAUSE`, not at once
(a server that keeps cutting it costs one connection a pause, no busy loop); a driver
that cannot wait for notices (psycopg before 3.2 has no `notifies(timeout=)`) leaves
the worker looking every `POLL_WITHOUT_NOTICES` seconds instead, said once in the log.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

CHANNEL = "idealoop_work"
SQLITE_POLL = 0.05  # seconds between two looks for work on SQLite
LISTEN_SLICE = 0.5  # the longest one wait on the connection, so a stop is seen soon
RECONNECT_PAUSE = 1.0  # seconds before listening again after the connection broke
POLL_WITHOUT_NOTICES = 0.5  # seconds between two looks on PostgreSQL when it cannot listen


def notify(conn: Connection) -> None:
    """In the caller's transaction: wake the listening workers when it commits. Nothing
    on SQLite (the workers look)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


class WorkWakeups:
    """What a worker process waits on between two looks for work: `wait(seconds)` returns
    True as soon as work may be waiting (a notice, or claimable work seen on SQLite), or
    False after `seconds` with nothing heard (then the worker looks anyway: the fallback
    poll). Used by one thread; `close()` from any (the connection is closed by the
    waiting thread, within `LISTEN_SLICE`)."""

    def __init__(self, engine: Engine, claimable: Callable[[], bool]) -> None:
        self.engine = engine
        self.claimable = claimable
        self._conn: Any = None
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._waiting = False
        self.postgres = engine.dialect.name == "postgresql"
        self._listening = self.postgres  # False once it turned out it cannot
        self._retry_at = 0.0  # monotonic time before which no connection is opened

    def wait(self, seconds: float) -> bool:
        with self._lock:
            self._waiting = True
        try:
            return self._wait(seconds)
        finally:
            with self._lock:
                self._waiting = False
                if self._closed.is_set():
                    self._drop()

    def _wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + max(0.0, seconds)
        while not self._closed.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self._listening:
                heard = self._listen(min(left, LISTEN_SLICE))
            else:
                self._closed.wait(min(left, POLL_WITHOUT_NOTICES if self.postgres
                                      else SQLITE_POLL))
                heard = self._look()
            if heard:
                return True
        return False

    def _look(self) -> bool:
        try:
            return self.claimable()
        except Exception as exc:  # the database may be away: the next look tries again
            log.debug("looking for work failed: %s", type(exc).__name__)
            return False

    def _listen(self, seconds: float) -> bool:
        """Wait up to `seconds` for a notice. A new (or renewed) connection counts as one:
        whatever was stored while nobody listened is looked for at once."""
        if self._conn is None:
            paused = self._retry_at - time.monotonic()
            if paused > 0:  # it broke a moment ago: not at once again
                self._closed.wait(min(seconds, paused))
                return False
            try:
                self._conn = self._connect()
            except Exception as exc:
                log.warning("cannot listen for new work (%s); looking every few seconds",
                            type(exc).__name__)
                self._retry_at = time.monotonic() + RECONNECT_PAUSE
                return False
            return True
        try:
            heard = False
            for _notice in self._conn.notifies(timeout=seconds, stop_after=1):
                heard = True
            return heard
        except (TypeError, AttributeError) as exc:  # psycopg < 3.2: no waiting for notices
            log.warning("cannot wait for notices of new work with this psycopg (%s); "
                        "looking every %s s instead", type(exc).__name__,
                        POLL_WITHOUT_NOTICES)
            self._listening = False
            self._drop()
            return True  # look once now
        except Exception as exc:  # the connection broke: open another after a pause
            if not self._closed.is_set():
                log.warning("the connection listening for new work broke (%s)",
                            type(exc).__name__)
            self._drop()
            self._retry_at = time.monotonic() + RECONNECT_PAUSE
            return False

    def _connect(self) -> Any:
        """A connection of its own (not the pool's: it is held for good), in autocommit,
        listening on `CHANNEL`."""
        import psycopg

        args, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
        conn = psycopg.connect(*args, **{**kwargs, "autocommit": True})
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if not self._waiting:  # else the waiting thread closes it on its way out
                self._drop()
