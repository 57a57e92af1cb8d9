"""One fenced lease, the way every claim in idealoop is held: accepted work
(`storage.work`), a channel's digest for one period (`storage.digests`) and a daily
maintenance job (`storage.privacy`).

A lease is three columns of the claimed row: its holder (`owner`, an owner token), when it
lapses (`until`, in seconds of the database's clock, `db_now`, so that hosts whose clocks
disagree still agree on it) and a fencing counter (`fence`). Taking a lease, first or
over a lapsed one, bumps the counter; every later write of the holder names the owner and
the counter it took, so a holder that was too slow (its lease lapsed and another process
took the row over) changes nothing and learns so from the row count.

These are the pieces of SQL the three repositories put in their own statements; each
adds the conditions of its own (a work row still pending, a digest run still claimed).
A holder that renews a lease at the start of each transaction of a long job (`still_held`
with `renew`) fences the job's writes too: on PostgreSQL the renewal locks the claimed
row until the transaction commits, so no process takes the lease over meanwhile; on
SQLite the write lock does the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, and_, bindparam, or_

from storage.base import db_now


class LeaseLost(Exception):
    """The lease passed to another process (or ran out): its former holder stops."""


@dataclass(frozen=True)
class Held:
    """A lease as its holder sees it: what its writes must name to be accepted."""

    owner: str
    fence: int


@dataclass(frozen=True)
class FencedLease:
    """Where a table keeps a fenced lease: the columns of its holder, its expiry and its
    fencing counter, and the database dialect whose clock it runs on."""

    owner: Any
    until: Any
    fence: Any
    dialect: str
    unset_is_free: bool = True  # a row with no expiry is free to take (else: never)

    def now(self) -> Any:
        """The database's clock, in seconds (see `storage.base.db_now`)."""
        return db_now(self.dialect)

    def after(self, seconds: float | Any, name: str = "lease") -> Any:
        """`seconds` from now on the database's clock (a bound parameter when a number)."""
        if isinstance(seconds, int | float):
            seconds = bindparam(name, float(seconds), type_=Float)
        return self.now() + seconds

    def lapsed(self) -> Any:
        """The row's lease ran out, or nobody holds it: any process may take it."""
        running_out = self.until < self.now()
        return or_(self.until.is_(None), running_out) if self.unset_is_free else running_out

    def take(self, owner: str | Any, seconds: float | Any) -> dict[str, Any]:
        """The values that take the lease for `owner` until `seconds` from now, bumping
        the fence: whoever held it before is refused from now on."""
        return {self.owner.key: owner, self.until.key: self.after(seconds),
                self.fence.key: self.fence + 1}

    def held(self, held: Held) -> Any:
        """The row is still `held`'s: no process took it over since."""
        return and_(self.owner == held.owner, self.fence == held.fence)

    def unexpired(self) -> Any:
        """The lease has not lapsed yet (a holder renews only a live lease)."""
        return self.until >= self.now()

    def still_held(self, held: Held) -> Any:
        """`held`'s lease, not lapsed and taken by nobody since: the condition of a
        renewal."""
        return and_(self.held(held), self.unexpired())

    def renew(self, seconds: float | Any) -> dict[str, Any]:
        """The values that extend a held lease to `seconds` from now."""
        return {self.until.key: self.after(seconds)}

    def release(self, retry_in: float | Any = 0.0) -> dict[str, Any]:
        """The values that give the lease back, for any process to take in `retry_in`
        seconds (the fence stays: the next taker bumps it)."""
        return {self.owner.key: None, self.until.key: self.after(retry_in, "retry_in")}

    def free(self) -> dict[str, Any]:
        """The values that leave the row held by nobody, with no expiry: free to take at
        once, unless the row's own state says it is finished."""
        return {self.owner.key: None, self.until.key: None}
