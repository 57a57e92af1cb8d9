"""`GET /metrics` on `serve`'s HTTP server: a signed /brainstorm and reactions move the
series an operator watches, read back as Prometheus reads them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from bot.runtime.server import HttpServer
from testkit.app import SECRET, TOKEN, RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.metrics import samples, scrape, value
from testkit.processes import ServeProcess
from testkit.waiting import eventually

CHANNEL = "C0GENERAL"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str):
    llm.reply(json.dumps({"ideas": ["first idea", "second idea", "third idea"]}))
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url) as running:
        yield running


def metrics_url(app: RunningApp) -> str:
    assert isinstance(app.server, HttpServer)
    return f"http://127.0.0.1:{app.server.port}/metrics"


def test_a_brainstorm_and_reactions_move_the_series(app: RunningApp) -> None:
    before = scrape(metrics_url(app))
    assert app.sender.command("ways to onboard faster").status == 200
    assert app.deps.wait_quiet(timeout=10)  # the brainstorm finished
    header = app.slack.calls_to("chat.postMessage")[0].response["ts"]
    idea = app.slack.state.thread(CHANNEL, header)[1]["ts"]
    for user, emoji in (("U0ALICE", "+1"), ("U0BOB", "heart"), ("U0CAROL", "-1")):
        reply = app.sender.reaction(user=user, emoji=emoji, channel=CHANNEL, ts=idea)
        assert reply.status == 200
    assert app.sender.reaction(added=False, user="U0CAROL", emoji="-1", channel=CHANNEL,
                               ts=idea).status == 200
    after = scrape(metrics_url(app))

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("idealoop_acks_total", surface="command", outcome="2xx") == 1
    assert moved("idealoop_acks_total", surface="event:reaction_added", outcome="2xx") == 3
    assert moved("idealoop_acks_total", surface="event:reaction_removed", outcome="2xx") == 1
    assert moved("idealoop_ack_seconds_count", surface="command") == 1
    assert moved("idealoop_ack_seconds_bucket", surface="event:reaction_added", le="3.0") == 3
    # Every reaction was acked once committed: 4 changes, in however many batches.
    assert moved("idealoop_signal_batch_signals_sum") == 4
    assert 1 <= moved("idealoop_signal_commit_seconds_count") <= 4
    model = app.settings.model
    assert moved("idealoop_llm_request_seconds_count", model=model, call="chat") >= 1
    assert moved("idealoop_llm_tokens_total", model=model, kind="completion") > 0
    assert moved("idealoop_llm_errors_total") == 0
    assert moved("idealoop_slack_api_requests_total", method="chat.postMessage",
                 outcome="ok") >= 4  # the header and its three ideas
    assert value(after, "idealoop_work_queue_depth") == 0  # read now: nothing pending
    assert value(after, "idealoop_work_oldest_age_seconds") == 0
    # No label carries a workspace, channel, user or message id.
    for _name, labels in samples(after):
        for _label, text in labels:
            assert not any(marker in text for marker in ("T0", "C0", "U0", header))


def test_the_endpoint_takes_no_input_from_the_request(app: RunningApp) -> None:
    url = metrics_url(app)
    refused = urllib.request.Request(url, data=b"x=1", method="POST")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(refused, timeout=10)
    assert error.value.code == 405
    text = scrape(url + "?name[]=idealoop_acks_total&surface=evil")
    assert "evil" not in text
    assert len(text.encode()) < 64 * 1024
    # A forged request is counted, under no surface it chose.
    forged = urllib.request.Request(app.sender.url, data=b'{"type": "event_callback"}',
                                    headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(forged, timeout=10)
    eventually(lambda: value(scrape(url), "idealoop_acks_total", surface="unverified",
                             outcome="4xx") >= 1)


def test_serve_shares_its_series_through_the_multiprocess_dir_of_its_env_file(
        slack: SlackApiServer, llm: FakeOpenAI, tmp_path: Path) -> None:
    """A real `serve` with PROMETHEUS_MULTIPROC_DIR in its .env file (not its environment):
    its values are written to that directory, and its /metrics reads them from there."""
    llm.reply(json.dumps({"ideas": ["first idea", "second idea"]}))
    shared = tmp_path / "metrics"
    shared.mkdir()
    (tmp_path / ".env").write_text(f"PROMETHEUS_MULTIPROC_DIR={shared}\n", encoding="utf-8")
    env = dict(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url,
               OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
               DATABASE_URL=f"sqlite:///{tmp_path}/served.db", IDEALOOP_LLM_RETRIES="0")
    with ServeProcess(env, cwd=tmp_path) as served:
        assert SlackSender(served.url, SECRET).command("shorter standups").status == 200
        slack.wait_for("chat.update", timeout=15)
        text = scrape(f"{served.base}/metrics")
        assert value(text, "idealoop_acks_total", surface="command", outcome="2xx") == 1
        assert value(text, "idealoop_llm_request_seconds_count", model="fake-model") >= 1
        assert list(shared.glob("counter_*.db")) and list(shared.glob("histogram_*.db"))
        assert served.stop() == 0


def test_socket_mode_acks_are_counted_like_http_ones(
        slack: SlackApiServer, llm: FakeOpenAI, sqlite_url: str) -> None:
    """Over Socket Mode (no port, so read in the process): each envelope's ack is counted
    under the same surfaces, after it was sent."""
    llm.reply(json.dumps({"ideas": ["first idea", "second idea"]}))
    with running_app(slack, sqlite_url, transport="socket_mode",
                     OPENAI_BASE_URL=llm.base_url) as app:
        before = app.deps.metrics().decode()
        assert app.sender.command("over the socket").status == 200
        assert app.deps.wait_quiet(timeout=10)
        header = app.slack.calls_to("chat.postMessage")[0].response["ts"]
        idea = app.slack.state.thread(CHANNEL, header)[1]["ts"]
        assert app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL,
                                   ts=idea).status == 200

        def counted() -> None:
            after = app.deps.metrics().decode()
            for surface in ("command", "event:reaction_added"):
                assert value(after, "idealoop_acks_total", surface=surface, outcome="2xx") \
                    - value(before, "idealoop_acks_total", surface=surface,
                            outcome="2xx") == 1

        eventually(counted)
