"""Digest schedules and content, and posting each digest exactly once. Slack-free.

A subscription says "daily at 09:00 Europe/Berlin" or "weekly on Monday at 09:00". For
any moment, `latest_slot` names the most recent due time and the period it closes: the
window between the previous local due time and this one (23 or 25 hours across a DST
change, as people expect of "every day at 9"). Times are compared in UTC; a due time that
does not exist on a day (the spring-forward gap) is the same time after the clocks moved
(02:30 → 03:30), and one that happens twice (autumn) is its first occurrence. A slot
due before the subscription began is not its slot: subscribing at 15:01 to "daily at
09:00" gives the first digest tomorrow at 09:00.

A slot has a key (`day:2026-03-30`, `week:2026-W14`) that the database claims once per
channel: whichever process gets there first posts. The claim is fenced (`storage.digests`):
a process that took too long loses it to another, and can then neither post (it confirms
its claim just before posting) nor end it. Each digest
is posted with metadata naming its key, so that a process taking a claim over, or trying
again after Slack failed, first looks for a digest an earlier try posted (its answer
lost, or its process killed before the run was recorded) — never posting twice. A slot
missed while down is posted once on return if it is still within the grace period.
Slack refusing a digest for good (the bot left the channel, the channel is archived)
pauses the subscription, with the reason, until someone subscribes again; Slack being
away is tried again with growing pauses.

A digest holds the items whose approvals were given in its period, ranked by score: an
idea approved a week after it was proposed is in that week's digest.
"""

from __future__ import annotations

import dataclasses
import logging
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from bot.errors import ChatRefused, ChatUnavailable
from bot.metrics import DIGESTS, DIGESTS_PAUSED, bounded
from bot.work.backoff import backoff
from storage.base import Clock, utcnow
from storage.decisions import StoredDecision
from storage.digests import EMPTY, POSTED, REFUSED, RETRY, Claim, DigestStore, Subscription
from storage.reports import RankedItem
from storage.stores import Stores

log = logging.getLogger(__name__)
PERIOD_WORDS = {"daily": "day", "weekly": "week"}
DEFAULT_TIME = "09:00"
MONDAY = 0
CLAIM_LEASE = timedelta(minutes=10)  # a holder that has not ended its run by then died
FIRST_RETRY = timedelta(minutes=1)  # Slack away: 1, 2, 4 … minutes, at most MAX_RETRY
MAX_RETRY = timedelta(hours=1)
MAX_ITEMS = 10
MAX_DECIDED = 10  # decisions listed under "Decided this period"


@dataclass(frozen=True)
class Slot:
    """One channel's digest for one period."""

    channel: str
    period: str
    key: str
    due: datetime  # UTC; also the end of the window
    start: datetime  # UTC
    timezone: str = "UTC"  # the subscription's: how the window is named
    team: str = ""  # the workspace of the channel

    def window(self) -> str:
        """The period in words, in its time zone: `Sun 06 Dec 2026 09:00 – Mon 07 Dec
        2026 09:00 (Europe/Berlin)`, for whoever asks what a digest looked at."""
        zone = zoneinfo.ZoneInfo(self.timezone)
        start, end = self.start.astimezone(zone), self.due.astimezone(zone)
        return f"{start:%a %d %b %Y %H:%M} – {end:%a %d %b %Y %H:%M} ({self.timezone})"

    def forced(self, now: datetime) -> Slot:
        """The same period under a key of its own: `--force` posts again on purpose."""
        return dataclasses.replace(self, key=f"{self.key}:forced:{now.isoformat()}")


@dataclass(frozen=True)
class DigestOutcome:
    channel: str
    key: str
    status: str  # one of OUTCOMES
    items: int = 0
    ts: str | None = None

    def describe(self) -> str:
        """What happened, in words for `idealoop digest` and the emulator."""
        return OUTCOMES[self.status].format(items=self.items)


OUTCOMES = {
    "posted": "posted with {items} ideas",
    "found": "had been posted by an earlier try whose answer was lost; recorded, not "
             "posted again",
    "empty": "nothing approved in the period; nothing posted",
    "taken": "already posted (or being posted) for this period; use --force",
    "waiting": "Slack failed on an earlier try; it is tried again after a pause",
    "failed": "Slack could not take it now; it is tried again after a pause (see the log)",
    "refused": "Slack refused it for good (see the log)",
}
FAILED = ("failed", "refused")


