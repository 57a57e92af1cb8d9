"""Decisions recorded on ideas and drafts ("Decide…"): every SQL statement about them.

A decision is saved once per modal submission (`view_id`): a second delivery of the same
submission stores nothing more and gets the first one back. Its status moves from
"planned" to "done" or "dropped" once; a close names who closed it. Its owner's reminder
comes due on `remind_on` (the due date; a week later each time it is snoozed), at the
instant `remind_at` (09:00 in the owner's time zone, worked out by `bot.decisions`), and
is recorded as sent for that date (`reminded_on`), so a reminder that was sent is not
sent again, and a snooze makes a new one due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.base import Repository, as_utc, retry_locked
from storage.models import Decision, Item, Signal
from storage.signals import ButtonClick, apply_click

PLANNED, DONE, DROPPED = "planned", "done", "dropped"
CLOSED = (DONE, DROPPED)


@dataclass(frozen=True)
class NewDecision:
    channel: str
    item_id: int
    thread_ts: str  # the thread it is announced in (the idea's)
    view_id: str  # the modal it came from: one decision per submission
    text: str
    decider: str
    owner: str
    due: date
    note: str | None = None
    owner_tz: str | None = None  # the owner's time zone, when Slack said
    remind_at: datetime | None = None  # when the reminder of `due` comes due
    copied: bool = False  # the text is the item's words as prefilled, unchanged


@dataclass(frozen=True)
class StoredDecision:
    id: int
    team: str
    channel: str
    item_id: int
    thread_ts: str
    text: str
    note: str | None
    decider: str
    owner: str
    due: date
    status: str
    closed_by: str | None
    created_at: datetime
    updated_at: datetime
    remind_on: date
    reminded_on: date | None
    reminder_channel: str | None
    reminder_ts: str | None
    item_kind: str = "idea"
    purged: bool = False
    announced_ts: str | None = None
    owner_tz: str | None = None
    remind_at: datetime | None = None


_COLUMNS = (Decision.id, Decision.team, Decision.channel, Decision.item_id,
            Decision.thread_ts, Decision.text, Decision.note, Decision.decider,
            Decision.owner, Decision.due, Decision.status, Decision.closed_by,
            Decision.created_at, Decision.updated_at, Decision.remind_on,
            Decision.reminded_on, Decision.reminder_channel, Decision.reminder_ts,
            Decision.purged_at, Item.kind, Decision.announced_ts, Decision.owner_tz,
            Decision.remind_at)


def _stored(row: Any) -> StoredDecision:
    return StoredDecision(
        id=row.id, team=row.team, channel=row.channel, item_id=row.item_id,
        thread_ts=row.thread_ts, text=row.text, note=row.note, decider=row.decider,
        owner=row.owner, due=row.due, status=row.status, closed_by=row.closed_by,
        created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at),
        remind_on=row.remind_on,
        reminded_on=row.reminded_on, reminder_channel=row.reminder_channel,
        reminder_ts=row.reminder_ts, item_kind=row.kind, purged=row.purged_at is not None,
        announced_ts=row.announced_ts, owner_tz=row.owner_tz,
        remind_at=as_utc(row.remind_at) if row.remind_at is not None else None)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite keeps a datetime's wall clock, not its zone: every instant is stored in UTC."""
    return moment.astimezone(UTC) if moment is not None else None


@dataclass(frozen=True)
class Decidable:
    """An item a decision can be made on, as the modal needs it."""

    id: int
    kind: str
    text: str
    thread_ts: str  # its thread (an idea's brainstorm thread), where a decision is said
    purged: bool


