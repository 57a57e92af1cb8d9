"""Decisions on SQLite and PostgreSQL (`storage.decisions`): one per submission, closed
once, snoozed once per reminder, reminders due once per date, scoped by workspace."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from storage.decisions import DONE, DROPPED, PLANNED, NewDecision
from storage.stores import Stores
from tests.storage.test_privacy import purge_before
from tests.storage.test_stores import _brainstorm

DUE = date(2026, 11, 6)


def _decide(stores: Stores, item_id: int, *, view: str = "V1", owner: str = "U2",
            due: date = DUE) -> int:
    decision, created = stores.decisions.save(NewDecision(
        channel="C1", item_id=item_id, thread_ts="100.000001", view_id=view,
        text="Try walking standups", decider="U1", owner=owner, due=due, note="for a month"))
    assert created
    return decision.id


def test_a_submission_is_stored_once(stores: Stores) -> None:
    ids = _brainstorm(stores)
    first = _decide(stores, ids[0])
    again, created = stores.decisions.save(NewDecision(
        channel="C1", item_id=ids[0], thread_ts="100.000001", view_id="V1", text="other",
        decider="U1", owner="U3", due=DUE))
    assert not created and again.id == first and again.text == "Try walking standups"
    stored = stores.decisions.get(first)
    assert stored is not None and (stored.status, stored.owner, stored.due, stored.note,
                                   stored.item_kind) == (PLANNED, "U2", DUE, "for a month",
                                                         "idea")


def test_a_decision_closes_once(stores: Stores) -> None:
    decision = _decide(stores, _brainstorm(stores)[0])
    closed = stores.decisions.close(decision, DONE, "U2")
    assert closed is not None and closed.status == DONE and closed.closed_by == "U2"
    assert stores.decisions.close(decision, DROPPED, "U1") is None
    assert stores.decisions.owned_by("U2") == []


def test_reminders_come_due_once_per_date_and_a_snooze_makes_a_new_one(
        stores: Stores) -> None:
    decision = _decide(stores, _brainstorm(stores)[0])
    late = datetime(2030, 1, 1, tzinfo=UTC)  # only `undated_by` decides for undated rows
    assert stores.decisions.due_reminders(late, undated_by=date(2026, 11, 5)) == []
    due = stores.decisions.due_reminders(late, undated_by=DUE)
    assert [d.id for d in due] == [decision] and due[0].team == ""
    assert stores.decisions.reminded(decision, DUE, "D1", "200.000001")
    assert stores.decisions.due_reminders(late, undated_by=date(2026, 11, 9)) == []
    later = date(2026, 11, 13)
    assert stores.decisions.snooze(decision, later, seen_remind_on=DUE)
    assert not stores.decisions.snooze(decision, date(2026, 11, 20), seen_remind_on=DUE)
    assert stores.decisions.due_reminders(late, undated_by=date(2026, 11, 12)) == []
    assert [d.id for d in stores.decisions.due_reminders(late, undated_by=later)] == [
        decision]
    stores.decisions.close(decision, DONE, "U2")
    assert stores.decisions.due_reminders(late, undated_by=later) == []


def test_a_zone_found_later_dates_the_reminder_once_unless_snoozed_meanwhile(
        stores: Stores) -> None:
    decision = _decide(stores, _brainstorm(stores)[0])
    nine_tokyo = datetime(2026, 11, 6, 0, tzinfo=UTC)  # 09:00 in Tokyo on DUE
    assert not stores.decisions.zone_found(decision, "Asia/Tokyo",
                                           seen_remind_on=date(2026, 11, 1),
                                           remind_at=nine_tokyo)  # snoozed meanwhile
    assert stores.decisions.zone_found(decision, "Asia/Tokyo", seen_remind_on=DUE,
                                       remind_at=nine_tokyo)
    assert not stores.decisions.zone_found(decision, "Europe/Paris", seen_remind_on=DUE,
                                           remind_at=nine_tokyo)  # it has one now
    stored = stores.decisions.get(decision)
    assert stored is not None and stored.owner_tz == "Asia/Tokyo"
    assert stored.remind_at == nine_tokyo
    never = date(2000, 1, 1)  # only the instant makes it due now
    assert stores.decisions.due_reminders(nine_tokyo - timedelta(seconds=1),
                                          undated_by=DUE) == []
    assert [d.id for d in stores.decisions.due_reminders(nine_tokyo, undated_by=never)] == [
        decision]


def test_a_dated_reminder_comes_due_at_its_instant_whatever_the_day_elsewhere(
        stores: Stores) -> None:
    """Owners in two zones: each reminder is due at its own instant (`remind_at`), which
    the day used for undated rows does not move; a snooze moves the instant too."""
    ids = _brainstorm(stores)
    tokyo_nine = datetime(2026, 11, 6, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo on the 6th
    la_nine = datetime(2026, 11, 6, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles
    tokyo, _ = stores.decisions.save(NewDecision(
        channel="C1", item_id=ids[0], thread_ts="100.000001", view_id="V1", text="a",
        decider="U1", owner="U2", due=DUE, owner_tz="Asia/Tokyo", remind_at=tokyo_nine))
    la, _ = stores.decisions.save(NewDecision(
        channel="C1", item_id=ids[1], thread_ts="100.000001", view_id="V2", text="b",
        decider="U1", owner="U3", due=DUE, owner_tz="America/Los_Angeles",
        remind_at=la_nine.astimezone(timezone(timedelta(hours=-8)))))  # stored as UTC
    assert (tokyo.owner_tz, tokyo.remind_at) == ("Asia/Tokyo", tokyo_nine)
    assert stores.decisions.get(la.id).remind_at == la_nine  # type: ignore[union-attr]

    def due(now: datetime) -> list[int]:
        return [d.id for d in stores.decisions.due_reminders(now, undated_by=DUE)]

    assert due(tokyo_nine - timedelta(seconds=1)) == []
    assert due(tokyo_nine) == [tokyo.id]
    assert due(la_nine - timedelta(seconds=1)) == [tokyo.id]
    assert due(la_nine) == [tokyo.id, la.id]
    assert stores.decisions.snooze(la.id, date(2026, 11, 13), seen_remind_on=DUE,
                                   remind_at=la_nine + timedelta(days=7))
    assert due(la_nine) == [tokyo.id]
    assert stores.decisions.due_reminders(la_nine + timedelta(days=7),
                                          undated_by=DUE)[-1].id == la.id


def test_decisions_are_scoped_by_workspace(stores: Stores) -> None:
    ids = _brainstorm(stores)
    decision = _decide(stores, ids[0])
    other = stores.for_team("T2")
    assert other.decisions.get(decision) is None
    assert other.decisions.close(decision, DONE, "U2") is None
    assert other.decisions.owned_by("U2") == [] and other.decisions.export_rows() == []
    assert [d.id for d in stores.decisions.owned_by("U2")] == [decision]
    assert [d.id for d in stores.decisions.due_between(date(2026, 11, 2), DUE,
                                                       user="U1")] == [decision]
    assert stores.decisions.due_between(date(2026, 11, 2), DUE, user="U9") == []


def test_forget_removes_the_words_of_the_decisions_a_person_made(stores: Stores) -> None:
    ids = _brainstorm(stores)
    mine = _decide(stores, ids[0])  # decided by U1
    other, _ = stores.decisions.save(NewDecision(
        channel="C1", item_id=ids[1], thread_ts="100.000001", view_id="V2", text="Keep it",
        decider="U3", owner="U1", due=DUE, note="theirs"))
    forgotten = stores.privacy.forget("U1")
    assert forgotten.decisions == 1
    gone = stores.decisions.get(mine)
    assert gone is not None and (gone.text, gone.note, gone.purged) == ("", None, True)
    assert (gone.owner, gone.due, gone.status) == ("U2", DUE, PLANNED)  # the rest stays
    kept = stores.decisions.get(other.id)
    assert kept is not None and (kept.text, kept.note) == ("Keep it", "theirs")


def test_retention_removes_the_words_of_old_decisions(stores: Stores) -> None:
    decision = _decide(stores, _brainstorm(stores)[0])
    assert purge_before(stores.privacy, datetime(2000, 1, 1, tzinfo=UTC)).decisions == 0
    purged = purge_before(stores.privacy, datetime.now(UTC) + timedelta(days=1))
    assert purged.decisions == 1
    gone = stores.decisions.get(decision)
    assert gone is not None and (gone.text, gone.note, gone.purged) == ("", None, True)


def test_a_decision_copied_from_its_item_goes_with_the_items_words_a_reworded_one_stays(
        stores: Stores) -> None:
    """Retention purges the idea; decisions made on it since are newer than the cut-off.
    The one kept as "Decide…" prefilled it (`copied`) is a copy of the idea's words and
    goes; the one its decider worded stays until its own time."""
    ids = _brainstorm(stores)
    cutoff = datetime.now(UTC) + timedelta(seconds=1)
    later = Stores.open(stores.engine, clock=lambda: cutoff + timedelta(hours=1))
    copy, _ = later.decisions.save(NewDecision(
        channel="C1", item_id=ids[0], thread_ts="100.000001", view_id="V1", text="a",
        decider="U3", owner="U3", due=DUE, copied=True))
    worded, _ = later.decisions.save(NewDecision(
        channel="C1", item_id=ids[0], thread_ts="100.000001", view_id="V2",
        text="We do a, from Monday", decider="U2", owner="U2", due=DUE))
    purged = purge_before(stores.privacy, cutoff)
    assert (purged.items, purged.decisions) == (3, 0) and purged.copies >= 1
    gone, kept = stores.decisions.get(copy.id), stores.decisions.get(worded.id)
    assert gone is not None and (gone.text, gone.purged) == ("", True)
    assert kept is not None and (kept.text, kept.purged) == ("We do a, from Monday", False)
