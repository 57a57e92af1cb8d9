"""The supervisor of `serve --workers N` (`bot.runtime.workers`) on real child processes:
a child that dies is replaced, later each time it dies at once; a child that ignores
SIGTERM is killed at the deadline, and its work given back."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.runtime.workers import WorkerProcesses
from testkit.waiting import eventually, wait_until


def test_a_child_that_dies_at_once_is_replaced_ever_more_slowly() -> None:
    deaths: list[int] = []
    supervisor = WorkerProcesses(1, command=[sys.executable, "-c", "pass"],
                                 on_death=lambda: deaths.append(1)).start()
    try:
        def replaced_twice() -> None:
            assert supervisor.restarts >= 2 and len(deaths) >= 2

        eventually(replaced_twice, timeout=30, interval=0.05)
        # 1 s after the first quick death, 2 s after the second: no spinning core
        assert 2 <= supervisor.restarts <= 3
    finally:
        supervisor.stop(deadline=1.0)


def test_stop_sends_sigterm_and_kills_a_child_that_ignores_it(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    stubborn = ("import signal, sys, time\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                f"open({str(ready)!r}, 'w').close()\n"
                "time.sleep(120)\n")
    deaths: list[int] = []
    supervisor = WorkerProcesses(1, command=[sys.executable, "-c", stubborn],
                                 on_death=lambda: deaths.append(1)).start()
    [pid] = supervisor.pids()
    assert wait_until(ready.exists, timeout=20, interval=0.02)
    assert supervisor.stop(deadline=0.1) is False  # it had to be killed
    assert supervisor.pids() == [] and not Path(f"/proc/{pid}").exists()
    assert deaths == [1]  # the work it held is given back now, not after its lease


def test_stop_lets_children_that_obey_sigterm_end_by_themselves(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    polite = ("import signal, sys, time\n"
              "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
              f"open({str(ready)!r}, 'w').close()\n"
              "time.sleep(120)\n")
    deaths: list[int] = []
    supervisor = WorkerProcesses(1, command=[sys.executable, "-c", polite],
                                 on_death=lambda: deaths.append(1)).start()
    assert wait_until(ready.exists, timeout=20, interval=0.02)
    assert supervisor.stop(deadline=5.0) is True
    assert supervisor.restarts == 0  # a stop is not a death to make up for
    assert deaths == []  # it gave its work back itself


def test_wait_ready_counts_the_children_that_said_they_take_work() -> None:
    says = ("import os, sys, time\n"
            "fd = int(sys.argv[sys.argv.index('--ready-fd') + 1])\n"
            "os.write(fd, b'1')\n"
            "time.sleep(120)\n")
    supervisor = WorkerProcesses(2, command=[sys.executable, "-c", says]).start()
    try:
        assert supervisor.wait_ready(20) == 2
    finally:
        supervisor.stop(deadline=5.0)


def test_a_child_that_ends_before_it_is_ready_is_not_counted_or_waited_for() -> None:
    supervisor = WorkerProcesses(1, command=[sys.executable, "-c", "pass"]).start()
    try:
        began = time.monotonic()
        assert supervisor.wait_ready(20) == 0
        assert time.monotonic() - began < 15  # its pipe closed: nothing left to wait for
    finally:
        supervisor.stop(deadline=1.0)
