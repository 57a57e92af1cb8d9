"""`idealoop serve --workers N`: the work runs in worker processes beside the web process.
`kill -9` of the worker running a brainstorm: it is finished once, by another worker, with
no placeholder left thinking, and the worker is replaced; SIGTERM to serve drains its
workers and exits cleanly.

The kill and the SIGTERM run on PostgreSQL only, where serve starts worker processes by
default (on SQLite they are opt-in); each starts three processes, seconds apiece. What
they add happens between processes (the supervisor replacing and stopping its children,
a child draining), the same on either database. What they ask of the database is tested
on both: work given back by a stopping or dead owner in tests/storage/test_work.py and
by the restart after `kill -9` in test_crashes.py; worker processes on SQLite in
tests/e2e/test_worker_processes.py and the last test here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.fake_openai import FakeOpenAI
from testkit.faults import (
    alive,
    kill_worker_mid_brainstorm,
    serve_env,
    stop_mid_brainstorm,
    worker_pids,
)
from testkit.processes import ServeProcess
from testkit.waiting import eventually

POSTGRESQL_ONLY = pytest.mark.parametrize("fault_db", ["postgresql"], indirect=True)


@POSTGRESQL_ONLY
def test_kill_of_a_worker_process_mid_brainstorm_is_taken_over_once(
        slack: SlackApiServer, llm: FakeOpenAI, fault_db: str, tmp_path: Path) -> None:
    killed = kill_worker_mid_brainstorm(slack, llm, fault_db, tmp_path, lease=60)
    assert killed.killed in killed.before and killed.killed != killed.web
    resumed = killed.resumed
    assert resumed.unsettled == 0 and resumed.pending == 0
    assert resumed.posted == 5 and resumed.duplicates == 0 and resumed.starts == 1
    assert resumed.seconds < 30  # given back when the worker died, not after the lease
    assert len(killed.after) == 2 and killed.killed not in killed.after


@POSTGRESQL_ONLY
def test_sigterm_to_serve_drains_its_worker_processes(
        slack: SlackApiServer, llm: FakeOpenAI, fault_db: str, tmp_path: Path) -> None:
    stopped = stop_mid_brainstorm(slack, llm, fault_db, tmp_path, llm_delay=1.0, workers=2)
    assert stopped.exit_code == 0 and stopped.seconds < 20
    assert len(stopped.children) == 2 and stopped.children_left == ()
    resumed = stopped.resumed
    assert resumed.unsettled == 0 and resumed.pending == 0
    assert resumed.posted == 5 and resumed.duplicates == 0 and resumed.starts == 1


def test_worker_processes_stop_by_themselves_when_serve_is_killed(
        slack: SlackApiServer, llm: FakeOpenAI, sqlite_url: str, tmp_path: Path) -> None:
    """`kill -9` of the web process sends its workers nothing (they run in sessions of
    their own): each sees its parent gone and stops, giving its work back."""
    env = serve_env(slack, sqlite_url, OPENAI_BASE_URL=llm.base_url,
                    IDEALOOP_WORKER_PROCESSES="2")
    with ServeProcess(env, cwd=tmp_path) as web:
        children = worker_pids(web, 2)
        web.kill()

        def all_gone() -> None:
            assert [pid for pid in children if alive(pid)] == []

        eventually(all_gone, timeout=20, interval=0.05)
        log = web.log_text()
    assert log.count("the serve process that started this worker is gone") == 2
    assert log.count("idealoop worker stopped") == 2 and "Traceback" not in log
