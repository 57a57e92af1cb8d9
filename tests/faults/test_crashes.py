"""`kill -9` of `idealoop serve`: nothing it acknowledged is lost, and work it had accepted
is finished by the next process, once, with no placeholder left thinking."""

from __future__ import annotations

from pathlib import Path

from bot.emulator.web_api import SlackApiServer
from testkit.fake_openai import FakeOpenAI
from testkit.faults import (
    kill_during_reactions,
    kill_mid_brainstorm,
    kill_mid_draft,
    stop_mid_brainstorm,
)


def test_kill_during_a_reaction_stream_loses_nothing_acknowledged(
        slack: SlackApiServer, fault_db: str, tmp_path: Path) -> None:
    kept = kill_during_reactions(slack, fault_db, tmp_path, count=1500, kill_after=500)
    assert kept.acknowledged == kept.sent == 1500
    assert kept.stored == 1500 and kept.lost == 0
    assert kept.report.unreachable > 0  # the kill did cut deliveries off
    assert kept.report.server_errors == 0


def test_kill_mid_brainstorm_is_finished_by_the_next_process(
        slack: SlackApiServer, llm: FakeOpenAI, fault_db: str, tmp_path: Path) -> None:
    """A restart takes the dead process's work over at once (it is on this host, and
    certainly gone), not after the lease: here a minute."""
    resumed = kill_mid_brainstorm(slack, llm, fault_db, tmp_path, lease=60)
    assert resumed.unsettled == 0 and resumed.pending == 0
    assert resumed.posted == 5 and resumed.duplicates == 0 and resumed.starts == 1
    assert resumed.seconds < 30  # it did not wait for the lease


def test_kill_mid_draft_is_finished_by_the_next_process(
        slack: SlackApiServer, llm: FakeOpenAI, fault_db: str, tmp_path: Path) -> None:
    resumed = kill_mid_draft(slack, llm, fault_db, tmp_path)
    assert resumed.unsettled == 0 and resumed.pending == 0
    assert resumed.posted == 1 and resumed.duplicates == 0 and resumed.starts == 1


def test_a_replica_takes_over_the_work_of_one_that_died(
        slack: SlackApiServer, llm: FakeOpenAI, postgres_url: str, tmp_path: Path) -> None:
    """Two `serve` processes on one PostgreSQL: the survivor finishes the brainstorm once,
    when the dead one's lease runs out."""
    resumed = kill_mid_brainstorm(slack, llm, postgres_url, tmp_path, replica=True)
    assert resumed.unsettled == 0 and resumed.pending == 0
    assert resumed.posted == 5 and resumed.duplicates == 0 and resumed.starts == 1
    assert resumed.seconds >= 1.0  # it waited for the lease (2 s), not a restart


def test_sigterm_mid_brainstorm_lets_it_finish_then_exits_cleanly(
        slack: SlackApiServer, llm: FakeOpenAI, fault_db: str, tmp_path: Path) -> None:
    stopped = stop_mid_brainstorm(slack, llm, fault_db, tmp_path, llm_delay=1.0)
    assert stopped.exit_code == 0 and stopped.seconds < 10
    resumed = stopped.resumed
    assert resumed.unsettled == 0 and resumed.pending == 0
    assert resumed.posted == 5 and resumed.duplicates == 0 and resumed.starts == 1
