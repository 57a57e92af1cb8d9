"""Digest cost as history grows: one channel-day's digest at 10k, 100k and 1M signals.

The day's content is the same at every size (100 items, 1,000 signals); only the
history behind it grows (10, 100, 1,000 days). A digest holds the items approved in its
period, so the query should cost about the same at every size: it reaches the day's
approvals through the signals' `added_at` index, their items by primary key and all of
their signals through (item_id, active). Prints the median time per size, the ratio to
the smallest, and the query plan at the largest.
BENCH_QUICK=1 stops at 100k signals.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.common import postgres_database
from storage.db import make_engine
from storage.models import Item, Signal
from storage.stores import Stores
from testkit.queries import top_items_plan

CHANNEL = "C0BENCH"
ITEMS_PER_DAY = 100
SIGNALS_PER_ITEM = 10
END = datetime(2026, 11, 1, tzinfo=UTC)
QUICK = os.environ.get("BENCH_QUICK") == "1"


def _seed_days(stores: Stores, first_day: int, last_day: int, rng: random.Random) -> None:
    """Items and signals for days [first_day, last_day) before END, in batches."""
    next_id = first_day * ITEMS_PER_DAY + 1
    with stores.engine.begin() as conn:
        for day in range(first_day, last_day):
            created = END - timedelta(days=day + 1)
            items, signals = [], []
            for n in range(ITEMS_PER_DAY):
                item_id = next_id
                next_id += 1
                at = created + timedelta(seconds=n * 60)
                items.append({"id": item_id, "kind": "idea", "text": f"idea {item_id}",
                              "channel": CHANNEL, "ts": f"{at.timestamp():.6f}",
                              "thread_ts": None, "position": n, "model": "bench",
                              "created_at": at})
                for user in range(SIGNALS_PER_ITEM):
                    roll = rng.random()
                    polarity = 1 if roll < 0.7 else (-1 if roll < 0.9 else 0)
                    signals.append({"item_id": item_id, "user_id": f"U{user:04d}",
                                    "emoji": "+1" if polarity == 1 else "-1",
                                    "polarity": polarity, "active": rng.random() > 0.05,
                                    "added_at": at, "removed_at": None,
                                    "event_us": int(at.timestamp() * 1e6) + user})
            conn.execute(insert(Item), items)
            conn.execute(insert(Signal), signals)


def _time_query(stores: Stores, repeats: int) -> float:
    since, until = END - timedelta(days=1), END
    stores.reports.approved_between(CHANNEL, since=since, until=until)  # warm the cache
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        stores.reports.approved_between(CHANNEL, since=since, until=until)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(quick: bool = QUICK) -> list[tuple[str, str]]:
    """Rows of (figure, value) for the benchmark table."""
    sizes = [10, 100] if quick else [10, 100, 1000]  # days of history
    rng = random.Random(7)
    rows: list[tuple[str, str]] = []
    with postgres_database() as url:
        stores = Stores.open(make_engine(url))
        try:
            _measure(stores, sizes, quick, rng, rows)
        finally:
            stores.engine.dispose()
    return rows


def _measure(stores: Stores, sizes: list[int], quick: bool, rng: random.Random,
             rows: list[tuple[str, str]]) -> None:
    """Grow the history size by size, timing the latest channel-day's digest query."""
    timings: list[tuple[int, float]] = []
    seeded = 0
    for days in sizes:
        _seed_days(stores, seeded, days, rng)
        seeded = days
        with stores.engine.connect() as conn:  # fresh statistics, as autovacuum would
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        timings.append((days * ITEMS_PER_DAY * SIGNALS_PER_ITEM,
                        _time_query(stores, 10 if quick else 30)))
    base = timings[0][1]
    print(f"digest cost (PostgreSQL, {os.cpu_count()} cores): one channel-day "
          f"({ITEMS_PER_DAY} items, {ITEMS_PER_DAY * SIGNALS_PER_ITEM} signals)")
    for signals, seconds in timings:
        print(f"  {signals:>9,} signals in history: {seconds * 1000:7.2f} ms "
              f"({seconds / base:.2f}x the 10k figure)")
        rows.append((f"digest query, one channel-day, {signals:,} signals",
                     f"{seconds * 1000:.2f} ms ({seconds / base:.2f}x)"))
    plan = top_items_plan(stores.engine, CHANNEL, approved_in=(END - timedelta(days=1), END))
    print("  plan at the largest size:")
    for line in plan:
        print(f"    {line}")
    used = sorted({word for line in plan for word in line.split() if word.startswith("ix_")
                   or word.startswith("uq_")})
    rows.append(("digest query indexes used", ", ".join(used) or "none"))


if __name__ == "__main__":
    measure()
