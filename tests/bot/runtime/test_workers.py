"""The supervisor of `serve --workers N` (`bot.runtime.workers`) on real child processes:
a child that dies is replaced, later each time it dies at once; a child that ignores
SIGTERM is killed at the deadline, and its work given back."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

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
    deaths: list[int] = []
    supervisor = WorkerProcesses(1, command=_child(ready, on_sigterm="signal.SIG_IGN"),
                                 on_death=lambda: deaths.append(1)).start()
    [pid] = supervisor.pids()
    assert wait_until(ready.exists, timeout=20, interval=0.02)
    assert supervisor.stop(deadline=0.1) is False  # it had to be killed
    assert supervisor.pids() == [] and not Path(f"/proc/{pid}").exists()
    assert deaths == [1]  # the work it held is given back now, not after its lease


def test_stop_lets_children_that_obey_sigterm_end_by_themselves(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    deaths: list[int] = []
    supervisor = WorkerProcesses(1, command=_child(ready, on_sigterm="lambda *_: sys.exit(0)"),
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


def test_a_child_that_cannot_be_started_is_tried_again_later(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The program removes itself as it runs: replacing it fails (FileNotFoundError), as
    # forking without memory would; once it is back, a child starts again.
    program, started = tmp_path / "child", tmp_path / "started"
    program.write_text(f"#!{sys.executable}\nimport os\nos.remove(__file__)\n")
    program.chmod(0o755)
    supervisor = WorkerProcesses(1, command=[str(program)]).start()
    try:
        assert wait_until(lambda: "could not start a worker process" in caplog.text,
                          timeout=20, interval=0.02)
        program.write_text(f"#!{sys.executable}\nimport time\n"
                           f"open({str(started)!r}, 'w').close()\ntime.sleep(120)\n")
        program.chmod(0o755)
        assert wait_until(started.exists, timeout=30, interval=0.05)
        assert supervisor.restarts == 1 and len(supervisor.pids()) == 1
    finally:
        supervisor.stop(deadline=1.0)


def _child(ready: Path, *, on_sigterm: str) -> list[str]:
    """A child that handles SIGTERM with `on_sigterm`, creates `ready`, then waits."""
    return [sys.executable, "-c", "import signal, sys, time\n"
            f"signal.signal(signal.SIGTERM, {on_sigterm})\n"
            f"open({str(ready)!r}, 'w').close()\n"
            "time.sleep(120)\n"]