@dataclass(frozen=True)
class DigestMessage:
    """A digest ready to post: its fallback text and Block Kit blocks (plain values)."""

    text: str
    blocks: list[dict[str, Any]]


class DigestChat(Protocol):
    """Where digests are posted. Raises ChatUnavailable (may pass) or ChatRefused (for
    good) unless it says otherwise."""

    def find(self, slot: Slot) -> str | None:
        """The digest of `slot` if one was posted (by its metadata), else None."""
        ...

    def render(self, slot: Slot, items: list[RankedItem],
               decided: list[StoredDecision]) -> DigestMessage:
        """The message for `slot`, with the decisions made in its period (may look up
        names and links: it can take a while)."""
        ...

    def post(self, slot: Slot, message: DigestMessage) -> str:
        """Post `message` with metadata naming `slot`'s period; its ts."""
        ...

    def tell(self, user: str, text: str) -> None:
        """A direct message to `user`; best effort, never raises."""
        ...


@dataclass(frozen=True)
class ScheduleChange:
    """What `/brainstorm digest …` asked for. `period` None with `off` False: show."""

    period: str | None
    off: bool
    at_time: str
    timezone: str


def _local_due(day: date, at_time: str, tz: zoneinfo.ZoneInfo) -> datetime:
    """`at_time` on `day` in `tz`, in UTC. With `fold=0` (PEP 495), a time the day skips
    (the spring-forward gap) is read with the offset before the change, which lands the
    same time after the clocks moved (02:30 → 03:30), and a time the day has twice is
    its first occurrence."""
    hour, minute = (int(part) for part in at_time.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def latest_slot(sub: Subscription, now: datetime) -> Slot:
    """The most recent due time at or before `now`, and the window it closes. Compared
    in UTC: two times in one zone compare by wall clock in Python, which is wrong across
    a DST change."""
    tz = zoneinfo.ZoneInfo(sub.timezone)
    day = now.astimezone(tz).date()
    if sub.period == "week":
        day -= timedelta(days=(day.weekday() - sub.weekday) % 7)
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    due = _local_due(day, sub.at_time, tz)
    if due > now:
        day -= step
        due = _local_due(day, sub.at_time, tz)
    start = _local_due(day - step, sub.at_time, tz)
    return Slot(sub.channel, sub.period, period_key(sub.period, day), due, start,
                sub.timezone, sub.team)


def period_key(period: str, day: date) -> str:
    """`day:2026-03-30` or `week:2026-W14`: what is claimed once per channel."""
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"week:{year}-W{week:02d}"
    return f"day:{day.isoformat()}"


def adhoc_slot(channel: str, period: str, now: datetime, timezone: str,
               team: str = "") -> Slot:
    """A digest asked for by hand in a channel without a schedule: the period up to now."""
    today = now.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    length = timedelta(days=7 if period == "week" else 1)
    return Slot(channel, period, period_key(period, today), now, now - length, timezone,
                team)


UNINSTALLED = "idealoop was uninstalled from this workspace."  # why its digests paused


def describe(sub: Subscription | None) -> str:
    if sub is None:
        return ("This channel gets no digest. Try `/brainstorm digest daily` "
                "(or `weekly`, with a time like 09:30 and a time zone).")
    when = "every day" if sub.period == "day" else "every Monday"
    if sub.paused:
        return (f"This channel's digest ({when} at {sub.at_time}, {sub.timezone}) is paused: "
                f"{sub.paused} If I was removed from this channel, invite me back with "
                f"`/invite @idealoop`; then run `{resume_command(sub)}` to start it again.")
    return (f"This channel gets a digest {when} at {sub.at_time} ({sub.timezone}) with the "
            "ideas its people approved most. `/brainstorm digest off` stops it.")


def resume_command(sub: Subscription) -> str:
    """The command that subscribes the channel again to the same schedule."""
    every = "daily" if sub.period == "day" else "weekly"
    return f"/brainstorm digest {every} {sub.at_time} {sub.timezone}"


class Digests:
    """Decides which digests are due and what they hold."""

    def __init__(self, stores: Stores, *, grace: timedelta,
                 clock: Clock = utcnow, claim_lease: timedelta = CLAIM_LEASE,
                 first_retry: timedelta = FIRST_RETRY) -> None:
        self.stores = stores
        self.grace = grace
        self.clock = clock  # when slots are due (the claims keep the database's time)
        self.claim_lease = claim_lease
        self.first_retry = first_retry

    @property
    def digest_store(self) -> DigestStore:
        """The schedules and once-per-period claims of this workspace's digests."""
        return self.stores.digests

    @property
    def team(self) -> str:
        return self.digest_store.team

    def for_team(self, team: str) -> Digests:
        """These digests, on the rows of workspace `team`."""
        if team == self.team:
            return self
        return Digests(self.stores.for_team(team),
                       grace=self.grace, clock=self.clock, claim_lease=self.claim_lease,
                       first_retry=self.first_retry)

    def due_slots(self, now: datetime | None = None) -> list[Slot]:
        """The latest slot of each running subscription of every workspace, when it is
        due, within the grace, and not before the subscription began."""
        now = now or self.clock()
        slots = []
        for sub in self.digest_store.subscriptions():
            slot = latest_slot(sub, now)
            if sub.paused or now - slot.due > self.grace:
                continue
            if sub.since is not None and slot.due < sub.since:
                continue
            slots.append(slot)
        return slots

    def slot_for(self, channel: str, period: str | None, timezone: str,
                 now: datetime | None = None) -> Slot:
        """The slot `idealoop digest --channel C [--period P]` means right now."""
        now = now or self.clock()
        sub = self.digest_store.subscription(channel)
        if sub is not None and period in (None, sub.period):
            return latest_slot(sub, now)
        return adhoc_slot(channel, period or "day", now, sub.timezone if sub else timezone,
                          self.team)

    def run(self, slot: Slot, chat: DigestChat) -> DigestOutcome:
        """Claim the slot, then post its digest once: a slot someone else holds, or that
        already ended, is left alone; a digest an earlier try posted is found, not posted
        again; an empty period is recorded without a post; Slack away gives the claim
        back for a later tick; Slack refusing the channel for good pauses the schedule.
        Each outcome is counted (`bot.metrics.DIGESTS`)."""
        if slot.team != self.team:
            return self.for_team(slot.team).run(slot, chat)
        outcome = self._run(slot, chat)
        DIGESTS.labels(bounded(outcome.status, OUTCOMES)).inc()
        return outcome

    def _run(self, slot: Slot, chat: DigestChat) -> DigestOutcome:
        claim = self.digest_store.claim(slot.channel, slot.key,
                                        lease=self.claim_lease.total_seconds())
        if claim is None:
            waiting = self.digest_store.run_status(slot.channel, slot.key) == RETRY
            return DigestOutcome(slot.channel, slot.key, "waiting" if waiting else "taken")
        try:
            # Looked for before the content: approvals withdrawn since do not unpost it.
            found = chat.find(slot) if claim.attempts > 1 else None
            if found is not None:
                log.info("digest %s for %s was already posted; recording it", slot.key,
                         slot.channel)
                self._end(claim, slot, status=POSTED, ts=found)
                return DigestOutcome(slot.channel, slot.key, "found", ts=found)
            items, decided = self.content(slot), self.decided(slot)
            if not items and not decided:
                log.info("digest %s for %s: nothing approved or decided in the period; "
                         "nothing posted", slot.key, slot.channel)
                self._end(claim, slot, status=EMPTY)
                return DigestOutcome(slot.channel, slot.key, "empty")
            message = chat.render(slot, items, decided)
            if not self.digest_store.renew(claim, lease=self.claim_lease.total_seconds()):
                # This process stalled past its lease and another took the claim over: it
                # posts (or finds) the digest; posting here too would make two.
                log.warning("digest %s for %s: the claim passed to another process; not "
                            "posting", slot.key, slot.channel)
                return DigestOutcome(slot.channel, slot.key, "taken")
            ts = chat.post(slot, message)
        except ChatRefused as exc:
            if exc.about == "app":  # the token: an operator must act; every channel waits
                log.error("digest %s for %s: Slack refused the app itself (%s); check "
                          "SLACK_BOT_TOKEN and the app's scopes", slot.key, slot.channel, exc)
                return self._retry_later(claim, slot, exc)
            return self._refused(claim, slot, chat, exc)
        except ChatUnavailable as exc:
            return self._retry_later(claim, slot, exc)
        self._end(claim, slot, status=POSTED, ts=ts, items=len(items))
        log.info("digest %s posted in %s with %d ideas", slot.key, slot.channel, len(items))
        return DigestOutcome(slot.channel, slot.key, "posted", len(items), ts)

    def _retry_later(self, claim: Claim, slot: Slot, exc: Exception) -> DigestOutcome:
        """Give the claim back, to be tried again after 1, 2, 4 … minutes (at most an hour)."""
        retry_in = timedelta(seconds=backoff(claim.attempts,
                                             first=self.first_retry.total_seconds(),
                                             most=MAX_RETRY.total_seconds()))
        log.warning("digest %s for %s not posted (%s); trying again in %d s", slot.key,
                    slot.channel, exc, retry_in.total_seconds())
        self.digest_store.release(claim, retry_in=retry_in.total_seconds())
        return DigestOutcome(slot.channel, slot.key, "failed")

    def _refused(self, claim: Claim, slot: Slot, chat: DigestChat,
                 exc: ChatRefused) -> DigestOutcome:
        """Slack refused the digest for good. Refused for the channel (the bot was
        removed, the channel archived): pause its schedule with the reason, and tell the
        person who subscribed, once. Refused for this message only: end this period."""
        reason = f"Slack refused to post it (`{exc}`)."
        self._end(claim, slot, status=REFUSED, note=reason)
        if exc.about != "channel":
            log.error("digest %s for %s refused (%s); the next period is tried as usual",
                      slot.key, slot.channel, exc)
            return DigestOutcome(slot.channel, slot.key, "refused")
        log.warning("digest %s for %s refused for good (%s); pausing its schedule",
                    slot.key, slot.channel, exc)
        sub = self.digest_store.subscription(slot.channel)
        if sub is not None and self.digest_store.pause(slot.channel, reason):
            DIGESTS_PAUSED.labels("refused").inc()
            chat.tell(sub.created_by, (
                f"I paused the digest of <#{slot.channel}>: {reason} If I was removed from "
                f"that channel, invite me back with `/invite @idealoop`; then run "
                f"`{resume_command(sub)}` there to start the digest again."))
        return DigestOutcome(slot.channel, slot.key, "refused")

    def _end(self, claim: Claim, slot: Slot, *, status: str, ts: str | None = None,
             items: int = 0, note: str | None = None) -> None:
        if not self.digest_store.finish(claim, status=status, posted_ts=ts,
                                        item_count=items, note=note):
            # Another process took the claim over (this one was slow): it finds this
            # digest by its metadata rather than posting another.
            log.warning("digest %s for %s: the claim passed to another process before "
                        "this one recorded its outcome", slot.key, slot.channel)

    def content(self, slot: Slot) -> list[RankedItem]:
        """The items approved in the slot's period, best first."""
        return self.stores.reports.approved_between(
            slot.channel, since=slot.start, until=slot.due, limit=MAX_ITEMS)

    def decided(self, slot: Slot) -> list[StoredDecision]:
        """The decisions made in the slot's channel in its period ("Decided this
        period"), oldest first."""
        return self.stores.decisions.in_channel(slot.channel, since=slot.start,
                                                until=slot.due, limit=MAX_DECIDED)

    def subscription(self, channel: str) -> Subscription | None:
        """The channel's digest schedule, if it has one."""
        return self.digest_store.subscription(channel)

    def pause_all(self, reason: str) -> int:
        """Stop every digest of this workspace for `reason`; how many were running."""
        paused = self.digest_store.pause_all(reason)
        if paused:
            DIGESTS_PAUSED.labels("uninstalled" if reason == UNINSTALLED else "other").inc(paused)
        return paused

    def resume_all(self, reason: str) -> int:
        """Start again the digests `pause_all` stopped for `reason`, from now on."""
        return self.digest_store.resume_all(reason)

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
