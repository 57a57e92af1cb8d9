"""Durable work: every SQL statement about accepted brainstorms and drafts and their leases.

Every change to a row in progress is fenced by its owner: a process that lost its lease
(it was too slow, another process took the work over) changes nothing and learns so
from the return value. Lease times are seconds of the database's clock (`db_now`).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import Float, bindparam, delete, func, or_, select, text, update
from sqlalchemy.engine import Connection

from storage.base import Repository, as_utc, retry_locked
from storage.claims import FencedLease, Held
from storage.errors import QuotaReached
from storage.models import Work
from storage.wakeups import WorkWakeups, notify

PENDING, DONE, FAILED = "pending", "done", "failed"
# Work the app gives itself (a decision's announcement and reminder: `bot.decisions`; an
# idea board's update: `bot.boards`), which the daily limits do not count; they count
# every kind people ask for.
THE_APPS = ("reminder", "decision_notice", "board")
CANCELLED = "cancelled"  # stopped by a person (Slack's stop button) before it finished


@dataclass(frozen=True)
class NewWork:
    kind: str
    delivery_key: str
    channel: str
    user_id: str
    request: dict[str, Any]
    thread_ts: str | None = None
    team: str = ""  # the workspace it was asked in


@dataclass(frozen=True)
class Quota:
    """Daily limits, checked in the transaction that accepts work, so that two requests
    at the same moment cannot both take the last place. 0 means no limit. `since` is
    when the day began."""

    since: datetime
    person: int = 0  # brainstorms and drafts one person may start
    channel: int = 0  # … in one channel
    tokens: int = 0  # LLM tokens, counted on what was written since


@dataclass(frozen=True)
class Usage:
    """What counts against the daily limits since the day began."""

    person: int  # the brainstorms and drafts this person started (not those that failed)
    channel: int  # … in this channel
    tokens: int  # LLM tokens spent by every brainstorm and draft, saved or not


@dataclass(frozen=True)
class WorkItem:
    """A row of work as its runner sees it."""

    id: int
    kind: str
    channel: str
    user_id: str
    thread_ts: str | None
    request: dict[str, Any]
    placeholder_ts: str | None
    attempts: int
    owner: str
    team: str = ""  # the workspace it was asked in: its runner posts there


_COLUMNS = (Work.id, Work.kind, Work.team, Work.channel, Work.user_id, Work.thread_ts,
            Work.request, Work.placeholder_ts, Work.attempts, Work.owner)


def _item(row: Any) -> WorkItem:
    return WorkItem(id=row.id, kind=row.kind, channel=row.channel, user_id=row.user_id,
                    thread_ts=row.thread_ts, request=json.loads(row.request),
                    placeholder_ts=row.placeholder_ts, attempts=row.attempts,
                    owner=row.owner, team=row.team)


class WorkStore(Repository):
    @cached_property
    def _lease(self) -> FencedLease:
        """A work row's lease: held by a process (`owner`), fenced by its `attempts`."""
        return FencedLease(Work.owner, Work.lease_until, Work.attempts, self.engine.dialect.name)

    def _held(self, item: WorkItem) -> tuple[Any, ...]:
        """`item` is still pending and still its runner's: nobody took it over since."""
        return (Work.id == item.id, Work.state == PENDING,
                self._lease.held(Held(item.owner, item.attempts)))

    @retry_locked
    def accept(self, new: NewWork, *, owner: str | None, lease: float,
               quota: Quota | None = None) -> WorkItem | None:
        """Store newly accepted work, held by `owner`; None when its delivery was already
        accepted (a retry or a duplicate from Slack). With a `quota`, QuotaReached when
        the work would go past one of its limits (and nothing is stored).

        With no `owner` the work is left for worker processes: held by nobody, free to
        claim at once (its first claim is attempt 1), and the listening workers are woken
        in the same transaction (`storage.wakeups`)."""
        values = {
            "kind": new.kind, "delivery_key": new.delivery_key[:200], "team": new.team,
            "channel": new.channel,
            "user_id": new.user_id, "thread_ts": new.thread_ts,
            "request": json.dumps(new.request), "owner": owner,
            "lease": lease if owner is not None else None,
            "attempts": 1 if owner is not None else 0, "created_at": self.clock(),
        }
        with self._write() as conn:
            if quota is not None and self._over_quota(conn, new, quota):
                return None  # a repeated delivery of work accepted earlier
            row = conn.execute(self._accept, values).first()
            if row is not None and owner is None:
                notify(conn)
        return _item(row) if row is not None else None

    def _over_quota(self, conn: Connection, new: NewWork, quota: Quota) -> bool:
        """Raise QuotaReached if `new` would go past `quota`; True when its delivery was
        already accepted (it is no new work, and is not counted twice)."""
        if self.engine.dialect.name == "postgresql":
            # A workspace's accepts under a quota queue here, one at a time, until their
            # transactions end; SQLite writers already take turns.
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                         {"key": f"idealoop:quota:{new.team}"})
        if conn.execute(select(Work.id).where(
                Work.delivery_key == new.delivery_key[:200])).first() is not None:
            return True
        used = _usage(conn, new.team, new.user_id, new.channel, quota.since)
        for which, count, limit in (("person", used.person, quota.person),
                                    ("channel", used.channel, quota.channel),
                                    ("tokens", used.tokens, quota.tokens)):
            if limit and count >= limit:
                raise QuotaReached(which, count, limit)
        return False

    @retry_locked
    def spent(self, work_id: int, tokens: int) -> None:
        """Add the LLM tokens an attempt at this work spent (counted by the daily budget
        whatever came of the attempt)."""
        with self._write() as conn:
            conn.execute(update(Work).where(Work.id == work_id)
                         .values(tokens=func.coalesce(Work.tokens, 0) + tokens))

    def usage(self, team: str, user_id: str, channel: str, since: datetime) -> Usage:
        """What counts against the daily limits of workspace `team` since `since`
        (`/brainstorm usage`)."""
        with self._read() as conn:
            return _usage(conn, team, user_id, channel, since)

    @cached_property
    def _accept(self) -> Any:
        """The statement behind `accept`, built once: it runs before every acknowledgement
        of a command or mention, and building it each time was most of its cost."""
        names = ("kind", "delivery_key", "team", "channel", "user_id", "thread_ts", "request",
                 "owner", "attempts", "created_at")
        return self._insert(Work).values({
            **{name: bindparam(name) for name in names}, "state": PENDING,
            "lease_until": self._lease.after(bindparam("lease", type_=Float)),
        }).on_conflict_do_nothing(index_elements=["delivery_key"]).returning(*_COLUMNS)

    @retry_locked
    def claim_next(self, *, owner: str, lease: float) -> WorkItem | None:
        """Take the oldest pending work whose lease ran out (its process died or let it
        go), or None. Two processes never take the same row: PostgreSQL skips rows
        another transaction has locked; SQLite has one writer at a time."""
        candidate = (select(Work.id).where(Work.state == PENDING, self._lease.lapsed())
                     .order_by(Work.id).limit(1))
        if self.engine.dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        stmt = (update(Work).where(Work.id == candidate.scalar_subquery())
                .values(**self._lease.take(owner, lease))
                .returning(*_COLUMNS))
        with self._write() as conn:
            row = conn.execute(stmt).first()
        return _item(row) if row is not None else None

    def claimable(self) -> bool:
        """True when some pending work's lease ran out (or nobody holds it): one indexed
        read, so a worker on SQLite can look often without taking the write lock."""
        with self._read() as conn:
            return conn.execute(select(Work.id).where(Work.state == PENDING,
                                                      self._lease.lapsed()).limit(1)
                                ).first() is not None

    def wakeups(self) -> WorkWakeups:
        """What a worker process waits on for new work (`storage.wakeups`)."""
        return WorkWakeups(self.engine, self.claimable)

    @retry_locked
    def renew(self, *, owner: str, lease: float, ids: Collection[int]) -> set[int]:
        """Extend the leases `owner` holds on `ids` (the work it is running or about to);
        the ids it still holds. Rows it owns but no longer works on are left to expire."""
        if not ids:
            return set()
        with self._write() as conn:
            return set(conn.execute(
                update(Work).where(Work.owner == owner, Work.state == PENDING,
                                   Work.id.in_(list(ids)))
                .values(**self._lease.renew(lease)).returning(Work.id)
            ).scalars())

    @retry_locked
    def hold(self, item: WorkItem, *, lease: float) -> bool:
        """Renew the lease on `item` if it is still this holder's: the check made before
        each step others can see, so a holder that lost the work does nothing more."""
        with self._write() as conn:
            return conn.execute(
                update(Work).where(*self._held(item)).values(**self._lease.renew(lease))
            ).rowcount == 1

    def has_pending(self, team: str, channel: str, *, besides: str | None = None) -> bool:
        """True while a brainstorm or draft in `channel` of workspace `team` is not
        finished (not counting the one whose header or placeholder is message `besides`)."""
        query = select(Work.id).where(Work.team == team, Work.channel == channel,
                                      Work.state == PENDING)
        if besides is not None:
            query = query.where(or_(Work.placeholder_ts.is_(None),
                                    Work.placeholder_ts != besides))
        with self._read() as conn:
            return conn.execute(query.limit(1)).first() is not None

    @retry_locked
    def set_placeholder(self, item: WorkItem, ts: str) -> bool:
        """Record the message the person sees while the work runs; False if the lease
        was lost."""
        with self._write() as conn:
            return conn.execute(
                update(Work).where(*self._held(item)).values(placeholder_ts=ts)
            ).rowcount == 1

    @retry_locked
    def finish(self, item: WorkItem, *, failed: bool = False, note: str | None = None) -> bool:
        """End the work: done, or failed with the note the person was shown; False if the
        lease was lost (another process has the work now)."""
        with self._write() as conn:
            return conn.execute(
                update(Work).where(*self._held(item)).values(
                    state=FAILED if failed else DONE, note=note, finished_at=self.clock(),
                    **self._lease.free())
            ).rowcount == 1

    @retry_locked
    def cancel(self, team: str, channel: str, thread_ts: str, *,
               note: str) -> list[WorkItem]:
        """Cancel the unfinished work of one thread (a person pressed stop): it ends now,
        with `note`, whoever holds it; a holder learns so at its next fenced step. The
        work as it was, each with its holder (None when no process holds it)."""
        where = (Work.team == team, Work.channel == channel, Work.thread_ts == thread_ts,
                 Work.state == PENDING)
        with self._write() as conn:
            rows = conn.execute(select(*_COLUMNS).where(*where)).all()
            if rows:
                conn.execute(update(Work).where(Work.id.in_([r.id for r in rows]), *where)
                             .values(state=CANCELLED, note=note, finished_at=self.clock(),
                                     **self._lease.free()))
        return [_item(row) for row in rows]

    def cancelled_note(self, work_id: int) -> str | None:
        """The note of work that was cancelled, or None if it was not."""
        with self._read() as conn:
            row = conn.execute(select(Work.state, Work.note)
                               .where(Work.id == work_id)).first()
        if row is None or row.state != CANCELLED:
            return None
        return str(row.note or "")

    def in_agent_session(self, team: str, channel: str, thread_ts: str) -> bool:
        """True when work was asked in this thread as an agent session (its request
        says so): the thread is one of Slack's agent sessions, not an assistant thread."""
        with self._read() as conn:
            return conn.execute(
                select(Work.id).where(Work.team == team, Work.channel == channel,
                                      Work.thread_ts == thread_ts,
                                      Work.request.like('%"agent_session": true%'))
                .limit(1)).first() is not None

    @retry_locked
    def let_go(self, item: WorkItem, *, retry_in: float = 0.0) -> bool:
        """Give the work back unfinished, for any process to take in `retry_in` seconds."""
        with self._write() as conn:
            released = conn.execute(
                update(Work).where(*self._held(item)).values(**self._lease.release(retry_in))
            ).rowcount == 1
            if released and not retry_in:
                notify(conn)
        return released

    @retry_locked
    def let_go_all(self, owner: str, *, keep: Collection[int] = ()) -> int:
        """Give back everything `owner` holds but `keep` (a graceful stop, or a dead
        owner's work); how many rows."""
        stmt = update(Work).where(Work.owner == owner, Work.state == PENDING)
        if keep:
            stmt = stmt.where(Work.id.not_in(list(keep)))
        with self._write() as conn:
            released = int(conn.execute(stmt.values(**self._lease.free())).rowcount)
            if released:
                notify(conn)
        return released

    def pending_owners(self) -> list[str]:
        """The owners of pending work (not counting work nobody holds), to spot the
        ones that died on this host."""
        with self._read() as conn:
            return [row.owner for row in conn.execute(
                select(Work.owner).where(Work.state == PENDING, Work.owner.is_not(None))
                .distinct())]

    def backlog(self) -> tuple[int, datetime | None]:
        """How much work is pending (queued or running) and when the oldest of it was
        accepted (None when there is none): one indexed query, for a metrics scrape
        and for tests waiting until no work is left."""
        with self._read() as conn:
            row = conn.execute(select(func.count(), func.min(Work.created_at))
                               .where(Work.state == PENDING)).one()
        return int(row[0]), None if row[1] is None else as_utc(row[1])

    @retry_locked
    def prune(self, older_than: timedelta) -> int:
        """Forget finished work older than `older_than` (the brainstorms and drafts it made
        are kept); Slack stops re-delivering a request within minutes."""
        with self._write() as conn:
            return conn.execute(
                delete(Work).where(Work.state != PENDING,
                                   Work.finished_at < self.clock() - older_than)
            ).rowcount


def _usage(conn: Connection, team: str, user_id: str, channel: str, since: datetime) -> Usage:
    started = (select(func.count()).select_from(Work).where(Work.kind.not_in(THE_APPS))
               .where(Work.team == team, Work.created_at >= since, Work.state != FAILED))
    tokens = (select(func.coalesce(func.sum(Work.tokens), 0))
              .where(Work.team == team, Work.created_at >= since))
    return Usage(
        person=int(conn.execute(started.where(Work.user_id == user_id)).scalar_one()),
        channel=int(conn.execute(started.where(Work.channel == channel)).scalar_one()),
        tokens=int(conn.execute(tokens).scalar() or 0))



