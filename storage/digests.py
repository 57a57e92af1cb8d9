"""Digest subscriptions and the once-per-period claims. Every digest SQL statement.

A claim is fenced: it carries a token, and only the holder of the current token can end
it or give it back. Claim times are seconds of the database's clock (`db_now`), so hosts
whose clocks disagree cannot steal each other's fresh claims.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import and_, delete, select, update

from storage.base import Repository, as_utc, retry_locked
from storage.claims import FencedLease, Held
from storage.models import DigestRun, DigestSubscription

CLAIMED, RETRY, POSTED, EMPTY, REFUSED = "claimed", "retry", "posted", "empty", "refused"


@dataclass(frozen=True)
class Subscription:
    channel: str
    period: str  # "day" | "week"
    at_time: str  # "HH:MM", local to `timezone`
    timezone: str
    weekday: int  # 0 = Monday; used by weekly digests
    created_by: str
    since: datetime | None = None  # UTC; slots due before it are not this schedule's
    paused: str | None = None  # why Slack refused its digests for good, until resubscribed
    team: str = ""  # the workspace (set by the store)


@dataclass(frozen=True)
class Claim:
    """The right to post one channel's digest for one period, as its holder sees it."""

    run_id: int
    token: str
    attempts: int  # 1 the first time; more when an earlier holder died or Slack was away


_SUBSCRIPTION_COLUMNS = (
    DigestSubscription.team, DigestSubscription.channel, DigestSubscription.period,
    DigestSubscription.at_time,
    DigestSubscription.timezone, DigestSubscription.weekday, DigestSubscription.created_by,
    DigestSubscription.updated_at.label("since"),
    DigestSubscription.paused_reason.label("paused"),
)


def _subscription(row: dict[str, object]) -> Subscription:
    values = dict(row)
    since = values["since"]
    if isinstance(since, datetime):
        values["since"] = as_utc(since)
    return Subscription(**values)  # type: ignore[arg-type]


