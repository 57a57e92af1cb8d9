"""Signals: reactions and button clicks on posted items. Every SQL statement about them.

Each change is an upsert guarded by the Slack event time, so retries, duplicates and
out-of-order deliveries of added/removed converge on the newest event.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case, select, true, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from storage.base import Clock, Repository, retry_locked, translated, utcnow
from storage.db import WRITE
from storage.models import Item, Signal


@dataclass(frozen=True)
class ItemRef:
    """Enough about a posted item to attach a reaction to it."""

    id: int
    kind: str
    channel: str
    ts: str

@dataclass(frozen=True)
class ReactionChange:
    """A `reaction_added` (active=True) or `reaction_removed` (active=False) on an item."""

    item_id: int
    user_id: str
    emoji: str
    polarity: int
    active: bool
    event_us: int
    at: datetime


@dataclass(frozen=True)
class ButtonClick:
    """A click on one of an item's buttons, as a signal named `button`."""

    item_id: int
    user_id: str
    button: str  # stored as the signal's emoji: "button:up", "button:down", …
    polarity: int
    event_us: int  # Slack's action_ts: orders clicks, and makes a re-delivery a no-op
    at: datetime
    toggles: bool = True  # a second click takes it back ("Draft this" does not)
    exclusive: tuple[str, ...] = ()  # buttons this one turns off


ITEM_CACHE_SIZE = 10_000  # items remembered by `item_at`


class SignalStore(Repository):
    """The reactions and clicks people give posted items, and the items they attach to."""

    def __init__(self, engine: Engine, *, clock: Clock = utcnow, team: str = "") -> None:
        super().__init__(engine, clock=clock, team=team)
        self._items: OrderedDict[tuple[str, str, str], ItemRef] = OrderedDict()
        self._items_lock = threading.Lock()

    def item_at(self, channel: str, ts: str) -> ItemRef | None:
        """The item posted as message `ts` in `channel`, if the bot posted one there.

        Found items are remembered (a bounded LRU): an item's message never changes (but
        once: a polished text shown privately, which nobody can react to, moves to the
        message it is posted as), and every reaction asks. Misses are not remembered, as
        the item may be posted next.
        """
        key = (self.team, channel, ts)
        with self._items_lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        with self._read() as conn:
            row = conn.execute(
                select(Item.id, Item.kind, Item.channel, Item.ts).where(
                    self._in(Item, channel), Item.ts == ts
                )
            ).first()
        if row is None:
            return None
        item = ItemRef(row.id, row.kind, row.channel, row.ts)
        with self._items_lock:
            self._items[key] = item
            if len(self._items) > ITEM_CACHE_SIZE:
                self._items.popitem(last=False)
        return item

    @retry_locked
    def apply_reactions(self, changes: Sequence[ReactionChange]) -> None:
        """Apply reaction changes in one transaction, each unless a newer change for the
        same person, item and emoji is already stored.

        One statement per change (`INSERT … ON CONFLICT DO UPDATE … WHERE older`) makes this
        atomic across threads and processes: retries, duplicates and out-of-order
        deliveries of added/removed all converge on the state of the newest event. Within
        the batch, changes to the same signal apply in order and the newest still wins."""
        if not changes:
            return
        with self._write() as conn:
            conn.execute(self._upsert_signal_many, [_signal_values(c) for c in changes])

    @property
    def writers(self) -> int:
        """How many sinks can usefully commit signals at once: SQLite has one writer at a
        time; on PostgreSQL a second commit is sent while the first waits for its WAL
        flush (a commit there is mostly that wait), and the two are flushed together."""
        return 1 if self.engine.dialect.name == "sqlite" else 2

    @contextmanager
    def signal_sink(self) -> Iterator[SignalSink]:
        """A connection of its own for the thread that writes signals (see `SignalSink`)."""
        sink = SignalSink(self)
        try:
            yield sink
        finally:
            sink.close()

    @cached_property
    def _upsert_signal_many(self) -> Any:
        """The statement behind `apply_reactions`, built once: it runs for every reaction,
        and building it (not compiling: SQLAlchemy caches that) was a third of its cost."""
        stmt = self._insert(Signal).values(
            {name: bindparam(name) for name in (
                "item_id", "user_id", "emoji", "polarity", "active", "event_us", "added_at",
                "removed_at")}
        )
        excluded = stmt.excluded
        return stmt.on_conflict_do_update(
            index_elements=["item_id", "user_id", "emoji"],
            set_={
                "polarity": excluded.polarity,
                "active": excluded.active,
                "event_us": excluded.event_us,
                "removed_at": excluded.removed_at,
                "added_at": case((excluded.active, excluded.added_at), else_=Signal.added_at),
            },
            where=Signal.event_us < excluded.event_us,
        )

    @retry_locked
    def click(self, click: ButtonClick) -> bool:
        """Apply a click on a message's buttons, once: the clicked signal is turned on,
        or off when it was on (a second click takes it back); the buttons named in
        `exclusive` are turned off (👍 and 👎 exclude each other). A delivery no newer
        than the last click on that signal changes nothing. True when the clicked signal
        is on afterwards."""
        with self._write() as conn:
            return apply_click(conn, self._insert(Signal), click)


