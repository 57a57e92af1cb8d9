"""What daily limits cost at the moment of accepting work (before Slack gets its answer).

`WorkStore.accept` with no limits is one INSERT; with a quota it also takes the
workspace's lock (PostgreSQL), looks for the delivery, counts the day's work of the
person and the channel and sums the day's tokens. Measured on SQLite and PostgreSQL with
a day already holding 2,000 accepted requests, behind 30 days of history of the same
size (more than `serve` keeps: it forgets finished work after a day; so the day's rows
must be found by index, not by scanning), and compared with accepting without limits in
the same process, against the same database.
BENCH_QUICK=1: fewer accepts, SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.common import QUICK, banner, database, postgres_available, ratio
from storage.db import make_engine
from storage.models import Work
from storage.work import NewWork, Quota, WorkStore

TEAM, CHANNEL = "T0BENCH", "C0BENCH"
PER_DAY = 2000
DAYS = 30
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _seed(work: WorkStore) -> None:
    rows = []
    for day in range(DAYS + 1):
        at = NOW - timedelta(days=day, minutes=1)
        rows.extend({"kind": "brainstorm", "delivery_key": f"seed:{day}:{n}", "team": TEAM,
                     "channel": f"C{n % 50:04d}", "user_id": f"U{n % 200:04d}",
                     "request": "{}", "state": "done", "attempts": 1, "created_at": at,
                     "tokens": 500} for n in range(PER_DAY))
    with work.engine.begin() as conn:
        conn.execute(insert(Work), rows)


def _time_accepts(work: WorkStore, quota: Quota | None, label: str, count: int) -> float:
    timings = []
    for n in range(count):
        new = NewWork(kind="brainstorm", delivery_key=f"{label}:{n}", channel=CHANNEL,
                      user_id=f"UBENCH{n}", request={"topic": "t"}, team=TEAM)
        started = time.perf_counter()
        work.accept(new, owner="bench", lease=30, quota=quota)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure(quick: bool = QUICK) -> list[tuple[str, str]]:
    banner("daily limits at accept", f"{PER_DAY:,} requests a day, {DAYS} days of history")
    rows: list[tuple[str, str]] = []
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    count = 100 if quick else 400
    for kind in kinds:
        with database(kind) as url:
            work = WorkStore(make_engine(url), clock=lambda: NOW)
            try:
                _seed(work)
                quota = Quota(since=NOW - timedelta(hours=12), person=1_000_000,
                              channel=1_000_000, tokens=10**12)
                _time_accepts(work, None, "warm", 20)
                base = _time_accepts(work, None, "plain", count)
                limited = _time_accepts(work, quota, "limited", count)
            finally:
                work.engine.dispose()
        name = "SQLite" if kind == "sqlite" else "PostgreSQL"
        print(f"  {name}: accept {base * 1000:.2f} ms without limits, "
              f"{limited * 1000:.2f} ms with them ({ratio(limited, base)})", flush=True)
        rows.append((f"accept with daily limits and token budget ({name})",
                     f"{limited * 1000:.2f} ms ({ratio(limited, base)} of "
                     f"{base * 1000:.2f} ms without)"))
    return rows


if __name__ == "__main__":
    measure()
