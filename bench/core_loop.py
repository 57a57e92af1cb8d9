"""The core loop under a slow LLM, through the real app over loopback HTTP.

Prints: `/brainstorm` ack latency while the LLM takes 5 s (vs a bare Bolt app that only
acks, served the same way), and how long a reaction takes from request to stored
signal while 20 brainstorms wait on the LLM. BENCH_QUICK=1 runs fewer requests.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from slack_bolt import App

from bot.app import build_deps, close_deps, create_app, make_client
from bot.config import Settings
from bot.emulator.slack_api import SlackApiServer
from bot.server import HttpServer
from storage.db import make_engine, upgrade
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_requests import SlackSender

SECRET = "bench-secret"
CHANNEL = "C0GENERAL"
QUICK = os.environ.get("BENCH_QUICK") == "1"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def ack_times(sender: SlackSender, count: int, concurrency: int = 10) -> list[float]:
    with ThreadPoolExecutor(concurrency) as pool:
        replies = list(pool.map(lambda n: sender.command(f"bench topic {n}"), range(count)))
    assert all(r.status == 200 for r in replies), [r.status for r in replies]
    return [r.elapsed for r in replies]


def bare_bolt_acks(slack: SlackApiServer, settings: Settings, count: int) -> list[float]:
    """Baseline: a Bolt app whose /brainstorm listener only acks, on the same server."""
    app = App(client=make_client(settings), signing_secret=SECRET)
    app.command("/brainstorm")(lambda ack: ack())
    deps = build_deps(settings)
    server = HttpServer(app, deps, host="127.0.0.1", port=0).start()
    try:
        return ack_times(SlackSender(server.url, SECRET), count)
    finally:
        server.close()
        close_deps(deps)


def main() -> None:
    commands = 40 if QUICK else 200
    reactions = 20 if QUICK else 100
    with tempfile.TemporaryDirectory() as tmp, SlackApiServer() as slack, FakeOpenAI() as llm:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(db_url)
        upgrade(engine)
        engine.dispose()
        settings = Settings.from_env({
            "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url, "OPENAI_BASE_URL": llm.base_url,
            "DATABASE_URL": db_url, "IDEALOOP_LLM_RETRIES": "0", "IDEALOOP_WORKERS": "256",
        })
        baseline = bare_bolt_acks(slack, settings, commands)

        deps = build_deps(settings)
        server = HttpServer(create_app(settings, deps=deps), deps, host="127.0.0.1",
                            port=0).start()
        sender = SlackSender(server.url, SECRET)
        try:
            llm.reply(json.dumps({"ideas": ["seed idea"]}))
            sender.command("seed")
            header = slack.wait_for("chat.update", timeout=10)[0].params["ts"]
            idea_ts = slack.state.thread(CHANNEL, header)[1]["ts"]
            item = deps.store.item_at(CHANNEL, idea_ts)
            assert item is not None

            llm.delay(5.0)
            acks = ack_times(sender, commands)

            # 20 brainstorms in flight, then reactions one after another.
            with ThreadPoolExecutor(20) as pool:
                list(pool.map(lambda n: sender.command(f"inflight {n}"), range(20)))
            in_flight = deps.jobs.pending
            stored: list[float] = []
            for n in range(reactions):
                started = time.perf_counter()
                sender.reaction(user=f"U{n:06d}", emoji="+1", channel=CHANNEL, ts=idea_ts)
                while deps.store.item_score(item.id)["approvals"] < n + 1:
                    time.sleep(0.0005)
                stored.append(time.perf_counter() - started)
            deps.jobs.wait_idle(timeout=60)
        finally:
            server.close()
            close_deps(deps)

    print(f"core loop benchmark ({os.cpu_count()} cores, SQLite, LLM delay 5 s)")
    print(f"  /brainstorm ack, {commands} requests x10 concurrent: p50 {ms(pct(acks, .5))}, "
          f"p99 {ms(pct(acks, .99))}")
    print(f"  bare Bolt ack (baseline):                     p50 {ms(pct(baseline, .5))}, "
          f"p99 {ms(pct(baseline, .99))}  -> ratio p50 "
          f"{statistics.median(acks) / statistics.median(baseline):.2f}x")
    print(f"  reaction request -> signal stored, {in_flight} brainstorms waiting on the LLM: "
          f"p50 {ms(pct(stored, .5))}, p99 {ms(pct(stored, .99))}, max {ms(max(stored))}")


if __name__ == "__main__":
    main()
