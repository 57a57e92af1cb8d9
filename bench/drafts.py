"""Drafts: prompt size for long threads, and how soon a person sees something.

Prints the estimated prompt tokens for threads of 10, 100 and 1,000 messages against
the configured budget, and — through the real app over loopback HTTP, with a fake LLM
that takes 3 s to start streaming — the time from the mention to the placeholder and
to the first streamed text in Slack.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import build_deps, close_deps, create_app
from bot.config import Settings
from bot.emulator.slack_api import SlackApiServer
from bot.emulator.slack_requests import SlackSender, mention_event
from bot.prompts import draft_messages
from bot.server import HttpServer
from bot.threads import ThreadMessage, estimate_tokens, fit_thread
from storage.db import make_engine, upgrade
from tests.fakes.openai_server import FakeOpenAI

SECRET = "bench-secret"
CHANNEL = "C0GENERAL"
QUICK = os.environ.get("BENCH_QUICK") == "1"
MESSAGE = ("I think we should consider option {n} because it helps the team ship faster, "
           "learn more about customers and keep the on-call load reasonable.")


def prompt_sizes(budget: int) -> list[tuple[int, int, int]]:
    """(messages, whole thread tokens, prompt tokens after fitting) per thread size."""
    rows = []
    for count in (10, 100, 1000):
        thread = [ThreadMessage(f"user{n % 7}", MESSAGE.format(n=n), f"{n}.0")
                  for n in range(count)]
        whole = sum(estimate_tokens(m.text) for m in thread)
        fitted = fit_thread(thread, budget - 400)
        prompt = draft_messages("make a decision list", fitted.text)
        rows.append((count, whole, sum(estimate_tokens(m["content"]) for m in prompt)))
    return rows


def time_to_text(runs: int) -> tuple[list[float], list[float]]:
    placeholder, first_text = [], []
    with tempfile.TemporaryDirectory() as tmp, SlackApiServer() as slack, FakeOpenAI() as llm:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(db_url)
        upgrade(engine)
        engine.dispose()
        settings = Settings.from_env({
            "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url, "OPENAI_BASE_URL": llm.base_url,
            "DATABASE_URL": db_url, "IDEALOOP_LLM_RETRIES": "0",
        })
        deps = build_deps(settings)
        server = HttpServer(create_app(settings, deps=deps), deps, host="127.0.0.1",
                            port=0).start()
        sender = SlackSender(server.url, SECRET)
        llm.reply("First line of the draft.\n" + "More of the draft. " * 40)
        llm.delay(3.0)
        llm.chunk_delay(0.01)
        try:
            for run in range(runs):
                slack.clear_calls()
                root = slack.state.post_message(CHANNEL, "What should we do?", user="U0BOB")
                mention = slack.state.post_message(CHANNEL, "<@U0BOT> summary", user="U0ALICE",
                                                   thread_ts=root["ts"])
                started = time.perf_counter()
                sender.event(mention_event(user="U0ALICE", text=mention["text"], channel=CHANNEL,
                                           ts=mention["ts"], thread_ts=root["ts"]),
                             event_id=f"EvBENCH{run}")
                slack.wait_for("chat.postMessage", timeout=10)
                placeholder.append(time.perf_counter() - started)
                slack.wait_for("chat.update", timeout=15)
                first_text.append(time.perf_counter() - started)
                deps.wait_quiet(timeout=30)
        finally:
            server.close()
            close_deps(deps)
    return placeholder, first_text


def main() -> None:
    budget = Settings().prompt_budget
    print(f"drafts benchmark ({os.cpu_count()} cores)")
    for count, whole, prompt in prompt_sizes(budget):
        print(f"  thread of {count:>4} messages: {whole:>7} tokens raw -> prompt {prompt:>5} "
              f"tokens (budget {budget}, {prompt / budget:.0%})")
    placeholder, first_text = time_to_text(2 if QUICK else 5)
    print(f"  LLM takes 3 s to start: placeholder after "
          f"{statistics.median(placeholder) * 1000:.0f} ms, first streamed text after "
          f"{statistics.median(first_text) * 1000:.0f} ms (median of {len(placeholder)})")


if __name__ == "__main__":
    main()
