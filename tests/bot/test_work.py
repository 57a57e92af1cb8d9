"""Which owners of work are certainly dead: only processes on this host that are gone;
and how a run learns that a person stopped its work."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.boards import BOARD_WORK
from bot.config import Settings
from bot.decisions import NOTICE_WORK, REMINDER_WORK
from bot.limits import Limits
from bot.work.owners import is_dead, process_name
from bot.work.queue import Stopped, Work
from storage.db import make_engine
from storage.work import THE_APPS, WorkStore


def test_this_process_and_other_apps_in_it_are_alive() -> None:
    me, other_app = process_name(), process_name()
    assert not is_dead(me, me) and not is_dead(other_app, me)


def test_a_process_that_ended_is_dead() -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "from bot.work.owners import process_name; print(process_name())"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert is_dead(ended, process_name())


def test_a_reused_pid_is_not_its_old_process() -> None:
    host, pid, started, nonce = process_name().split(":")
    assert is_dead(f"{host}:{pid}:{int(started) - 1}:{nonce}", process_name())


def test_other_hosts_and_strange_names_are_left_to_their_leases() -> None:
    me = process_name()
    _, pid, started, nonce = me.split(":")
    assert not is_dead(f"elsewhere/1:{pid}:{started}:{nonce}", me)
    assert not is_dead("not-an-owner", me) and not is_dead(f"{me}:extra", me)


def test_a_stopped_run_is_told_so_here_at_once_and_elsewhere_at_its_next_step(
        sqlite_url: str) -> None:
    store = WorkStore(make_engine(sqlite_url))
    limits = Limits(Settings.from_env({"DATABASE_URL": sqlite_url}))
    here, there = (Work(store, lease=30, limits=limits) for _ in range(2))
    item = there.accept("draft", team="T1", delivery_key="event:1", channel="D1", user="U1",
                        request={}, thread_ts="1.0")
    assert item is not None
    here.check_stopped(item)  # nothing stopped yet
    [stopped] = here.stop("T1", "D1", "1.0", note="Stopped by <@U1>.")
    assert stopped.owner == there.owner
    with pytest.raises(Stopped, match="Stopped by"):
        here.check_stopped(item)  # no database round trip in the process that stopped it
    there.check_stopped(item)  # the holder elsewhere has not asked the database yet
    with pytest.raises(Stopped) as caught:
        there.confirm(item)
    assert caught.value.note == "Stopped by <@U1>."
    store.engine.dispose()


def test_work_the_app_gives_itself_under_hand_off_is_free_for_the_workers_at_once(
        db_url: str) -> None:
    """A web process with worker processes (`hand_off`) runs no work: a decision's
    announcement or reminder it schedules is stored held by nobody, a waiting worker is
    woken (NOTIFY on PostgreSQL, its look on SQLite) and claims it at once — not after
    the web process's lease ran out."""
    store = WorkStore(make_engine(db_url))
    limits = Limits(Settings.from_env({"DATABASE_URL": db_url}))
    web = Work(store, lease=30, limits=limits, hand_off=True)
    worker = Work(store, lease=30, limits=limits)
    wakeups = worker.wakeups()
    try:
        wakeups.wait(0.3)  # a new connection counts as a wake-up: spend it
        assert wakeups.wait(0.3) is False
        with ThreadPoolExecutor(1) as pool:
            woken = pool.submit(wakeups.wait, 10.0)
            scheduled = web.schedule("decision_notice", team="T1", delivery_key="notice:1",
                                     channel="C1", user="U1", request={"decision": 1})
            assert woken.result(timeout=10) is True
        assert scheduled is not None and scheduled.owner is None
        taken = worker.claim_next()
        assert taken is not None and taken.id == scheduled.id and taken.attempts == 1
        assert taken.owner == worker.owner
        assert worker.finish(taken)
    finally:
        wakeups.close()
        store.engine.dispose()


def test_every_kind_of_work_the_app_gives_itself_counts_against_no_daily_limit() -> None:
    """storage.work names them by hand (storage imports no bot): a new kind the app queues
    for itself, left out there, would spend people's daily limits (a board edited once a
    minute once did)."""
    assert {REMINDER_WORK, NOTICE_WORK, BOARD_WORK} <= set(THE_APPS)