class DigestStore(Repository):
    @cached_property
    def _lease(self) -> FencedLease:
        """A digest run's lease: held under a fresh `token` per taker, fenced by its
        `attempts`. A claimed run always has an expiry (0005 gave the older ones one)."""
        return FencedLease(DigestRun.token, DigestRun.lease_until, DigestRun.attempts,
                           self.engine.dialect.name, unset_is_free=False)

    def _held(self, claim: Claim) -> tuple[Any, ...]:
        """The run is still claimed by `claim`'s holder: nobody took it over since."""
        return (DigestRun.id == claim.run_id, DigestRun.status == CLAIMED,
                self._lease.held(Held(claim.token, claim.attempts)))

    @retry_locked
    def subscribe(self, sub: Subscription) -> None:
        """Create or replace the channel's schedule, from now on (a pause is lifted).
        Subscribing again to the running schedule changes nothing: it keeps its start, so
        a slot due a moment ago is still posted."""
        values = {
            "team": self.team, "channel": sub.channel, "period": sub.period, "at_time": sub.at_time,
            "timezone": sub.timezone, "weekday": sub.weekday, "created_by": sub.created_by,
            "updated_at": sub.since or self.clock(), "paused_reason": None, "paused_at": None,
        }
        same = (DigestSubscription.period == sub.period,
                DigestSubscription.at_time == sub.at_time,
                DigestSubscription.timezone == sub.timezone,
                DigestSubscription.weekday == sub.weekday,
                DigestSubscription.paused_reason.is_(None))
        stmt = self._insert(DigestSubscription).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["team", "channel"],
            set_={key: stmt.excluded[key] for key in values if key not in ("team", "channel")},
            where=~and_(*same),
        )
        with self._write() as conn:
            conn.execute(stmt)

    @retry_locked
    def unsubscribe(self, channel: str) -> bool:
        with self._write() as conn:
            result = conn.execute(
                delete(DigestSubscription).where(self._in(DigestSubscription, channel))
                .returning(DigestSubscription.channel)
            )
            return result.first() is not None

    @retry_locked
    def pause(self, channel: str, reason: str) -> bool:
        """Stop the channel's digests until it subscribes again; True the first time (the
        one time to tell someone)."""
        with self._write() as conn:
            return conn.execute(
                update(DigestSubscription)
                .where(self._in(DigestSubscription, channel),
                       DigestSubscription.paused_reason.is_(None))
                .values(paused_reason=reason, paused_at=self.clock())
            ).rowcount == 1

    @retry_locked
    def pause_all(self, reason: str) -> int:
        """Stop every digest of this workspace (idealoop was uninstalled from it); how many
        schedules were running."""
        with self._write() as conn:
            return conn.execute(
                update(DigestSubscription)
                .where(DigestSubscription.team == self.team,
                       DigestSubscription.paused_reason.is_(None))
                .values(paused_reason=reason, paused_at=self.clock())).rowcount

    @retry_locked
    def resume_all(self, reason: str) -> int:
        """Start again the schedules `pause_all` stopped for `reason` (reinstalled), from
        now on: what fell due while paused is not posted."""
        with self._write() as conn:
            return conn.execute(
                update(DigestSubscription)
                .where(DigestSubscription.team == self.team,
                       DigestSubscription.paused_reason == reason)
                .values(paused_reason=None, paused_at=None, updated_at=self.clock())).rowcount

    def subscription(self, channel: str) -> Subscription | None:
        with self._read() as conn:
            row = conn.execute(
                select(*_SUBSCRIPTION_COLUMNS).where(self._in(DigestSubscription, channel))
            ).mappings().first()
            return _subscription(dict(row)) if row else None

    def subscriptions(self) -> list[Subscription]:
        """Every workspace's schedules (the tick posts them all)."""
        with self._read() as conn:
            rows = conn.execute(
                select(*_SUBSCRIPTION_COLUMNS).order_by(DigestSubscription.team,
                                                        DigestSubscription.channel)
            ).mappings()
            return [_subscription(dict(row)) for row in rows]

    @retry_locked
    def claim(self, channel: str, period_key: str, *, lease: float) -> Claim | None:
        """The claim on the channel's digest for `period_key`, or None while another
        process holds it, after it ended, or while a retry waits.

        The unique (channel, period_key) row decides between processes. A claim whose
        holder's lease ran out (it died mid-run), or one given back to be tried again, is
        taken over under a new token: the earlier holder can no longer end it.
        """
        token = secrets.token_hex(8)
        insert = self._insert(DigestRun).values(
            team=self.team, channel=channel, period_key=period_key, status=CLAIMED,
            claimed_at=self.clock(), token=token, lease_until=self._lease.after(lease),
            attempts=1,
        ).on_conflict_do_nothing(index_elements=["team", "channel", "period_key"])
        with self._write() as conn:
            run_id: int | None = conn.execute(insert.returning(DigestRun.id)).scalar()
            if run_id is not None:
                return Claim(run_id, token, 1)
            row = conn.execute(
                update(DigestRun)
                .where(self._in(DigestRun, channel), DigestRun.period_key == period_key,
                       DigestRun.status.in_((CLAIMED, RETRY)), self._lease.lapsed())
                .values(status=CLAIMED, claimed_at=self.clock(),
                        **self._lease.take(token, lease))
                .returning(DigestRun.id, DigestRun.attempts)
            ).first()
        return Claim(row.id, token, row.attempts) if row is not None else None

    @retry_locked
    def finish(self, claim: Claim, *, status: str, posted_ts: str | None = None,
               item_count: int = 0, note: str | None = None) -> bool:
        """End the claimed run: posted, empty or refused. False when the claim was lost
        (another process took it over): nothing is changed."""
        with self._write() as conn:
            return conn.execute(
                update(DigestRun).where(*self._held(claim))
                .values(status=status, posted_ts=posted_ts, item_count=item_count,
                        note=note, finished_at=self.clock(), **self._lease.free())
            ).rowcount == 1

    @retry_locked
    def renew(self, claim: Claim, *, lease: float) -> bool:
        """Confirm the claim is still its holder's and extend it by `lease` seconds from
        now (database clock); False when it ran out or passed to another process."""
        with self._write() as conn:
            return conn.execute(
                update(DigestRun).where(*self._held(claim), self._lease.unexpired())
                .values(**self._lease.renew(lease))
            ).rowcount == 1

    @retry_locked
    def release(self, claim: Claim, *, retry_in: float) -> bool:
        """Give the claim back (Slack was away), to be taken again after `retry_in`
        seconds. False when the claim was lost."""
        with self._write() as conn:
            return conn.execute(
                update(DigestRun).where(*self._held(claim))
                .values(status=RETRY, **self._lease.release(retry_in))
            ).rowcount == 1

    def run_status(self, channel: str, period_key: str) -> str | None:
        """How the channel's run for `period_key` stands, if there is one."""
        with self._read() as conn:
            return conn.execute(
                select(DigestRun.status).where(self._in(DigestRun, channel),
                                               DigestRun.period_key == period_key)
            ).scalar()