def apply_click(conn: Connection, insert: Any, click: ButtonClick) -> bool:
    """`SignalStore.click` in the caller's transaction (`insert`: the dialect's INSERT of
    `Signal`, `Repository._insert`): a decision stores its approval with itself."""
    values = {"item_id": click.item_id, "user_id": click.user_id, "emoji": click.button,
              "polarity": click.polarity, "active": True, "event_us": click.event_us,
              "added_at": click.at, "removed_at": None, "source": "button"}
    stmt = insert.values(values)
    toggled = stmt.on_conflict_do_update(
        index_elements=["item_id", "user_id", "emoji"],
        set_={"active": ~Signal.active if click.toggles else true(),
              "event_us": stmt.excluded.event_us,
              "added_at": case((Signal.active, Signal.added_at), else_=stmt.excluded.added_at),
              "removed_at": case((Signal.active, stmt.excluded.added_at), else_=None)
              if click.toggles else None},
        where=Signal.event_us < stmt.excluded.event_us)
    conn.execute(toggled)
    if click.exclusive:
        conn.execute(
            update(Signal)
            .where(Signal.item_id == click.item_id, Signal.user_id == click.user_id,
                   Signal.emoji.in_(click.exclusive), Signal.active,
                   Signal.event_us < click.event_us)
            .values(active=False, event_us=click.event_us, removed_at=click.at))
    return bool(conn.execute(
        select(Signal.active).where(Signal.item_id == click.item_id,
                                    Signal.user_id == click.user_id,
                                    Signal.emoji == click.button)).scalar())


class SignalSink:
    """`SignalStore.apply_reactions` on one connection kept open between batches.

    The signal writer commits a small batch every few milliseconds under load; checking a
    connection out of the pool and back in for each was a fifth of its cost. The
    connection is dropped after a failure, and a new one is opened for the next batch.

    On PostgreSQL a batch is one statement in autocommit (`_upsert_rows_sql`): a single
    `INSERT … VALUES (…), (…) ON CONFLICT …` is atomic on its own, so BEGIN and COMMIT
    need no round trips of their own, and the rows travel in one message instead of
    psycopg's pipelined executemany. That was 3 round trips and about 620–920 µs of CPU
    per batch of 1–8; it is one round trip and about 260–350 µs now (measured with the
    sink alone on the bench's durable database). It returns after the commit's WAL flush
    (`synchronous_commit` on), so the ack still follows the commit.
    """

    def __init__(self, store: SignalStore) -> None:
        self.store = store
        self._conn: Connection | None = None
        dialect = store.engine.dialect
        self._one_statement = (dialect.name, dialect.driver) == ("postgresql", "psycopg")

    def apply(self, changes: Sequence[ReactionChange]) -> None:
        """Apply `changes` in one transaction (as `SignalStore.apply_reactions` does).
        Rows are written in key order, so two sinks committing at once (PostgreSQL,
        `SignalStore.writers`) take their row locks in the same order and never
        deadlock; a key in both waits for the first commit, then the newer event wins."""
        if not changes:
            return
        ordered = sorted(newest_per_key(changes).values(), key=signal_key)
        for attempt in (1, 2):  # a dropped connection is retried once, on a new one
            with translated(), self.store._write_lock:
                conn = self._connection()
                try:
                    if self._one_statement:
                        conn.exec_driver_sql(_upsert_rows_sql(len(ordered)),
                                             _flat_params(ordered))
                    else:
                        with conn.begin():
                            conn.execute(self.store._upsert_signal_many,
                                         [_signal_values(change) for change in ordered])
                    return
                except SQLAlchemyError as exc:
                    self.close()
                    stale = isinstance(exc, DBAPIError) and exc.connection_invalidated
                    if attempt == 2 or not stale:
                        raise

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = self.store.engine.connect()
            if self._one_statement:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                # The connection is the sink's alone until it closes, outside the pool, so
                # its cursors can be psycopg's raw ones: `$n` placeholders sent as they are.
                # psycopg parses `%s` queries of over 50 parameters again on every run
                # (a batch of 7 or more), which cost more than the rest of the batch.
                conn.detach()
                from psycopg import RawCursor  # only here: psycopg is an optional driver

                conn.connection.dbapi_connection.cursor_factory = RawCursor  # type: ignore[union-attr]
            else:
                conn = conn.execution_options(**WRITE)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._conn.close()
            self._conn = None


