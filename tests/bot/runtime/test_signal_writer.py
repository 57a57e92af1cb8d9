"""The signal writer: one thread storing reaction changes in batches, losing none."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.errors import NotSaved
from bot.runtime.signal_writer import SignalWriter
from storage.brainstorms import NewBrainstorm
from storage.db import make_engine
from storage.signals import ReactionChange
from storage.stores import Stores
from testkit.databases import signals_locked
from testkit.processes import free_port
from testkit.queries import score_of
from testkit.waiting import eventually

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def saved_ideas(stores: Stores, count: int) -> list[int]:
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel="C1", requester="U1", topic="standups", model="m",
        ideas=[f"idea {n}" for n in range(count)], header_ts="100.000001"))
    for n, item_id in enumerate(saved.item_ids, start=2):
        stores.brainstorms.mark_posted(item_id, f"100.{n:06d}")
    return saved.item_ids


def change(item: int, user: str, event_us: int, *, active: bool = True) -> ReactionChange:
    return ReactionChange(item_id=item, user_id=user, emoji="+1", polarity=1, active=active,
                          event_us=event_us, at=AT)


def submit_approvals(writer: SignalWriter, items: list[int], count: int) -> None:
    """`count` people's 👍, each on one of `items` in turn."""
    for n in range(count):
        writer.submit(change(items[n % len(items)], f"U{n}", n + 1))


def test_the_signal_writer_stores_everything_it_is_given(stores: Stores) -> None:
    items = saved_ideas(stores, 5)
    writer = SignalWriter(stores.signals, max_batch=50)
    try:
        submit_approvals(writer, items, 400)
        assert writer.wait_idle(timeout=20)
    finally:
        writer.close()
    assert sum(score_of(stores, item)["approvals"] for item in items) == 400


def test_two_writers_store_everything_and_both_stop_at_once(stores: Stores) -> None:
    """PostgreSQL's two writers (`SignalStore.writers`), here on either database: every
    change is stored, and `close` stops both (each takes one stop, however the queue
    is split between them)."""
    items = saved_ideas(stores, 5)
    writer = SignalWriter(stores.signals, max_batch=7, writers=2)
    try:
        submit_approvals(writer, items, 300)
        assert writer.wait_idle(timeout=20)
    finally:
        writer.close(timeout=5)
    assert not any(thread.is_alive() for thread in writer._threads)
    assert sum(score_of(stores, item)["approvals"] for item in items) == 300


def test_one_change_the_database_refuses_does_not_sink_its_batch(stores: Stores) -> None:
    """The listener validates reactions first; this is the net behind it: a change the
    database itself refuses (here a lone surrogate, which no driver can encode) fails
    alone, and the rest of its batch is committed."""
    items = saved_ideas(stores, 5)
    writer = SignalWriter(stores.signals, max_batch=500)
    try:
        tickets = [writer.submit(change(items[n % 5], "U\ud800" if n == 200 else f"U{n}",
                                        n + 1)) for n in range(400)]
        assert writer.wait_idle(timeout=20)
    finally:
        writer.close()
    failed = [n for n, ticket in enumerate(tickets) if ticket.error is not None]
    assert failed == [200] and all(ticket.done.is_set() for ticket in tickets)
    assert sum(score_of(stores, item)["approvals"] for item in items) == 399


