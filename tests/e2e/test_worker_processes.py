"""`idealoop serve --workers N` and `idealoop worker`, as real processes: the web process
acks and stores, the work runs in a worker process, and the web process's `/metrics`
shows what the workers counted (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.emulator.shell import find_button
from bot.emulator.slack_requests import TEAM, SlackSender
from bot.emulator.web_api import SlackApiServer
from storage.db import make_engine
from storage.work import NewWork, WorkStore
from testkit.app import SECRET, TOKEN
from testkit.databases import scratch_database
from testkit.fake_openai import FakeOpenAI
from testkit.faults import holder_pid, worker_pids
from testkit.metrics import scrape, value
from testkit.processes import ServeProcess, child_env, free_port, idealoop
from testkit.waiting import eventually
from tests.conftest import POSTGRES_ADMIN_URL

CHANNEL = "C0GENERAL"
IDEAS = ["first idea", "second idea", "third idea", "fourth idea", "fifth idea"]


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database of this test's own on the shared server (nothing stops it)."""
    request.getfixturevalue("postgres_url")  # skips where PostgreSQL cannot run
    with scratch_database(POSTGRES_ADMIN_URL, prefix="idealoop_workers", durable=False) as url:
        yield url


def env_for(slack: SlackApiServer, llm: FakeOpenAI, url: str, **extra: str) -> dict[str, str]:
    return dict(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url,
                OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                DATABASE_URL=url, IDEALOOP_LLM_RETRIES="0", **extra)


def test_serve_with_two_worker_processes_answers_a_brainstorm_from_one_of_them(
        slack: SlackApiServer, llm: FakeOpenAI, pg: str, tmp_path: Path) -> None:
    llm.reply(json.dumps({"ideas": IDEAS})).delay(1.0)
    serve = ("bot.cli", "serve", "--workers", "2")
    with ServeProcess(env_for(slack, llm, pg), module=serve, cwd=tmp_path) as web:
        children = worker_pids(web, 2)
        sender = SlackSender(web.url, SECRET)
        started = time.perf_counter()
        assert sender.command("shorter standups").status == 200
        assert time.perf_counter() - started < 1.0
        llm.wait_for_requests(1, timeout=15)
        holder = holder_pid(pg)  # the brainstorm is held by a worker, not the web process
        assert holder in children and holder != web.pid
        header_ts = slack.wait_for("chat.update", timeout=15)[0].params["ts"]
        texts = [m["text"] for m in slack.state.thread(CHANNEL, header_ts)[1:]]
        assert [text.split(" — ")[0] for text in texts] == [
            f"{n}. {idea}" for n, idea in enumerate(IDEAS, 1)]
        announced_by_a_worker(slack, sender, header_ts)

        def counted() -> None:
            # Only a worker called the model and posted the ideas: the web process's
            # scrape shows it, summed from the workers' files.
            text = scrape(f"{web.base}/metrics")
            assert value(text, "idealoop_acks_total", surface="command", outcome="2xx") == 1
            assert value(text, "idealoop_llm_request_seconds_count", model="fake-model") >= 1
            assert value(text, "idealoop_slack_api_requests_total", method="chat.postMessage",
                         outcome="ok") >= 6  # the header and its five ideas
            assert value(text, "idealoop_work_queue_depth") == 0

        eventually(counted, timeout=10, interval=0.1)
        # The connection budget of docs/operating.md (Scale): the web process's pool
        # (5 + 10) and, per worker, its pool (IDEALOOP_WORKERS + 5, at most 15) and LISTEN.
        budget = 15 + 2 * (Settings.from_env({}).worker_pool_size() + 1)
        used = connections(pg)
        assert 2 + 1 <= used <= budget, (used, budget)  # at least each worker's LISTEN
        assert web.stop() == 0
        log = web.log_text()
    assert "work runs in 2 worker processes" in log and "idealoop worker stopped" in log
    assert "Traceback" not in log and TOKEN not in log


def connections(url: str) -> int:
    """The server's connections to this database, but the one asking."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalar_one())
    finally:
        engine.dispose()


def announced_by_a_worker(slack: SlackApiServer, sender: SlackSender,
                          header_ts: str) -> None:
    """Decide… on the first idea: the web process stores the decision and its
    announcement free for the workers, and one posts it at once — well within the 30 s
    lease the web process would otherwise hold it for, running nothing."""
    idea = slack.state.thread(CHANNEL, header_ts)[1]
    action = find_button(idea, "decide")
    assert action is not None
    assert sender.click(action, user="U0ALICE", channel=CHANNEL, message=idea,
                        response_url=slack.new_response_url(channel=CHANNEL,
                                                            user="U0ALICE")).status == 200
    modal = slack.wait_for("views.open", timeout=10)[0].response["view"]
    due = (date.today() + timedelta(days=3)).isoformat()
    assert sender.submit(modal, {"decision": "Walk at ten", "owner": "U0BOB", "due": due,
                                 "note": None}, user="U0ALICE").status == 200
    started = time.perf_counter()

    def announced() -> None:
        said = [call.params for call in slack.calls_to("chat.postMessage")
                if "recorded a decision" in call.params.get("text", "")]
        assert len(said) == 1 and said[0]["thread_ts"] == header_ts

    eventually(announced, timeout=10, interval=0.05)
    assert time.perf_counter() - started < 10  # not after the web process's lease


def test_a_worker_on_its_own_runs_stored_work_and_serves_health_and_metrics(
        slack: SlackApiServer, llm: FakeOpenAI, sqlite_url: str, tmp_path: Path) -> None:
    """`idealoop worker`: no Slack endpoint; it finds work a web process stored for it (on
    SQLite by looking, every 50 ms) and answers /healthz and /metrics on its own port."""
    llm.reply(json.dumps({"ideas": IDEAS}))
    port = free_port()
    worker = ("bot.cli", "worker")
    env = env_for(slack, llm, sqlite_url, IDEALOOP_WORKER_PORT=str(port))
    del env["SLACK_SIGNING_SECRET"]  # it answers Slack nothing
    with ServeProcess(env, module=worker, cwd=tmp_path, port=port) as alone:
        assert alone.health()["database"] == "ok"
        store = WorkStore(make_engine(sqlite_url))
        try:
            stored = store.accept(NewWork(
                kind="brainstorm", delivery_key="command:alone", channel=CHANNEL,
                user_id="U0ALICE", request={"topic": "shorter standups",
                                            "response_url": None}, team=TEAM),
                owner=None, lease=30)
        finally:
            store.engine.dispose()
        assert stored is not None and stored.owner is None and stored.attempts == 0
        header_ts = slack.wait_for("chat.update", timeout=15)[0].params["ts"]
        assert len(slack.state.thread(CHANNEL, header_ts)) == 1 + len(IDEAS)

        def counted() -> None:
            text = scrape(f"{alone.base}/metrics")
            assert value(text, "idealoop_llm_request_seconds_count", model="fake-model") >= 1

        eventually(counted, timeout=10, interval=0.1)
        assert SlackSender(alone.url, SECRET).command("anything").status == 404
        assert alone.stop() == 0
        assert "Traceback" not in alone.log_text()


def test_a_worker_whose_port_is_taken_says_so_in_one_line(
        slack: SlackApiServer, sqlite_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = child_env(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack.url,
                        DATABASE_URL=sqlite_url, IDEALOOP_WORKER_PORT=str(port))
        result = idealoop("worker", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "idealoop: cannot listen on its port: Address already in use (check PORT, or "
        "IDEALOOP_WORKER_PORT for idealoop worker)")
