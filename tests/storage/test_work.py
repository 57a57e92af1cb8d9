"""Durable work on SQLite and PostgreSQL: once per delivery, one holder at a time, fenced."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.db import make_engine
from storage.errors import QuotaReached
from storage.work import NewWork, Quota, WorkItem, WorkStore
from testkit.waiting import eventually


@pytest.fixture
def work(db_url: str) -> Iterator[WorkStore]:
    store = WorkStore(make_engine(db_url))
    yield store
    store.engine.dispose()


def new(key: str = "command:T1") -> NewWork:
    return NewWork(kind="brainstorm", delivery_key=key, channel="C1", user_id="U1",
                   request={"topic": "standups", "response_url": "https://hooks/x"})


def test_a_delivery_is_accepted_once(work: WorkStore) -> None:
    first = work.accept(new(), owner="a", lease=30)
    assert first is not None and first.request["topic"] == "standups" and first.attempts == 1
    assert work.accept(new(), owner="b", lease=30) is None  # Slack's retry of the same command
    assert work.accept(new("command:T2"), owner="a", lease=30) is not None


def test_concurrent_deliveries_are_accepted_exactly_once(work: WorkStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: work.accept(new(), owner=f"p{n}", lease=30),
                                range(16)))
    assert sum(result is not None for result in results) == 1


def test_held_work_is_not_taken_until_its_lease_runs_out(work: WorkStore) -> None:
    held = work.accept(new(), owner="dead", lease=0.5)
    assert held is not None
    assert work.claim_next(owner="alive", lease=30) is None  # still leased
    taken = eventually(lambda: _claimed(work, "alive"), timeout=5)
    assert taken.id == held.id and taken.attempts == 2 and taken.owner == "alive"
    # The old holder lost it: nothing it does changes the row any more.
    assert work.finish(held) is False and work.set_placeholder(held, "1.0") is False
    assert work.set_placeholder(taken, "2.0") and work.finish(taken)
    assert work.backlog()[0] == 0


def _claimed(work: WorkStore, owner: str) -> WorkItem:
    item = work.claim_next(owner=owner, lease=30)
    assert item is not None
    return item


def test_concurrent_sweeps_never_take_the_same_work(work: WorkStore) -> None:
    for n in range(20):
        item = work.accept(new(f"command:T{n}"), owner="gone", lease=30)
        assert item is not None and work.let_go(item)
    with ThreadPoolExecutor(6) as pool:
        taken = list(pool.map(lambda n: work.claim_next(owner=f"p{n}", lease=30), range(40)))
    ids = [item.id for item in taken if item is not None]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_renewing_keeps_the_lease_and_a_graceful_stop_gives_work_back(work: WorkStore) -> None:
    item = work.accept(new(), owner="me", lease=0.5)
    other = work.accept(new("command:T2"), owner="me", lease=0.5)
    assert item is not None and other is not None
    assert work.renew(owner="me", lease=30, ids=[item.id, other.id, 999]) == {item.id, other.id}
    assert work.claim_next(owner="you", lease=30) is None
    assert work.let_go_all("me", keep=[other.id]) == 1
    taken = work.claim_next(owner="you", lease=30)
    assert taken is not None and taken.id == item.id
    assert sorted(work.pending_owners()) == ["me", "you"]


def test_finished_work_is_forgotten_later(work: WorkStore) -> None:
    item = work.accept(new(), owner="me", lease=30)
    assert item is not None and work.finish(item, failed=True, note="told them")
    assert work.prune(timedelta(days=1)) == 0
    assert work.prune(timedelta(seconds=-1)) == 1
    assert work.accept(new(), owner="me", lease=30) is not None  # its key is free again


def test_only_the_work_named_is_renewed(work: WorkStore) -> None:
    running = work.accept(new(), owner="me", lease=0.5)
    abandoned = work.accept(new("command:T2"), owner="me", lease=0.5)
    assert running is not None and abandoned is not None
    assert work.renew(owner="me", lease=30, ids=[running.id]) == {running.id}
    taken = eventually(lambda: _claimed(work, "you"), timeout=5)
    assert taken.id == abandoned.id  # left to expire, so someone else took it
    assert work.renew(owner="me", lease=30, ids=[abandoned.id]) == set()


def test_an_earlier_attempt_is_fenced_off_even_in_the_same_process(work: WorkStore) -> None:
    """A process whose attempt stalled past its lease and that then took the same work
    again holds it twice, by the same name: only the newer attempt may act."""
    stalled = work.accept(new(), owner="me", lease=30)
    assert stalled is not None and work.let_go(stalled)  # as if its lease ran out
    again = _claimed(work, "me")
    assert again.id == stalled.id and again.attempts == 2
    assert not work.hold(stalled, lease=30) and not work.set_placeholder(stalled, "1.0")
    assert not work.finish(stalled) and not work.let_go(stalled)
    assert work.hold(again, lease=30) and work.finish(again)


def test_a_channel_has_pending_work_until_it_is_finished(work: WorkStore) -> None:
    assert not work.has_pending("", "C1")
    item = work.accept(new(), owner="me", lease=30)
    assert item is not None and work.has_pending("", "C1") and not work.has_pending("", "C2")
    assert not work.has_pending("T2", "C1")  # the same channel id in another workspace
    assert work.set_placeholder(item, "1.000001")
    assert not work.has_pending("", "C1", besides="1.000001")  # its own header
    assert work.has_pending("", "C1", besides="1.000002")
    assert work.finish(item) and not work.has_pending("", "C1")


def test_a_quota_lets_exactly_its_limit_through_when_requests_race(work: WorkStore) -> None:
    quota = Quota(since=work.clock() - timedelta(hours=1), person=3)

    def accept(n: int) -> str:
        try:
            accepted = work.accept(new(f"command:R{n}"), owner=f"p{n}", lease=30, quota=quota)
        except QuotaReached as exc:
            assert (exc.which, exc.used, exc.limit) == ("person", 3, 3)
            return "refused"
        return "accepted" if accepted is not None else "repeated"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(accept, range(24)))
    assert results.count("accepted") == 3 and results.count("refused") == 21
    # A re-delivery of accepted work is a repeat, not a refusal, even at the limit.
    assert work.accept(new("command:R0" if results[0] == "accepted" else
                           f"command:R{results.index('accepted')}"),
                       owner="p", lease=30, quota=quota) is None
    assert work.usage("", "U1", "C1", quota.since).person == 3
    assert work.usage("T2", "U1", "C1", quota.since).person == 0  # another workspace
    # Work from before the day began does not count.
    assert work.usage("", "U1", "C1", work.clock() + timedelta(minutes=1)).person == 0


def test_work_the_app_gives_itself_counts_against_no_daily_limit(work: WorkStore) -> None:
    """A decision's announcement and reminder (`bot.decisions`) are not a person's
    brainstorms or drafts: the daily limits do not count them."""
    since = work.clock() - timedelta(hours=1)
    for kind in ("reminder", "decision_notice"):
        assert work.accept(NewWork(kind=kind, delivery_key=f"{kind}:1", channel="C1",
                                   user_id="U1", request={"decision": 1}),
                           owner="me", lease=30) is not None
    assert work.usage("", "U1", "C1", since).person == 0
    assert work.usage("", "U1", "C1", since).channel == 0
    assert work.accept(new("command:X"), owner="me", lease=30,
                       quota=Quota(since=since, person=1)) is not None


def test_the_day_of_a_quota_is_compared_as_stored(work: WorkStore) -> None:
    """Limits count from local midnight, handed over in UTC (`bot.limits.Day`): a row
    stored at 23:30 UTC is after 00:00 in Berlin (23:00 UTC), on SQLite as on PostgreSQL."""
    late = WorkStore(work.engine, clock=lambda: datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert late.accept(new("command:L1"), owner="me", lease=30) is not None
    berlin_midnight = datetime(2026, 12, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    assert late.usage("", "U1", "C1", berlin_midnight.astimezone(UTC)).person == 1
    assert late.usage("", "U1", "C1", datetime(2026, 12, 1, tzinfo=UTC)).person == 0


def _in_thread(key: str, thread_ts: str = "1.0", **request: object) -> NewWork:
    return NewWork(kind="draft", delivery_key=key, channel="D1", user_id="U1",
                   thread_ts=thread_ts, team="T1", request={"text": "x", **request})


def test_stopping_a_thread_cancels_its_unfinished_work_whoever_holds_it(
        work: WorkStore) -> None:
    held = work.accept(_in_thread("event:1"), owner="a", lease=30)
    done = work.accept(_in_thread("event:2"), owner="a", lease=30)
    elsewhere = work.accept(_in_thread("event:3", thread_ts="2.0"), owner="a", lease=30)
    assert held is not None and done is not None and elsewhere is not None
    assert work.finish(done)
    stopped = work.cancel("T1", "D1", "1.0", note="Stopped by <@U2>.")
    assert [(item.id, item.owner) for item in stopped] == [(held.id, "a")]
    # the holder learns it at its next fenced step, and why
    assert work.hold(held, lease=30) is False and work.finish(held) is False
    assert work.cancelled_note(held.id) == "Stopped by <@U2>."
    assert work.cancelled_note(done.id) is None
    assert work.claim_next(owner="b", lease=30) is None  # never taken over
    work.spent(held.id, 42)  # what it spent until it noticed still counts
    assert work.usage("T1", "U1", "D1", datetime(2000, 1, 1, tzinfo=UTC)).tokens == 42
    assert work.cancel("T1", "D1", "1.0", note="again") == []  # a repeated stop
    assert work.backlog()[0] == 1  # the other thread's work runs on


def test_a_thread_is_an_agent_session_when_its_work_says_so(work: WorkStore) -> None:
    work.accept(_in_thread("event:1", agent_session=True), owner="a", lease=30)
    work.accept(_in_thread("event:2", thread_ts="2.0"), owner="a", lease=30)
    assert work.in_agent_session("T1", "D1", "1.0")
    assert not work.in_agent_session("T1", "D1", "2.0")
    assert not work.in_agent_session("T2", "D1", "1.0")


def test_the_tokens_of_two_attempts_add_up(work: WorkStore) -> None:
    first = work.accept(new(), owner="a", lease=30)
    assert first is not None
    work.spent(first.id, 120)  # the first attempt's answer, before its process died
    assert work.let_go(first)
    second = work.claim_next(owner="b", lease=30)
    assert second is not None and second.id == first.id and second.attempts == 2
    work.spent(second.id, 80)
    since = datetime(2000, 1, 1, tzinfo=UTC)
    assert work.usage("", "U1", "C1", since).tokens == 200


def test_the_oldest_pending_work_comes_back_as_an_aware_utc_time(work: WorkStore) -> None:
    """SQLite keeps no zone: the store, not its callers, makes the time UTC again
    (`storage.base.as_utc`), so the queue's age gauge can subtract it from now."""
    assert work.backlog() == (0, None)
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert work.accept(new(), owner="a", lease=30) is not None
    depth, oldest = work.backlog()
    assert depth == 1 and oldest is not None and oldest.utcoffset() == timedelta(0)
    assert before <= oldest <= datetime.now(UTC) + timedelta(seconds=1)


