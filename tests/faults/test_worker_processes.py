"""`idealoop serve --workers N`: the work runs in worker processes beside the web process.
`kill -9` of the worker running a brainstorm: it is finished once, by another worker, with
no placeholder left thinking, and the worker is replaced; SIGTERM to serve drains its
workers and exits cleanly."""

from __future__ import annotations

from pathlib import Path

from bot.emulator.web_api import SlackApiServer
from testkit.fake_openai import FakeOpenAI
from testkit.faults import kill_worker_mid_brainstorm, stop_mid_brainstorm


def test_kill_of_a_worker_process_mid_brainstorm_is_taken_over_once(
        slack: SlackApiServer, llm: FakeOpenAI, fault_db: str, tmp_path: Path) -> None:
    killed = kill_worker_mid_brainstorm(slack, llm, fault_db, tmp_path, lease=60)
    assert killed.killed in killed.before and killed.killed != killed.web
    resumed = killed.resumed
    assert resumed.unsettled == 0 and resumed.pending == 0
    assert resumed.posted == 5 and resumed.duplicates == 0 and resumed.starts == 1
    assert resumed.seconds < 30  # given back when the worker died, not after the lease
    assert len(killed.after) == 2 and killed.killed not in killed.after


def test_sigterm_to_serve_drains_its_worker_processes(
        slack: SlackApiServer, llm: FakeOpenAI, fault_db: str, tmp_path: Path) -> None:
    stopped = stop_mid_brainstorm(slack, llm, fault_db, tmp_path, llm_delay=1.0, workers=2)
    assert stopped.exit_code == 0 and stopped.seconds < 20
    assert len(stopped.children) == 2 and stopped.children_left == ()
    resumed = stopped.resumed
    assert resumed.unsettled == 0 and resumed.pending == 0
    assert resumed.posted == 5 and resumed.duplicates == 0 and resumed.starts == 1
