"""Socket Mode end to end: the real app, connected the way `idealoop serve` connects when
SLACK_APP_TOKEN is set, to the emulated link host (`testkit.socket_mode`).

The core scenarios (brainstorm, reactions, mention to draft, buttons) run over both
transports in their own modules; here is what only Socket Mode has: the ack is the
promise (sent after the commit, withheld while the database is away), refreshes and
broken connections, and SIGTERM.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from bot.emulator.slack_requests import block_actions_body, event_body, reaction_event
from bot.emulator.web_api import SlackApiServer
from bot.runtime.slack_http import MAX_BODY_BYTES
from testkit import pg_cluster
from testkit.app import APP_TOKEN, TOKEN, RunningApp, running_app
from testkit.databases import migrate
from testkit.delivery import Deliverer
from testkit.fake_openai import FakeOpenAI
from testkit.faults import IDEA_TS, seed_ideas
from testkit.metrics import scrape, value
from testkit.processes import ServeProcess, child_env, idealoop
from testkit.queries import score_of, signals_of
from testkit.socket_mode import ACK_WINDOW, NO_ACK, SocketModeSender, SocketModeServer
from testkit.waiting import eventually

CHANNEL = "C0GENERAL"
FAST = {"IDEALOOP_WORK_LEASE": "1"}


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, sqlite_url: str) -> Iterator[RunningApp]:
    with running_app(slack, sqlite_url, transport="socket_mode",
                     OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model") as running:
        yield running


def link_of(app: RunningApp) -> SocketModeServer:
    assert app.link is not None
    return app.link


def brainstorm(app: RunningApp, topic: str) -> list[dict[str, object]]:
    """Run /brainstorm over the socket to the end; the ideas in its thread."""
    updates = len(app.slack.calls_to("chat.update"))
    assert app.sender.command(topic).status == 200
    header_ts = app.slack.wait_for("chat.update", count=updates + 1, timeout=15)[-1] \
        .params["ts"]
    app.settle()
    return app.slack.state.thread(CHANNEL, str(header_ts))[1:]


def approvals(app: RunningApp, ts: object) -> int:
    item = app.stores.signals.item_at(CHANNEL, str(ts))
    assert item is not None
    return score_of(app.stores, item.id)["approvals"]


def test_a_reaction_is_acked_after_its_signal_is_stored(app: RunningApp) -> None:
    ideas = brainstorm(app, "acked over the socket")
    reply = app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=ideas[0]["ts"])
    assert reply.status == 200 and reply.body == ""
    assert approvals(app, ideas[0]["ts"]) == 1  # stored when the ack left: no waiting
    assert reply.elapsed < ACK_WINDOW


def test_a_burst_of_reactions_on_one_connection_is_all_acked_and_all_stored(
        app: RunningApp) -> None:
    """Eight senders at once, as Slack spreads events: `Deliverer` (the fault tests'
    Slack) over the socket, each envelope delivered until acked."""
    ideas = brainstorm(app, "a burst")
    requests = [(event_body(reaction_event(added=True, user=f"U{n:04d}", emoji="+1",
                                           channel=CHANNEL, ts=str(ideas[n % 5]["ts"]))),
                 "application/json") for n in range(200)]
    report = Deliverer(app.sender, senders=8, deadline=60).deliver(requests)
    assert report.acknowledged == 200 and report.refused == 0
    assert sum(approvals(app, idea["ts"]) for idea in ideas) == 200


def test_serve_connects_with_the_app_level_token_alone(app: RunningApp) -> None:
    # slack_sdk's client may ask for a second URL as it starts (its monitor can look
    # before the first connection is up)
    opened = app.slack.calls_to("apps.connections.open")
    assert 1 <= len(opened) <= 2 and link_of(app).live == 1
    assert {call.headers["Authorization"] for call in opened} == {f"Bearer {APP_TOKEN}"}
    assert app.settings.slack_signing_secret is None  # Socket Mode needs no signing secret


@pytest.mark.skipif(not pg_cluster.available(), reason="needs PostgreSQL's initdb and pg_ctl")
def test_while_the_database_is_away_a_reaction_is_not_acked_and_slack_delivers_it_again(
        slack: SlackApiServer) -> None:
    """The promise over the socket: no ack while the signal cannot be stored (Slack
    delivers the envelope again), an ack once it is, and one signal in the end."""
    with pg_cluster.ThrowawayCluster() as cluster:
        migrate(cluster.url)
        [item, *_] = seed_ideas(cluster.url)
        with running_app(slack, cluster.url, transport="socket_mode", **FAST) as app:
            sender = SocketModeSender(link_of(app), wait=ACK_WINDOW)

            def react(retry: int | None) -> int:
                return sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL,
                                       ts=IDEA_TS[0], event_id="EvAWAY",
                                       event_ts="1800000000.000001", retry_num=retry).status

            cluster.stop()
            assert react(None) == NO_ACK  # Slack waited its 3 s: no ack
            assert react(1) == NO_ACK
            cluster.start()
            assert react(2) == 200
            assert score_of(app.stores, item)["approvals"] == 1
            assert len(signals_of(app.stores.engine, item)) == 1
            assert react(3) == 200  # one more, late: acked, no second effect
            assert len(signals_of(app.stores.engine, item)) == 1


def test_a_refresh_opens_a_new_connection_and_the_next_envelope_is_handled(
        app: RunningApp) -> None:
    ideas = brainstorm(app, "refreshed")
    link = link_of(app)
    urls = len(app.slack.calls_to("apps.connections.open"))
    assert link.disconnect("refresh_requested") == 1
    link.wait_opened(2)
    [closed] = link.wait_closed(1)
    assert closed.code == 1000 and closed.by_app  # the app left the old one cleanly
    assert len(app.slack.calls_to("apps.connections.open")) > urls  # a new URL, not the old
    assert link.refused == 0
    reply = app.sender.reaction(user="U0BOB", emoji="fire", channel=CHANNEL, ts=ideas[1]["ts"])
    assert reply.status == 200 and reply.elapsed < ACK_WINDOW
    assert approvals(app, ideas[1]["ts"]) == 1


def test_a_broken_connection_is_replaced_and_the_next_envelope_is_handled(
        app: RunningApp) -> None:
    ideas = brainstorm(app, "cut off")
    link = link_of(app)
    urls = len(app.slack.calls_to("apps.connections.open"))
    assert link.drop() == 1  # no close frame: the network, or a link host that died
    link.wait_opened(2, timeout=5)
    assert link.closed()[0].code == 1006
    assert len(app.slack.calls_to("apps.connections.open")) > urls
    reply = app.sender.reaction(user="U0CAROL", emoji="+1", channel=CHANNEL, ts=ideas[2]["ts"])
    assert reply.status == 200
    assert approvals(app, ideas[2]["ts"]) == 1


def test_a_command_is_answered_in_its_ack(app: RunningApp) -> None:
    reply = app.sender.command("help")
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_type"] == "ephemeral" and "/brainstorm <topic>" in answer["text"]


# -- `idealoop serve` as a process ---------------------------------------------------------


@pytest.fixture
def link(slack: SlackApiServer) -> Iterator[SocketModeServer]:
    with SocketModeServer(slack) as server:
        yield server


def test_serve_in_socket_mode_stops_on_sigterm_cleanly_and_keeps_acked_work(
        slack: SlackApiServer, llm: FakeOpenAI, link: SocketModeServer,
        tmp_path: Path) -> None:
    env = dict(SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=slack.url,
               OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
               DATABASE_URL=f"sqlite:///{tmp_path}/served.db", IDEALOOP_LLM_RETRIES="0")
    sender = SocketModeSender(link)
    with ServeProcess(env, cwd=tmp_path, ready=lambda: link.live > 0) as served:
        assert sender.command("first topic").status == 200
        first = slack.wait_for("chat.update", timeout=15)[0].params["ts"]
        ideas = slack.state.thread(CHANNEL, str(first))[1:]
        # No Slack endpoint, but a port for probes and Prometheus: /healthz, /metrics.
        assert served.health_status() == 200
        scraped = scrape(f"{served.base}/metrics")
        assert value(scraped, "idealoop_acks_total", surface="command", outcome="2xx") == 1
        llm.delay(1.5)  # the next brainstorm is still thinking when SIGTERM comes
        assert sender.command("second topic").status == 200
        llm.wait_for_requests(2)
        reacted = sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL,
                                  ts=ideas[0]["ts"])
        assert reacted.status == 200
        assert served.stop() == 0
        log = served.log_text()
    closes = link.closed()
    assert closes and all((c.code, c.by_app) == (1000, True) for c in closes)
    assert link.live == 0
    # what was acked is done: the brainstorm in flight finished, the reaction is stored
    [second] = [m for m in slack.state.history(CHANNEL) if "second topic" in m["text"]]
    assert "5 ideas in the thread" in json.dumps(second["blocks"])
    assert len(slack.state.thread(CHANNEL, second["ts"])) == 1 + 5
    rows = [json.loads(line) for line in idealoop(
        "export", env=child_env(**env), cwd=tmp_path).stdout.splitlines()]
    assert [row["approvals"] for row in rows if row["ts"] == ideas[0]["ts"]] == [1]
    assert "idealoop serving over Socket Mode" in log and "idealoop stopped" in log
    assert "Traceback" not in log and APP_TOKEN not in log and TOKEN not in log
    assert " ERROR " not in log  # a normal close is not reported as an error


def test_serve_in_socket_mode_rides_out_a_refresh(
        slack: SlackApiServer, llm: FakeOpenAI, link: SocketModeServer,
        tmp_path: Path) -> None:
    env = dict(SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=slack.url,
               OPENAI_BASE_URL=llm.base_url, DATABASE_URL=f"sqlite:///{tmp_path}/r.db")
    sender = SocketModeSender(link)
    with ServeProcess(env, cwd=tmp_path, ready=lambda: link.live > 0) as served:
        assert link.disconnect() == 1
        link.wait_opened(2)
        eventually(lambda: _one_closed(link), timeout=5)
        assert sender.command("help").status == 200
        assert served.stop() == 0
    assert [c.code for c in link.closed()] == [1000, 1000]


def _one_closed(link: SocketModeServer) -> None:
    assert len(link.closed()) == 1


UNSAID = "words-the-log-must-not-hold"  # in every malformed payload below


def malformed(idea: dict[str, Any], response_url: str) -> list[tuple[str, dict[str, Any]]]:
    """Envelopes whose payloads the HTTP gate answers 400 (`slack_http.payload_problem`,
    `MAX_BODY_BYTES`), each on an idea, with `UNSAID` in it."""
    form = dict(parse_qsl(block_actions_body(
        {"type": "button", "action_id": "idealoop_feedback", "value": "up",
         "block_id": "b", "action_ts": "1700000001.000001"}, user="U0BOB", channel=CHANNEL,
        message={**idea, "text": UNSAID}, response_url=response_url).decode()))
    click = json.loads(form["payload"])

    def reaction(**changes: Any) -> dict[str, Any]:
        event = reaction_event(added=True, user="U0BOB", emoji="+1", channel=CHANNEL,
                               ts=str(idea["ts"]))
        return json.loads(event_body({**event, **changes}))  # type: ignore[no-any-return]

    return [
        ("interactive", {**click, "actions": []}),  # Bolt reads actions[0]
        ("interactive", {**click, "actions": [{**click["actions"][0], "action_id": 7}]}),
        ("events_api", reaction(user={"id": 12}, reaction=UNSAID)),
        ("events_api", reaction(reaction=f"+1\x00{UNSAID}")),  # no database stores NUL
        ("events_api", {**reaction(reaction=UNSAID), "event": None}),
        ("slash_commands", {"command": "/brainstorm", "text": UNSAID, "user_id": "U0BOB"}),
        ("events_api", reaction(reaction=UNSAID + "x" * MAX_BODY_BYTES)),  # too large
    ]


def test_envelopes_slack_never_sends_are_acked_unhandled_and_the_app_goes_on(
        app: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    """The checks the HTTP gate makes, over Socket Mode: each malformed envelope is acked
    with no payload (Slack would deliver it again otherwise, and it would be refused
    again), nothing is stored or said, one warning line each without the payload, no
    traceback, and the next good envelope is handled."""
    [idea, *_] = brainstorm(app, "malformed envelopes")
    link = link_of(app)
    said = len(app.slack.calls_to("response_url"))
    caplog.set_level(logging.INFO)
    for type_, payload in malformed(idea, app.slack.new_response_url(channel=CHANNEL,
                                                                      user="U0BOB")):
        envelope = link.push(type_, payload)
        # not a timing test: a megabyte through the socket and the JSON parser can take
        # seconds on a busy machine (Slack never sends one)
        ack = link.wait_ack(envelope.envelope_id, 30)
        assert ack is not None, f"no ack for a malformed {type_} envelope"
        assert ack.payload is None
    refused = [record for record in caplog.records
               if record.getMessage().startswith("refused a Socket Mode envelope")]
    assert len(refused) == 7
    assert UNSAID not in caplog.text and "Traceback" not in caplog.text
    assert not any(record.exc_info for record in caplog.records)
    item = app.stores.signals.item_at(CHANNEL, str(idea["ts"]))
    assert item is not None and signals_of(app.stores.engine, item.id) == []
    assert len(app.slack.calls_to("response_url")) == said
    reply = app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=idea["ts"])
    assert reply.status == 200 and approvals(app, idea["ts"]) == 1