class DecisionStore(Repository):
    """The decisions of a workspace."""

    def decidable(self, channel: str, ts: str) -> Decidable | None:
        """The item posted as message `ts` in `channel`, if there is one."""
        with self._read() as conn:
            row = conn.execute(select(Item.id, Item.kind, Item.text, Item.ts, Item.thread_ts,
                                      Item.purged_at)
                               .where(self._in(Item, channel), Item.ts == ts)).first()
        if row is None:
            return None
        return Decidable(row.id, row.kind, row.text, row.thread_ts or row.ts,
                         row.purged_at is not None)

    def _select(self) -> Any:
        return (select(*_COLUMNS).join(Item, Item.id == Decision.item_id)
                .where(Decision.team == self.team))

    @retry_locked
    def save(self, new: NewDecision, *,
             approval: ButtonClick | None = None) -> tuple[StoredDecision, bool]:
        """Store a decision, and the decider's `approval` of its item in the same
        transaction (both or neither); (it, True) when stored now, (the one stored
        before, with its approval, False) when this submission was already stored."""
        now = self.clock()
        try:
            with self._write() as conn:
                decision_id = conn.execute(insert(Decision).values(
                    team=self.team, channel=new.channel, item_id=new.item_id,
                    thread_ts=new.thread_ts, view_id=new.view_id[:64], text=new.text,
                    note=new.note, decider=new.decider, owner=new.owner, due=new.due,
                    status=PLANNED, created_at=now, updated_at=now, remind_on=new.due,
                    owner_tz=new.owner_tz, remind_at=_utc(new.remind_at),
                    copied=new.copied,
                ).returning(Decision.id)).scalar_one()
                if approval is not None:
                    apply_click(conn, self._insert(Signal), approval)
            created = True
        except IntegrityError as exc:
            if "uq_decisions_view" not in str(exc.orig) and \
                    "decisions.team, decisions.view_id" not in str(exc.orig):
                raise
            with self._read() as conn:
                decision_id = conn.execute(select(Decision.id).where(
                    Decision.team == self.team,
                    Decision.view_id == new.view_id[:64])).scalar_one()
            created = False
        found = self.get(decision_id)
        assert found is not None
        return found, created

    def get(self, decision_id: int) -> StoredDecision | None:
        with self._read() as conn:
            row = conn.execute(self._select().where(Decision.id == decision_id)).first()
        return _stored(row) if row else None

    @retry_locked
    def close(self, decision_id: int, status: str, by: str) -> StoredDecision | None:
        """Mark a planned decision done or dropped; None when it is not planned (closed
        before, by this click's first delivery or by someone else) or not found."""
        assert status in CLOSED
        with self._write() as conn:
            changed = conn.execute(update(Decision).where(
                Decision.team == self.team, Decision.id == decision_id,
                Decision.status == PLANNED,
            ).values(status=status, closed_by=by, updated_at=self.clock())).rowcount
        return self.get(decision_id) if changed else None

    @retry_locked
    def snooze(self, decision_id: int, until: date, *, seen_remind_on: date,
               remind_at: datetime | None = None) -> bool:
        """Move a planned decision's reminder to `until` (the instant `remind_at`), if it
        is still due on `seen_remind_on` (a second click on the same reminder changes
        nothing)."""
        with self._write() as conn:
            return bool(conn.execute(update(Decision).where(
                Decision.team == self.team, Decision.id == decision_id,
                Decision.status == PLANNED, Decision.remind_on == seen_remind_on,
            ).values(remind_on=until, remind_at=_utc(remind_at),
                     updated_at=self.clock())).rowcount)

    @retry_locked
    def zone_found(self, decision_id: int, owner_tz: str, *, seen_remind_on: date,
                   remind_at: datetime) -> bool:
        """Keep the owner's time zone Slack did not give when the decision was made, and
        the instant its reminder comes due there, if it still has no zone and is still
        due on `seen_remind_on` (not snoozed meanwhile)."""
        with self._write() as conn:
            return bool(conn.execute(update(Decision).where(
                Decision.team == self.team, Decision.id == decision_id,
                Decision.status == PLANNED, Decision.owner_tz.is_(None),
                Decision.remind_on == seen_remind_on,
            ).values(owner_tz=owner_tz, remind_at=_utc(remind_at))).rowcount)

    def owned_by(self, owner: str, *, limit: int = 20) -> list[StoredDecision]:
        """`owner`'s planned decisions, soonest due first."""
        with self._read() as conn:
            rows = conn.execute(self._select().where(
                Decision.owner == owner, Decision.status == PLANNED)
                .order_by(Decision.due, Decision.id).limit(limit)).all()
        return [_stored(row) for row in rows]

    def due_between(self, first: date, last: date, *, user: str | None = None,
                    limit: int = 20) -> list[StoredDecision]:
        """Planned decisions due in [first, last], those `user` decided or owns when
        given, soonest due first."""
        where = [Decision.status == PLANNED, Decision.due >= first, Decision.due <= last]
        if user is not None:
            where.append(or_(Decision.owner == user, Decision.decider == user))
        with self._read() as conn:
            rows = conn.execute(self._select().where(*where)
                                .order_by(Decision.due, Decision.id).limit(limit)).all()
        return [_stored(row) for row in rows]

    def in_channel(self, channel: str, *, since: datetime | None = None,
                   until: datetime | None = None, limit: int = 50) -> list[StoredDecision]:
        """The channel's decisions made in [since, until), oldest first."""
        where = [Decision.channel == channel]
        if since is not None:
            where.append(Decision.created_at >= since)
        if until is not None:
            where.append(Decision.created_at < until)
        with self._read() as conn:
            rows = conn.execute(self._select().where(*where)
                                .order_by(Decision.created_at, Decision.id)
                                .limit(limit)).all()
        return [_stored(row) for row in rows]

    def export_rows(self, channel: str | None = None) -> list[StoredDecision]:
        """Every decision of the workspace (of `channel`), oldest first, for the export."""
        where = [] if channel is None else [Decision.channel == channel]
        with self._read() as conn:
            rows = conn.execute(self._select().where(*where)
                                .order_by(Decision.created_at, Decision.id)).all()
        return [_stored(row) for row in rows]

    # -- reminders: across every workspace (the scheduler serves them all) ---------------

    def due_reminders(self, now: datetime, *, undated_by: date,
                      limit: int = 200) -> list[StoredDecision]:
        """Planned decisions, of any workspace, whose reminder is due by `now` (those
        without a `remind_at`: due on `undated_by` or before) and not yet sent for its
        date."""
        with self._read() as conn:
            rows = conn.execute(
                select(*_COLUMNS).join(Item, Item.id == Decision.item_id).where(
                    Decision.status == PLANNED,
                    or_(Decision.remind_at <= now.astimezone(UTC),
                        and_(Decision.remind_at.is_(None), Decision.remind_on <= undated_by)),
                    or_(Decision.reminded_on.is_(None),
                        Decision.reminded_on < Decision.remind_on))
                .order_by(Decision.remind_on, Decision.id).limit(limit)).all()
        return [_stored(row) for row in rows]

    @retry_locked
    def reminded(self, decision_id: int, on: date, channel: str, ts: str) -> bool:
        """Record that the reminder for date `on` was sent as message `ts` in `channel`."""
        with self._write() as conn:
            return bool(conn.execute(update(Decision).where(
                Decision.team == self.team, Decision.id == decision_id,
                Decision.remind_on == on,
            ).values(reminded_on=on, reminder_channel=channel, reminder_ts=ts)).rowcount)

    def unannounced(self, before: datetime, *, limit: int = 200) -> list[StoredDecision]:
        """Decisions, of any workspace, stored before `before` and not yet announced in
        their thread."""
        with self._read() as conn:
            rows = conn.execute(
                select(*_COLUMNS).join(Item, Item.id == Decision.item_id).where(
                    Decision.announced_ts.is_(None), Decision.created_at < before)
                .order_by(Decision.created_at, Decision.id).limit(limit)).all()
        return [_stored(row) for row in rows]

    @retry_locked
    def announced(self, decision_id: int, ts: str) -> bool:
        """Record the message that announced the decision in its thread."""
        with self._write() as conn:
            return bool(conn.execute(update(Decision).where(
                Decision.team == self.team, Decision.id == decision_id,
            ).values(announced_ts=ts)).rowcount)