def test_duplicates_in_a_batch_collapse_to_the_newest(stores: Stores, db_url: str) -> None:
    """Four changes of one person's reaction queue up while the table is locked, and are
    written as one row: the newest. (PostgreSQL refuses one statement that upserts a row
    twice, so without the collapse the batch would fail and be retried row by row.)"""
    [item] = saved_ideas(stores, 1)
    rows_written: list[int] = []

    def count(conn: object, cursor: object, statement: str, parameters: object,
              context: object, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SIGNALS"):
            rows_written.append(len(parameters) if executemany else 1)  # type: ignore[arg-type]

    event.listen(stores.engine, "before_cursor_execute", count)
    writer = SignalWriter(stores.signals)
    try:
        with signals_locked(db_url):
            first = writer.submit(change(item, "U0", 1))  # taken alone; waits on the lock
            eventually(lambda: _taken(writer, first))
            tickets = [writer.submit(change(item, "U1", us, active=us % 2 == 1))
                       for us in (1, 4, 3, 2)]
        assert writer.wait_idle(timeout=20)
    finally:
        writer.close()
        event.remove(stores.engine, "before_cursor_execute", count)
    assert rows_written == [1, 1]
    assert all(ticket.error is None for ticket in [first, *tickets])
    assert score_of(stores, item)["approvals"] == 1  # U0's; U1's newest (4) removed theirs


def test_a_tie_in_a_batch_keeps_the_first_as_the_database_would(stores: Stores,
                                                                db_url: str) -> None:
    """Two changes of one signal with the same event time, queued in one batch: the
    first is stored, as writing them one after the other would keep it (a change
    replaces a stored one only when its event is newer)."""
    [item] = saved_ideas(stores, 1)
    writer = SignalWriter(stores.signals)
    try:
        with signals_locked(db_url):
            first = writer.submit(change(item, "U0", 1))  # taken alone; waits on the lock
            eventually(lambda: _taken(writer, first))
            tickets = [writer.submit(change(item, "U1", 5)),
                       writer.submit(change(item, "U1", 5, active=False))]
        assert writer.wait_idle(timeout=20)
    finally:
        writer.close()
    assert all(ticket.error is None for ticket in [first, *tickets])
    assert score_of(stores, item)["approvals"] == 2  # U0's and U1's first


def test_a_batch_is_one_statement_and_one_round_trip_on_postgresql(stores: Stores,
                                                                  db_url: str) -> None:
    """On PostgreSQL the sink writes a batch as one multi-row upsert in autocommit: no
    COMMIT (nor BEGIN) of its own (each was a round trip), one statement however many
    rows (a batch of 20 is 160 parameters), not psycopg's executemany. Duplicates given
    to the sink directly converge as applying them in order would: the newest event
    wins, a tie keeps the first."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite writes a batch in one BEGIN IMMEDIATE transaction")
    items = saved_ideas(stores, 5)
    statements: list[tuple[str, bool]] = []
    commits: list[object] = []
    event.listen(stores.engine, "before_cursor_execute",
                 lambda *args: statements.append((args[2], args[5])))
    event.listen(stores.engine, "commit", commits.append)
    with stores.signals.signal_sink() as sink:
        sink.apply([change(items[n % 5], f"U{n}", n + 1) for n in range(20)])
        sink.apply([change(items[0], "V", 5), change(items[0], "V", 7, active=False),
                    change(items[0], "V", 6), change(items[1], "W", 3),
                    change(items[1], "W", 3, active=False)])
    inserts = [many for sql, many in statements if sql.startswith("INSERT INTO signals")]
    assert inserts == [False, False] and not commits  # not executemany; autocommit
    assert sum(score_of(stores, item)["approvals"] for item in items) == 21  # 20 and W's
    assert score_of(stores, items[0])["approvals"] == 4  # V's newest (7) removed theirs


def test_a_dropped_connection_is_written_again_and_a_batch_sent_twice_changes_nothing(
        stores: Stores, db_url: str) -> None:
    """The sink's connection (PostgreSQL, autocommit) is ended by the server between
    batches: the next batch fails on it and is written again, once, on a new
    connection. A drop in the middle of a statement leaves unknown whether it
    committed, and the batch is written again then too, or Slack re-delivers it: a
    batch sent twice, or an older change arriving again, changes nothing."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to end a connection")
    [item] = saved_ideas(stores, 1)
    engine = make_engine(db_url)
    with stores.signals.signal_sink() as sink:
        sink.apply([change(item, "U1", 1)])
        with engine.connect() as admin:
            ended = admin.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND starts_with(query, 'INSERT INTO signals')").scalars().all()
        assert ended == [True]
        batch = [change(item, "U2", 2), change(item, "U1", 3, active=False)]
        sink.apply(batch)
        sink.apply(batch)
        sink.apply([change(item, "U1", 1)])
    engine.dispose()
    assert score_of(stores, item)["approvals"] == 1  # U2's; U1 took theirs back


def test_an_unavailable_database_fails_the_batch_at_once(tmp_path: Path) -> None:
    stores = Stores.open(make_engine(
        f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2"))
    writer = SignalWriter(stores.signals)
    try:
        with pytest.raises(NotSaved):
            writer.store_now(change(1, "U1", 1), timeout=10)
    finally:
        writer.close()
        stores.engine.dispose()


def test_a_full_queue_refuses_at_once(sqlite_url: str) -> None:
    """While another process holds SQLite's write lock, the writer waits; past the
    queue's bound, a new change is refused at once instead of waiting too."""
    stores = Stores.open(make_engine(sqlite_url))
    [item] = saved_ideas(stores, 1)
    writer = SignalWriter(stores.signals, max_queue=2)
    try:
        with signals_locked(sqlite_url):
            first = writer.submit(change(item, "U1", 1))  # taken by the writer, which waits
            eventually(lambda: _taken(writer, first))
            writer.submit(change(item, "U2", 2))
            writer.submit(change(item, "U3", 3))
            with pytest.raises(NotSaved):
                writer.submit(change(item, "U4", 4))
    finally:
        writer.close()
        stores.engine.dispose()
    assert score_of(stores, item)["approvals"] == 3


def _taken(writer: SignalWriter, ticket: object) -> None:
    assert writer.queued == 0
