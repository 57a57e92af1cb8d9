"""The fenced lease every claim uses (`storage.claims`), on SQLite and PostgreSQL, on a
table of its own: taken, renewed, lapsed, taken over, and the old holder refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, select, update

from storage.base import Repository
from storage.claims import FencedLease, Held
from storage.db import make_engine

probes = Table("lease_probes", MetaData(), Column("id", Integer, primary_key=True),
               Column("owner", String(64)), Column("until", Float),
               Column("fence", Integer, nullable=False, server_default="0"),
               Column("note", String(64)))


class Probes(Repository):
    """The smallest repository that holds rows by a fenced lease."""

    @property
    def lease(self) -> FencedLease:
        return FencedLease(probes.c.owner, probes.c.until, probes.c.fence,
                           self.engine.dialect.name)

    def take(self, row: int, owner: str, seconds: float) -> Held | None:
        with self._write() as conn:
            fence = conn.execute(
                update(probes).where(probes.c.id == row, self.lease.lapsed())
                .values(**self.lease.take(owner, seconds)).returning(probes.c.fence)).scalar()
        return Held(owner, fence) if fence is not None else None

    def renew(self, row: int, held: Held, seconds: float) -> bool:
        return self._change(row, held, self.lease.renew(seconds), self.lease.unexpired())

    def write(self, row: int, held: Held, note: str) -> bool:
        return self._change(row, held, {"note": note})

    def release(self, row: int, held: Held, retry_in: float = 0.0) -> bool:
        return self._change(row, held, self.lease.release(retry_in))

    def free(self, row: int, held: Held) -> bool:
        return self._change(row, held, self.lease.free())

    def note(self, row: int) -> Any:
        with self._read() as conn:
            return conn.execute(select(probes.c.note).where(probes.c.id == row)).scalar()

    def _change(self, row: int, held: Held, values: dict[str, Any], *where: Any) -> bool:
        with self._write() as conn:
            return conn.execute(update(probes).where(probes.c.id == row,
                                                     self.lease.held(held), *where)
                                .values(**values)).rowcount == 1


@pytest.fixture
def leases(db_url: str) -> Iterator[Probes]:
    engine: Engine = make_engine(db_url)
    probes.drop(engine, checkfirst=True)
    probes.create(engine)
    with engine.begin() as conn:
        conn.execute(probes.insert(), [{"id": 1}, {"id": 2}])
    try:
        yield Probes(engine)
    finally:
        probes.drop(engine)
        engine.dispose()


def test_a_free_row_is_taken_once_and_renewed_by_its_holder(leases: Probes) -> None:
    first = leases.take(1, "a", 60)
    assert first == Held("a", 1)
    assert leases.take(1, "b", 60) is None  # held: nobody else takes it
    assert leases.renew(1, first, 60) and leases.write(1, first, "a was here")
    assert leases.take(2, "b", 60) == Held("b", 1)  # rows are held one by one
    assert leases.note(1) == "a was here"


def test_a_lapsed_lease_is_taken_over_and_the_old_holder_refused(leases: Probes) -> None:
    old = leases.take(1, "a", -1.0)  # its lease ran out: the holder stalled or died
    assert old is not None
    assert not leases.renew(1, old, 60)  # a lapsed lease is not renewed
    new = leases.take(1, "b", 60)
    assert new == Held("b", old.fence + 1)
    assert not leases.write(1, old, "late") and not leases.release(1, old)
    assert not leases.free(1, old) and not leases.renew(1, old, 60)
    assert leases.write(1, new, "b's") and leases.note(1) == "b's"


def test_the_same_owner_taking_over_its_own_row_is_fenced_too(leases: Probes) -> None:
    """An owner token names a process; the fence names one taking. A process that took
    its own lapsed row again cannot write with what it held the first time."""
    old = leases.take(1, "a", -1.0)
    new = leases.take(1, "a", 60)
    assert old is not None and new is not None and new.fence == old.fence + 1
    assert not leases.write(1, old, "stale") and leases.write(1, new, "fresh")


def test_a_lease_given_back_is_free_after_its_pause(leases: Probes) -> None:
    held = leases.take(1, "a", 60)
    assert held is not None and leases.release(1, held, retry_in=3600)
    assert leases.take(1, "b", 60) is None  # it waits out the pause
    assert not leases.write(1, held, "after giving it back")  # no longer its holder's
    again = leases.take(2, "a", 60)
    assert again is not None and leases.free(2, again)
    assert leases.take(2, "b", 60) == Held("b", again.fence + 1)  # free at once
