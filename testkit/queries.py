"""Read-only looks into the database that only tests and benchmarks need.

The app's own SQL lives in `storage/`; these queries exist so that tests can check
what was stored without the shipped repositories carrying methods nothing else calls.
Scores go through the app's own `ReportStore.export_rows`, so tests check the numbers
people see.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import Engine, select, text

from storage.base import db_now
from storage.models import DigestRun, Item, MaintenanceRun, Signal
from storage.reports import top_items_query
from storage.stores import Stores


def score_of(stores: Stores, item_id: int) -> dict[str, int]:
    """Distinct approvers, rejecters and neutral reactors of an item, and its score, as
    `idealoop export` reports them."""
    with contextlib.closing(stores.reports.export_rows()) as rows:
        for row in rows:
            if row["id"] == item_id:
                return {key: row[key] for key in ("approvals", "rejections", "neutral", "score")}
    raise LookupError(f"no item {item_id}")


def signals_of(engine: Engine, item_id: int) -> list[dict[str, Any]]:
    """Every signal row of an item, active or retracted, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(Signal).where(Signal.item_id == item_id)
                            .order_by(Signal.id)).mappings()
        return [dict(row) for row in rows]


def draft_chain(engine: Engine, item_id: int) -> list[dict[str, Any]]:
    """The draft and every draft it revised, oldest first: (id, text, ts, instruction)."""
    chain: list[dict[str, Any]] = []
    current: int | None = item_id
    with engine.connect() as conn:
        while current is not None:
            row = conn.execute(select(Item.id, Item.text, Item.ts, Item.instruction,
                                      Item.parent_id).where(Item.id == current)).first()
            if row is None:
                break
            chain.append(dict(row._mapping))
            current = row.parent_id
    return chain[::-1]


def digest_runs(engine: Engine, channel: str) -> list[tuple[str, str, Any]]:
    """(period_key, status, claimed_at) of a channel's digest runs, oldest first."""
    with engine.connect() as conn:
        return [(row.period_key, row.status, row.claimed_at) for row in conn.execute(
            select(DigestRun.period_key, DigestRun.status, DigestRun.claimed_at)
            .where(DigestRun.channel == channel).order_by(DigestRun.id))]


def top_items_plan(engine: Engine, channel: str, **window: Any) -> list[str]:
    """The database's plan for the query behind `/brainstorm top` and digests, so the
    benchmarks can show which indexes it uses."""
    query = top_items_query("", channel, window.get("since"), window.get("until"),
                            window.get("limit", 10), approved_in=window.get("approved_in"))
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    prefix = ("EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite"
              else "EXPLAIN (ANALYZE, COSTS OFF) ")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + str(compiled)).all()
    return [str(row[-1]) for row in rows]


def count_rows(engine: Engine, table: str) -> int:
    """How many rows `table` holds (a table name from the models, never user input)."""
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def daily_runs(engine: Engine, job: str) -> list[tuple[str, str, int | None]]:
    """(day, owner, rows affected) of every run of a daily job, oldest first."""
    with engine.connect() as conn:
        return [(row.day, row.owner, row.affected) for row in conn.execute(
            select(MaintenanceRun.day, MaintenanceRun.owner, MaintenanceRun.affected)
            .where(MaintenanceRun.job == job).order_by(MaintenanceRun.day))]


def lease_left(engine: Engine, job: str, day: str) -> float:
    """Seconds until the lease on a daily job's run lapses, by the database's clock."""
    with engine.connect() as conn:
        return float(conn.execute(
            select(MaintenanceRun.lease_until - db_now(engine.dialect.name))
            .where(MaintenanceRun.job == job, MaintenanceRun.day == day)).scalar_one())


def work_in_thread(engine: Engine, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    """The work rows asked in one thread (state, note, tokens), oldest first."""
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text(
            "SELECT id, kind, state, note, tokens, placeholder_ts FROM work "
            "WHERE channel = :channel AND thread_ts = :thread_ts ORDER BY id"),
            {"channel": channel, "thread_ts": thread_ts})]
