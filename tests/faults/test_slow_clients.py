"""Slow and idle clients cost nothing (issue 21): a real `idealoop serve` process, with
200 idle connections, 64 slow-loris ones (one header byte a second) and 4 whose body
stops short held open on loopback, still acks signed reactions and answers `/healthz`;
then it cuts every one of them off: 408 for a request still being sent past its
deadline, a close for a connection that sent nothing.

The figures (ack latency under this load, before and after) are printed by
`python -m bench.slow_clients`; this test checks the behaviour only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from bot.runtime.server import IDLE_TIMEOUT_SECONDS, READ_DEADLINE_SECONDS
from testkit.app import SECRET, TOKEN
from testkit.processes import ServeProcess
from testkit.slow_clients import SlowClients
from testkit.waiting import eventually

CHANNEL = "C0GENERAL"
# The server checks both timeouts once a second; this is the slack given to a busy machine.
CUT_OFF_WITHIN = IDLE_TIMEOUT_SECONDS + 15


@pytest.fixture
def served(slack: SlackApiServer, tmp_path: Path) -> Iterator[ServeProcess]:
    env = dict(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url,
               IDEALOOP_LLM="offline", DATABASE_URL=f"sqlite:///{tmp_path}/slow.db")
    with ServeProcess(env, cwd=tmp_path) as process:
        yield process


def test_idle_and_slow_clients_hold_no_request_thread_and_are_cut_off(
        served: ServeProcess) -> None:
    sender = SlackSender(served.url, SECRET)
    with SlowClients(served.port, idle=200, loris=64, short_body=4) as attack:
        for n in range(5):
            reply = sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL,
                                    ts=f"1700000000.00000{n}")
            assert reply.status == 200
        # Acked while every slow-loris connection was still open: none had to be cut off
        # for the server to get to the reactions.
        assert attack.open("loris") == 64
        assert served.health_status() == 200

        def all_cut_off() -> None:
            assert attack.open() == 0, {kind: attack.open(kind) for kind in attack.counts}

        eventually(all_cut_off, timeout=CUT_OFF_WITHIN, interval=0.2)

    # A request still being sent gets 408 past its deadline, then the server closes it.
    assert {held.status for held in attack.of("loris")} == {408}
    assert {held.status for held in attack.of("short body")} == {408}
    loris = attack.longest_held("loris")
    assert loris is not None and loris >= READ_DEADLINE_SECONDS
    # An idle connection is closed without an answer (it asked nothing).
    assert {held.answer for held in attack.of("idle")} == {b""}
    assert max(held.sent for held in attack.of("loris")) < 30  # cut off, not tolerated
    assert served.health_status() == 200
    assert served.stop() == 0
    assert "Traceback" not in served.log_text()
