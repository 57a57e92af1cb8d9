"""Digest subscriptions and the once-per-period claims. Every digest SQL statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from storage.base import Repository, retry_locked
from storage.models import DigestRun, DigestSubscription


@dataclass(frozen=True)
class Subscription:
    channel: str
    period: str  # "day" | "week"
    at_time: str  # "HH:MM", local to `timezone`
    timezone: str
    weekday: int  # 0 = Monday; used by weekly digests
    created_by: str


_SUBSCRIPTION_COLUMNS = (
    DigestSubscription.channel, DigestSubscription.period, DigestSubscription.at_time,
    DigestSubscription.timezone, DigestSubscription.weekday, DigestSubscription.created_by,
)


class DigestStore(Repository):
    @retry_locked
    def subscribe(self, sub: Subscription) -> None:
        """Create or replace the channel's schedule."""
        values = {
            "channel": sub.channel, "period": sub.period, "at_time": sub.at_time,
            "timezone": sub.timezone, "weekday": sub.weekday, "created_by": sub.created_by,
            "updated_at": self.clock(),
        }
        stmt = self._insert(DigestSubscription).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel"],
            set_={key: stmt.excluded[key] for key in values if key != "channel"},
        )
        with self._write() as conn:
            conn.execute(stmt)

    @retry_locked
    def unsubscribe(self, channel: str) -> bool:
        with self._write() as conn:
            result = conn.execute(
                delete(DigestSubscription).where(DigestSubscription.channel == channel)
                .returning(DigestSubscription.channel)
            )
            return result.first() is not None

    def subscription(self, channel: str) -> Subscription | None:
        with self._read() as conn:
            row = conn.execute(
                select(*_SUBSCRIPTION_COLUMNS).where(DigestSubscription.channel == channel)
            ).mappings().first()
            return Subscription(**row) if row else None

    def subscriptions(self) -> list[Subscription]:
        with self._read() as conn:
            rows = conn.execute(
                select(*_SUBSCRIPTION_COLUMNS).order_by(DigestSubscription.channel)
            ).mappings()
            return [Subscription(**row) for row in rows]

    @retry_locked
    def claim(self, channel: str, period_key: str, *, stale_after: timedelta) -> int | None:
        """The run id if this caller may post the channel's digest for `period_key`.

        The unique (channel, period_key) row decides between processes. A claim still
        "claimed" after `stale_after` (its process died mid-run) is taken over, once.
        """
        now = self.clock()
        stmt = self._insert(DigestRun).values(
            channel=channel, period_key=period_key, status="claimed", claimed_at=now,
        ).on_conflict_do_nothing(index_elements=["channel", "period_key"])
        with self._write() as conn:
            run_id: int | None = conn.execute(stmt.returning(DigestRun.id)).scalar()
            if run_id is not None:
                return run_id
            taken_over: int | None = conn.execute(
                update(DigestRun)
                .where(DigestRun.channel == channel, DigestRun.period_key == period_key,
                       DigestRun.status == "claimed", DigestRun.claimed_at < now - stale_after)
                .values(claimed_at=now)
                .returning(DigestRun.id)
            ).scalar()
            return taken_over

    @retry_locked
    def finish(self, run_id: int, *, status: str, posted_ts: str | None = None,
               item_count: int = 0) -> None:
        with self._write() as conn:
            conn.execute(
                update(DigestRun).where(DigestRun.id == run_id).values(
                    status=status, posted_ts=posted_ts, item_count=item_count,
                    finished_at=self.clock(),
                )
            )

    @retry_locked
    def release(self, run_id: int) -> None:
        """Give a claim back (posting failed), so the next tick tries again."""
        with self._write() as conn:
            conn.execute(delete(DigestRun).where(DigestRun.id == run_id))
