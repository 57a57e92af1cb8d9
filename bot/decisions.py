"""Decisions: the team turns an idea or a draft into a decision with an owner and a due
date ("Decide…"), and the owner is reminded on that date. Slack-free.

- Deciding checks the form (a decision in words, an owner, a due date from today on, a
  short note) and says what is wrong field by field (`FormErrors`), stores the decision
  once per submission, and counts it as the decider's strong approval of the item
  (`bot.signals.BUTTONS["decide"]`), which steers the channel's next brainstorms.
- The channel allow-list (`IDEALOOP_CHANNELS`) applies as to every surface. A decision
  is no AI work: it spends no tokens and does not count against the daily limits of
  brainstorms and drafts, and neither does its reminder.
- Its owner, or whoever decided it, may close it (done or dropped) or snooze its
  reminder a week; each click does its part once.
- It is announced in the item's thread by durable work (`NOTICE_WORK`), queued when it
  is stored and again by the scheduler tick while it is not announced, under one key.
- Reminders come due at `REMIND_AT` on their day in the owner's time zone (the one Slack
  gave for them when the decision was made: `owner_zone`), in `IDEALOOP_TIMEZONE` when
  Slack did not say; the scheduler tick hands each to durable work (`reminder_work`),
  keyed by the decision and the date, so it is sent once across every replica
  (`bot.work.runs.reminder`).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from bot.config import Settings
from bot.errors import BadInput
from bot.limits import Limits
from bot.signals import button_click
from bot.slack_values import is_slack_id
from storage.base import Clock, utcnow
from storage.decisions import DONE as DONE  # for handlers/
from storage.decisions import DROPPED as DROPPED
from storage.decisions import PLANNED as PLANNED
from storage.decisions import Decidable, NewDecision
from storage.decisions import StoredDecision as StoredDecision
from storage.signals import ItemRef
from storage.stores import Stores

DECIDABLE = ("idea", "draft", "polish")  # what "Decide…" is offered on
TEXT_MAX = 3000  # the decision (a plain_text_input's max_length is 3,000)
NOTE_MAX = 1000
MOST_AHEAD = timedelta(days=3 * 366)  # a due date further than this is a typo
SNOOZE = timedelta(days=7)
REMIND_AT = time(9, 0)  # local time a reminder is sent on its day
REMINDER_WORK = "reminder"  # the kind of durable work that sends one
NOTICE_WORK = "decision_notice"  # … that announces a decision in its thread
NOTICE_SWEEP_AFTER = timedelta(seconds=30)  # unannounced this long: the tick takes it
NOT_ANNOUNCED = ""  # `announced_ts` of a decision Slack refused to announce, for good
PURGED_IDEA = ("This message's words are no longer kept (idealoop's retention policy), "
               "so a decision cannot be made on it here.")
NOT_DECIDABLE = "Decisions are made on idealoop's ideas and drafts."
NOT_YOURS = "Only the decision's owner or the person who made it can change it."
ALREADY_CLOSED = "This decision was already closed: it is {status}."

# The form's fields, as `FormErrors` names them.
TEXT, OWNER, DUE, NOTE = "decision", "owner", "due", "note"


class FormErrors(BadInput):
    """The decision form has errors: `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Proposal:
    """What the modal is opened with: the item and the decision prefilled from it."""

    item_id: int
    kind: str
    channel: str
    thread_ts: str
    text: str


@dataclass(frozen=True)
class DecisionForm:
    """A submitted form, as typed."""

    channel: str
    message_ts: str
    view_id: str
    decider: str
    text: str
    owner: str | None
    due: str | None  # YYYY-MM-DD, as Slack's date picker sends it
    note: str | None
    owner_tz: str | None = None  # the owner's time zone (`owner_zone`), when Slack said
    prefill: str | None = None  # the decision the modal was opened with


@dataclass(frozen=True)
class Closed:
    """What a click on a reminder's button did."""

    decision: StoredDecision
    changed: bool  # False: a second click, or the decision was closed before
    said: str  # what the clicker is told


class Decisions:
    """Deciding, closing and snoozing decisions of one workspace, and their reminders."""

    def __init__(self, settings: Settings, stores: Stores, *, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.stores = stores
        self.limits = Limits(settings, clock=clock)
        self.clock = clock

    def for_team(self, team: str) -> Decisions:
        """These decisions, in workspace `team`."""
        return Decisions(self.settings, self.stores.for_team(team), clock=self.clock)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.settings.timezone)

    def today(self) -> date:
        """Today in `IDEALOOP_TIMEZONE`: due dates are days there."""
        return self.clock().astimezone(self.zone).date()

    def proposal(self, channel: str, message_ts: str) -> Proposal:
        """The decision the modal starts from, for the item posted as `message_ts`;
        BadInput when it is not an idea or a draft, or its words are gone."""
        self.limits.check_channel(channel)
        item = self._decidable(channel, message_ts)
        return Proposal(item.id, item.kind, channel, item.thread_ts,
                        " ".join(item.text.split())[:TEXT_MAX])

    def _decidable(self, channel: str, message_ts: str) -> Decidable:
        item = self.stores.decisions.decidable(channel, message_ts)
        if item is None or item.kind not in DECIDABLE:
            raise BadInput(NOT_DECIDABLE)
        if item.purged:
            raise BadInput(PURGED_IDEA)
        return item

    def decide(self, form: DecisionForm, *, action_ts: str) -> tuple[StoredDecision, bool]:
        """Store the decision of a submitted form: (it, True), or (the one stored for this
        submission before, False). FormErrors names what to fix; BadInput when the item
        cannot be decided on (any more)."""
        self.limits.check_channel(form.channel)
        text, owner, due, note = self.check(form)
        item = self._decidable(form.channel, form.message_ts)
        owner_tz = form.owner_tz if _zone(form.owner_tz) is not None else None
        # a decision is the decider's strong approval of what it came from: stored with
        # it, in one transaction, so a decision is never kept without it
        approval = button_click("decide", user=form.decider, action_ts=action_ts,
                                item=ItemRef(item.id, item.kind, form.channel,
                                             form.message_ts))
        return self.stores.decisions.save(NewDecision(
            channel=form.channel, item_id=item.id, thread_ts=item.thread_ts,
            view_id=form.view_id, text=text, decider=form.decider, owner=owner, due=due,
            note=note, owner_tz=owner_tz, remind_at=self.remind_at(due, owner_tz),
            copied=_words(form.prefill) == text), approval=approval)

    def check(self, form: DecisionForm) -> tuple[str, str, date, str | None]:
        """The form's values, cleaned; FormErrors for each field that is wrong."""
        errors: dict[str, str] = {}
        text = _words(form.text)
        if not text:
            errors[TEXT] = "Say what was decided."
        elif len(text) > TEXT_MAX:
            errors[TEXT] = f"Keep the decision under {TEXT_MAX:,} characters."
        if not is_slack_id(form.owner):
            errors[OWNER] = "Pick who owns this decision."
        due = self._due(form.due, errors)
        note = (form.note or "").strip() or None
        if note is not None and len(note) > NOTE_MAX:
            errors[NOTE] = f"Keep the note under {NOTE_MAX:,} characters."
        if errors:
            raise FormErrors(errors)
        assert due is not None and form.owner is not None
        return text, form.owner, due, note

    def _due(self, value: str | None, errors: dict[str, str]) -> date | None:
        if not value:
            errors[DUE] = "Pick a due date."
            return None
        try:
            due = date.fromisoformat(value)
        except ValueError:
            errors[DUE] = "That is not a date; pick one in the calendar."
            return None
        today = self.today()
        if due < today:
            errors[DUE] = f"Pick a date from today ({today:%Y-%m-%d}) on."
        elif due - today > MOST_AHEAD:
            errors[DUE] = "Pick a date within three years."
        return due

    def close(self, decision_id: int, status: str, user: str) -> Closed:
        """Done or dropped, by its owner or its decider; a second click changes nothing."""
        decision = self._mine(decision_id, user)
        if decision.status != PLANNED:
            return Closed(decision, False, ALREADY_CLOSED.format(status=decision.status))
        closed = self.stores.decisions.close(decision_id, status, user)
        if closed is None:  # closed by someone else in the meantime
            now = self.stores.decisions.get(decision_id) or decision
            return Closed(now, False, ALREADY_CLOSED.format(status=now.status))
        said = "Marked done. Well done!" if status == DONE else "Marked dropped."
        return Closed(closed, True, said)

    def snooze(self, decision_id: int, user: str) -> Closed:
        """The reminder again in a week (from the date it was for, or today if later)."""
        decision = self._mine(decision_id, user)
        if decision.status != PLANNED:
            return Closed(decision, False, ALREADY_CLOSED.format(status=decision.status))
        until = max(decision.remind_on, self.today()) + SNOOZE
        changed = self.stores.decisions.snooze(
            decision_id, until, seen_remind_on=decision.remind_on,
            remind_at=self.remind_at(until, decision.owner_tz))
        now = self.stores.decisions.get(decision_id) or decision
        said = (f"Snoozed: I will remind you again on {until:%A %d %B}." if changed else
                f"Already snoozed: the next reminder is on {now.remind_on:%A %d %B}.")
        return Closed(now, changed, said)

    def zone_found(self, decision: StoredDecision, owner_tz: str | None) -> bool:
        """The owner's time zone, asked again after the decision was stored without one
        (Slack did not answer within the second the modal allows): kept, and their
        reminder moved to 09:00 there, unless it is unusable or the decision changed."""
        remind_at = self.remind_at(decision.remind_on, owner_tz)
        if owner_tz is None or remind_at is None or decision.owner_tz is not None:
            return False
        return self.stores.decisions.zone_found(
            decision.id, owner_tz, seen_remind_on=decision.remind_on, remind_at=remind_at)

    def _mine(self, decision_id: int, user: str) -> StoredDecision:
        decision = self.stores.decisions.get(decision_id)
        if decision is None:
            raise BadInput("That decision is no longer kept.")
        if user not in (decision.owner, decision.decider):
            raise BadInput(NOT_YOURS)
        return decision

    def get(self, decision_id: int) -> StoredDecision | None:
        return self.stores.decisions.get(decision_id)

    def yours(self, user: str) -> list[StoredDecision]:
        """`user`'s planned decisions (they own them), soonest due first."""
        return self.stores.decisions.owned_by(user)

    def due_this_week(self, user: str) -> list[StoredDecision]:
        """Planned decisions `user` owns or made, due in the next seven days or overdue."""
        today = self.today()
        return self.stores.decisions.due_between(date.min, today + timedelta(days=6),
                                                 user=user)

    def in_channel(self, channel: str) -> list[StoredDecision]:
        return self.stores.decisions.in_channel(channel)

    def reminded(self, decision_id: int, on: date, channel: str, ts: str) -> bool:
        """Record the reminder for date `on` as sent (message `ts` in `channel`)."""
        return self.stores.decisions.reminded(decision_id, on, channel, ts)

    def announced(self, decision_id: int, ts: str) -> bool:
        """Record the decision's announcement in its thread (`NOT_ANNOUNCED`: refused)."""
        return self.stores.decisions.announced(decision_id, ts)

    def unannounced(self, now: datetime | None = None) -> list[StoredDecision]:
        """Decisions of every workspace stored a while ago and still not announced: the
        work that announces them was lost (a crash, the database away after storing)."""
        return self.stores.decisions.unannounced((now or self.clock()) - NOTICE_SWEEP_AFTER)

    def due_reminders(self, now: datetime | None = None) -> list[StoredDecision]:
        """Planned decisions of every workspace whose reminder is due by `now`: at
        `REMIND_AT` in their owner's zone, in `IDEALOOP_TIMEZONE` when it is unknown."""
        now = now or self.clock()
        local = now.astimezone(self.zone)
        latest = local.date() if local.time() >= REMIND_AT else local.date() - timedelta(1)
        return self.stores.decisions.due_reminders(now, undated_by=latest)

    def remind_at(self, on: date, owner_tz: str | None) -> datetime | None:
        """The instant the reminder of day `on` comes due: `REMIND_AT` in the owner's
        zone; None when it is unknown (then `IDEALOOP_TIMEZONE`'s, as it is set then)."""
        zone = _zone(owner_tz)
        if zone is None:
            return None
        return datetime.combine(on, REMIND_AT, tzinfo=zone).astimezone(UTC)


ZONE_MAX = 64  # decisions.owner_tz


def owner_zone(tz: object, tz_offset: object) -> str | None:
    """A person's time zone as Slack gives it for them (`users.info`: `tz`, an IANA name
    like "America/Los_Angeles", and `tz_offset`, seconds from UTC now): the name when it
    is one this machine knows, else the offset as "+05:30" (it does not follow daylight
    saving time), else None."""
    if isinstance(tz, str) and len(tz) <= ZONE_MAX and _named(tz) is not None:
        return tz
    if isinstance(tz_offset, int) and not isinstance(tz_offset, bool) \
            and abs(tz_offset) < 24 * 3600 and tz_offset % 60 == 0:
        sign, minutes = ("-" if tz_offset < 0 else "+"), abs(tz_offset) // 60
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return None


def _named(name: str) -> tzinfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _zone(owner_tz: str | None) -> tzinfo | None:
    """The zone `owner_zone` named: an IANA zone or a fixed offset; None when unknown."""
    if not owner_tz:
        return None
    if owner_tz[0] in "+-" and len(owner_tz) == 6 and owner_tz[3] == ":" \
            and owner_tz[1:3].isdigit() and owner_tz[4:].isdigit():
        sign = -1 if owner_tz[0] == "-" else 1
        return timezone(sign * timedelta(hours=int(owner_tz[1:3]),
                                         minutes=int(owner_tz[4:])))
    return _named(owner_tz)


def _words(text: str | None) -> str:
    """`text` on one line, as a decision is stored: a decision whose words are its
    prefill's is a copy of the item's (`NewDecision.copied`)."""
    return " ".join((text or "").split())


def reminder_key(decision: StoredDecision) -> str:
    """The delivery key of a decision's reminder for its current date: the work that
    sends it is accepted once across replicas."""
    return f"reminder:{decision.team}:{decision.id}:{decision.remind_on.isoformat()}"


def notice_key(decision: StoredDecision) -> str:
    """The delivery key of a decision's announcement: accepted once, whoever queues it."""
    return f"notice:{decision.team}:{decision.id}"