_SIGNAL_COLUMNS = ("item_id", "user_id", "emoji", "polarity", "active", "event_us",
                   "added_at", "removed_at")


@functools.lru_cache(maxsize=1024)
def _upsert_rows_sql(rows: int) -> str:
    """PostgreSQL: the upsert of `SignalStore._upsert_signal_many` for `rows` rows in one
    statement (`$n` placeholders, for psycopg's raw cursor). Its text depends only on the
    number of rows, so psycopg prepares each size once it recurs (`prepare_threshold`). A multi-row
    `ON CONFLICT DO UPDATE` may not touch one row twice: `apply` collapses duplicates
    first, keeping what applying them in order would keep."""
    width = len(_SIGNAL_COLUMNS)
    values = ", ".join(
        "(" + ", ".join(f"${row * width + column}" for column in range(1, width + 1)) + ")"
        for row in range(rows))
    return (f"INSERT INTO {Signal.__tablename__} ({', '.join(_SIGNAL_COLUMNS)}) "
            f"VALUES {values} "
            "ON CONFLICT (item_id, user_id, emoji) DO UPDATE SET "
            "polarity = excluded.polarity, active = excluded.active, "
            "event_us = excluded.event_us, removed_at = excluded.removed_at, "
            "added_at = CASE WHEN excluded.active THEN excluded.added_at "
            f"ELSE {Signal.__tablename__}.added_at END "
            f"WHERE {Signal.__tablename__}.event_us < excluded.event_us")


def _flat_params(changes: Sequence[ReactionChange]) -> tuple[Any, ...]:
    """The values of `changes` in `_SIGNAL_COLUMNS` order, one row after another."""
    params: list[Any] = []
    for change in changes:
        params += (change.item_id, change.user_id, change.emoji, change.polarity,
                   change.active, change.event_us, change.at if change.active else None,
                   None if change.active else change.at)
    return tuple(params)


def newest_per_key(changes: Iterable[ReactionChange]
                   ) -> dict[tuple[int, str, str], ReactionChange]:
    """One change per signal (`signal_key`): the one that applying `changes` in order
    would leave stored (a later change wins only when its event is newer; a tie keeps
    the first)."""
    newest: dict[tuple[int, str, str], ReactionChange] = {}
    for change in changes:
        key = signal_key(change)
        kept = newest.get(key)
        if kept is None or change.event_us > kept.event_us:
            newest[key] = change
    return newest


def signal_key(change: ReactionChange) -> tuple[int, str, str]:
    """The signal a change is about: one person's emoji on one item."""
    return change.item_id, change.user_id, change.emoji


def _signal_values(change: ReactionChange) -> dict[str, Any]:
    return {
        "item_id": change.item_id, "user_id": change.user_id, "emoji": change.emoji,
        "polarity": change.polarity, "active": change.active, "event_us": change.event_us,
        "added_at": change.at if change.active else None,
        "removed_at": None if change.active else change.at,
    }

