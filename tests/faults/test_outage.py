"""A PostgreSQL outage under load, on a cluster the test starts on its own port (never the
shared server): reactions during the outage are refused (503) and re-delivered, none
acknowledged is lost, `/healthz` says 503 meanwhile, and a mention made during the outage
is drafted once the database is back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator.slack_requests import SlackSender, mention_event
from bot.emulator.web_api import SlackApiServer
from testkit import pg_cluster
from testkit.app import SECRET
from testkit.databases import migrate
from testkit.delivery import DeliveryReport
from testkit.faults import CHANNEL, outage_during_reactions, serve_env
from testkit.processes import ServeProcess
from testkit.waiting import eventually, wait_until

pytestmark = pytest.mark.skipif(not pg_cluster.available(),
                                reason="needs PostgreSQL's initdb and pg_ctl")


@pytest.fixture
def cluster() -> Iterator[pg_cluster.ThrowawayCluster]:
    with pg_cluster.ThrowawayCluster() as pg:
        migrate(pg.url)
        yield pg


def test_reactions_acknowledged_around_an_outage_are_all_kept(
        slack: SlackApiServer, cluster: pg_cluster.ThrowawayCluster, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def outage(app: ServeProcess, report: DeliveryReport) -> None:
        """Down until the app says so and Slack has had reactions refused."""
        assert wait_until(lambda: _unhealthy(app), 30)
        seen["health"] = app.health_status()
        assert wait_until(lambda: report.refused >= 20, 30)

    kept = outage_during_reactions(slack, cluster.url, tmp_path, stop=cluster.stop,
                                   start=cluster.start, outage=outage, count=600,
                                   stop_after=150)
    assert seen["health"] == 503
    assert kept.acknowledged == kept.sent == 600 and kept.stored == 600
    assert kept.report.refused >= 20 and kept.report.server_errors == 0


def _unhealthy(app: ServeProcess) -> bool:
    return app.health_status() == 503


def test_a_mention_during_an_outage_is_drafted_once_it_is_back(
        slack: SlackApiServer, cluster: pg_cluster.ThrowawayCluster, tmp_path: Path) -> None:
    with ServeProcess(serve_env(slack, cluster.url, IDEALOOP_WORK_LEASE="2"),
                      cwd=tmp_path) as app:
        cluster.stop()
        message = slack.state.post_message(CHANNEL, "<@U0BOT> summarise", user="U0ALICE")
        event = mention_event(user="U0ALICE", text=message["text"], channel=CHANNEL,
                              ts=message["ts"])
        sender = SlackSender(app.url, SECRET)
        assert sender.event(event, event_id="EvOUTAGE").status == 503
        [note] = slack.state.ephemeral
        assert "nothing was saved" in str(note["text"])
        cluster.start()
        assert sender.event(event, event_id="EvOUTAGE", retry_num=1).status == 200
        eventually(lambda: _drafted(slack, str(message["ts"])), timeout=30, interval=0.1)


def _drafted(slack: SlackApiServer, thread_ts: str) -> None:
    replies = slack.state.thread(CHANNEL, thread_ts)[1:]
    # A natively streamed answer has no blocks until its stream stops.
    assert len(replies) == 1 and "Draft" in json.dumps(replies[0].get("blocks"))
    assert "writing" not in json.dumps(replies[0].get("blocks"))
