"""Digest schedules and content. Slack-free: plain values in and out.

A subscription says "daily at 09:00 Europe/Berlin" or "weekly on Monday at 09:00". For
any moment, `latest_slot` names the most recent due time and the period it closes: the
window between the previous local due time and this one (23 or 25 hours across a DST
change, as people expect of "every day at 9"). A slot has a key (`day:2026-03-30`,
`week:2026-W14`) that the database claims once per channel, so whichever process gets
there first posts, and a slot missed while down is posted once on return if it is
still within the grace period — never once per missed tick, because only the latest
slot is ever considered.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from storage.base import Clock, utcnow
from storage.digests import DigestStore, Subscription
from storage.repository import RankedItem, Store

log = logging.getLogger(__name__)
PERIOD_WORDS = {"daily": "day", "weekly": "week"}
DEFAULT_TIME = "09:00"
MONDAY = 0
STALE_CLAIM = timedelta(minutes=10)
MAX_ITEMS = 10


@dataclass(frozen=True)
class Slot:
    """One channel's digest for one period."""

    channel: str
    period: str
    key: str
    due: datetime  # UTC; also the end of the window
    start: datetime  # UTC

    def forced(self, now: datetime) -> Slot:
        """The same period under a key of its own: `--force` posts again on purpose."""
        return Slot(self.channel, self.period, f"{self.key}:forced:{now.isoformat()}",
                    self.due, self.start)


@dataclass(frozen=True)
class DigestOutcome:
    channel: str
    key: str
    status: str  # "posted" | "empty" | "taken" (another process has it) | "failed"
    items: int = 0
    ts: str | None = None


# Posts a slot's ideas where people see them; the message's ts, or None when the post
# was refused (the reason is the poster's to log).
Post = Callable[[Slot, list[RankedItem]], str | None]


@dataclass(frozen=True)
class ScheduleChange:
    """What `/brainstorm digest …` asked for. `period` None with `off` False: show."""

    period: str | None
    off: bool
    at_time: str
    timezone: str


def _local_due(day: date, at_time: str, tz: zoneinfo.ZoneInfo) -> datetime:
    hour, minute = (int(part) for part in at_time.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def latest_slot(sub: Subscription, now: datetime) -> Slot:
    """The most recent due time at or before `now`, and the window it closes."""
    tz = zoneinfo.ZoneInfo(sub.timezone)
    local_now = now.astimezone(tz)
    day = local_now.date()
    if sub.period == "week":
        day -= timedelta(days=(day.weekday() - sub.weekday) % 7)
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    due = _local_due(day, sub.at_time, tz)
    if due > local_now:
        day -= step
        due = _local_due(day, sub.at_time, tz)
    start = _local_due(day - step, sub.at_time, tz)
    return Slot(sub.channel, sub.period, period_key(sub.period, day), due.astimezone(UTC),
                start.astimezone(UTC))


def period_key(period: str, day: date) -> str:
    """`day:2026-03-30` or `week:2026-W14`: what is claimed once per channel."""
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"week:{year}-W{week:02d}"
    return f"day:{day.isoformat()}"


def adhoc_slot(channel: str, period: str, now: datetime, timezone: str) -> Slot:
    """A digest asked for by hand in a channel without a schedule: the period up to now."""
    today = now.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    length = timedelta(days=7 if period == "week" else 1)
    return Slot(channel, period, period_key(period, today), now, now - length)


def describe(sub: Subscription | None) -> str:
    if sub is None:
        return ("This channel gets no digest. Try `/brainstorm digest daily` "
                "(or `weekly`, with a time like 09:30 and a time zone).")
    when = "every day" if sub.period == "day" else "every Monday"
    return (f"This channel gets a digest {when} at {sub.at_time} ({sub.timezone}) with the "
            "ideas its people approved most. `/brainstorm digest off` stops it.")


class Digests:
    """Decides which digests are due and what they hold."""

    def __init__(self, store: Store, digest_store: DigestStore, *, grace: timedelta,
                 clock: Clock = utcnow) -> None:
        self.store = store
        self.digest_store = digest_store
        self.grace = grace
        self.clock = clock

    def due_slots(self, now: datetime | None = None) -> list[Slot]:
        """The latest slot of each subscription, when it is due and within the grace."""
        now = now or self.clock()
        slots = []
        for sub in self.digest_store.subscriptions():
            slot = latest_slot(sub, now)
            if now - slot.due <= self.grace:
                slots.append(slot)
        return slots

    def slot_for(self, channel: str, period: str | None, timezone: str,
                 now: datetime | None = None) -> Slot:
        """The slot `idealoop digest --channel C [--period P]` means right now."""
        now = now or self.clock()
        sub = self.digest_store.subscription(channel)
        if sub is not None and period in (None, sub.period):
            return latest_slot(sub, now)
        return adhoc_slot(channel, period or "day", now, sub.timezone if sub else timezone)

    def run(self, slot: Slot, post: Post) -> DigestOutcome:
        """Claim the slot, then post its ideas once; a slot someone else claimed is left
        alone, an empty period is recorded without a post, a refused post is given back
        so the next tick tries again."""
        run_id = self.claim(slot)
        if run_id is None:
            return DigestOutcome(slot.channel, slot.key, "taken")
        items = self.content(slot)
        if not items:
            log.info("digest %s for %s: nothing approved in the period; nothing posted",
                     slot.key, slot.channel)
            self.finish(run_id)
            return DigestOutcome(slot.channel, slot.key, "empty")
        ts = post(slot, items)
        if ts is None:
            self.release(run_id)
            return DigestOutcome(slot.channel, slot.key, "failed")
        self.finish(run_id, posted_ts=ts, items=len(items))
        log.info("digest %s posted in %s with %d ideas", slot.key, slot.channel, len(items))
        return DigestOutcome(slot.channel, slot.key, "posted", len(items), ts)

    def claim(self, slot: Slot) -> int | None:
        return self.digest_store.claim(slot.channel, slot.key, stale_after=STALE_CLAIM)

    def finish(self, run_id: int, *, posted_ts: str | None = None, items: int = 0) -> None:
        """Record how a claimed run ended: posted, or empty when `posted_ts` is None."""
        self.digest_store.finish(run_id, status="posted" if posted_ts else "empty",
                                 posted_ts=posted_ts, item_count=items)

    def release(self, run_id: int) -> None:
        """Give a claim back (posting failed), so the next tick tries again."""
        self.digest_store.release(run_id)

    def content(self, slot: Slot) -> list[RankedItem]:
        return self.store.top_items(slot.channel, since=slot.start, until=slot.due,
                                    limit=MAX_ITEMS)

    def change_schedule(self, channel: str, user: str, change: ScheduleChange) -> str:
        """Apply `/brainstorm digest …`; the answer to show the person."""
        if change.off:
            removed = self.digest_store.unsubscribe(channel)
            return ("Digests are off for this channel." if removed
                    else "This channel had no digest; nothing changed.")
        if change.period is None:
            return describe(self.digest_store.subscription(channel))
        sub = Subscription(channel, change.period, change.at_time, change.timezone, MONDAY, user)
        self.digest_store.subscribe(sub)
        return "Done. " + describe(sub)
