"""A worker's LISTEN connection on PostgreSQL, when it breaks or cannot wait: it is opened
again after a pause, not in a busy loop; a driver without `notifies(timeout=)` leaves
the worker polling, said once."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from storage import wakeups as wakeups_module
from storage.db import make_engine
from storage.wakeups import CHANNEL
from storage.work import NewWork, WorkStore
from testkit.databases import empty_all_tables
from testkit.waiting import eventually


@pytest.fixture
def work(postgres_url: str) -> Iterator[WorkStore]:
    store = WorkStore(make_engine(postgres_url))
    empty_all_tables(store.engine)  # no work left by an earlier test on this database
    yield store
    store.engine.dispose()


def listening(engine: Engine) -> list[int]:
    """The backends LISTENing for work in this test's database, by pid."""
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND query = :listen"), {"listen": f"LISTEN {CHANNEL}"}).scalars())


def cut(engine: Engine, pid: int) -> None:
    """The server ends that connection (only our own backend on the shared server)."""
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()


def test_a_cut_listening_connection_is_opened_again_after_the_pause_not_at_once(
        work: WorkStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wakeups_module, "RECONNECT_PAUSE", 3600.0)
    wakeups = work.wakeups()
    try:
        assert wakeups.wait(0.1) is True  # a new connection: look once
        [first] = listening(work.engine)
        cut(work.engine, first)
        # However often the worker waits, no new connection within the pause: a server
        # that keeps cutting it costs one connection a pause, not a busy loop.
        for _ in range(20):
            assert wakeups.wait(0.05) is False
        assert listening(work.engine) == []
    finally:
        wakeups.close()

    monkeypatch.setattr(wakeups_module, "RECONNECT_PAUSE", 0.2)
    wakeups = work.wakeups()
    try:
        assert wakeups.wait(0.1) is True
        [first] = listening(work.engine)
        cut(work.engine, first)
        reconnected: list[bool] = []

        def listening_again() -> None:
            reconnected.append(wakeups.wait(0.1))
            again = listening(work.engine)
            assert len(again) == 1 and again != [first]

        eventually(listening_again, timeout=10, interval=0)
        assert reconnected[-1] is True  # a renewed connection looks once
        assert wakeups.wait(0.2) is False
    finally:
        wakeups.close()


def old_notifies(self: psycopg.Connection[object]) -> Iterator[psycopg.Notify]:
    """psycopg 3.1's `Connection.notifies`, which takes no timeout (3.2 added it)."""
    yield from ()


def test_a_psycopg_that_cannot_wait_for_notices_leaves_the_worker_polling_said_once(
        work: WorkStore, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(psycopg.Connection, "notifies", old_notifies)
    wakeups = work.wakeups()
    try:
        with caplog.at_level(logging.WARNING, logger="storage.wakeups"):
            assert wakeups.wait(0.1) is True  # connected: look once
            assert wakeups.wait(0.1) is True  # cannot wait: look once more, then poll
            for _ in range(3):
                assert wakeups.wait(0.6) is False  # nothing stored, no busy loop
            assert listening(work.engine) == []
            stored = work.accept(NewWork(kind="brainstorm", delivery_key="command:poll",
                                         channel="C1", user_id="U1", request={}),
                                 owner=None, lease=30)
            assert stored is not None
            assert wakeups.wait(5.0) is True  # seen by looking
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "cannot wait for notices" in warnings[0]
    finally:
        wakeups.close()