def test_work_left_for_worker_processes_is_free_at_once_and_its_first_claim_is_attempt_one(
        work: WorkStore) -> None:
    """A web process with worker processes stores work held by nobody (`owner=None`)."""
    assert not work.claimable()
    left = work.accept(new(), owner=None, lease=30)
    assert left is not None and left.owner is None and left.attempts == 0
    assert work.claimable()
    assert work.pending_owners() == []  # nobody holds it
    taken = work.claim_next(owner="worker", lease=30)
    assert taken is not None and taken.id == left.id
    assert taken.owner == "worker" and taken.attempts == 1
    assert not work.claimable()  # held now
    assert work.claim_next(owner="other", lease=30) is None
    assert work.finish(taken)


def test_a_waiting_worker_wakes_when_work_is_stored_and_not_before(work: WorkStore) -> None:
    """PostgreSQL: the NOTIFY sent in the accepting transaction reaches a LISTENing worker;
    SQLite: its short poll sees the row. Work given back wakes it too; work stored with a
    holder does not (that process runs it)."""
    wakeups = work.wakeups()
    try:
        assert wakeups.wait(0.3) is (wakeups.postgres)  # a new connection: look once
        assert wakeups.wait(0.3) is False  # nothing stored, nothing heard
        held = work.accept(new("command:held"), owner="web", lease=30)
        assert held is not None
        assert wakeups.wait(0.3) is False
        with ThreadPoolExecutor(1) as pool:
            woken = pool.submit(wakeups.wait, 10.0)
            stored = work.accept(new("command:left"), owner=None, lease=30)
            started = datetime.now(UTC)
            assert woken.result(timeout=10) is True
        assert (datetime.now(UTC) - started) < timedelta(seconds=1)
        assert stored is not None
        taken = work.claim_next(owner="worker", lease=30)
        assert taken is not None and taken.id == stored.id
        assert wakeups.wait(0.3) is False
        assert work.let_go(taken)  # given back: free for any worker at once
        assert wakeups.wait(5.0) is True
    finally:
        wakeups.close()
