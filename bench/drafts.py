"""Figure 5 and drafts: prompt size for long threads, and how soon a person sees something.

Prints the estimated prompt tokens for threads of 10, 100 and 1,000 messages against
the configured budget (IDEALOOP_PROMPT_BUDGET), and — through the real app over loopback
HTTP (in this process: one request at a time, so the GIL is not the question here), with
a fake LLM that takes 3 s to start streaming — the time from the mention to the
placeholder and to the first streamed text in Slack.
"""

from __future__ import annotations

import statistics
import time

from bench.common import (
    CHANNEL,
    QUICK,
    SECRET,
    InProcessApp,
    Row,
    app_env,
    banner,
    database,
    fakes,
    quiet_logs,
    wait_call,
)
from bot.config import Settings
from bot.emulator.slack_requests import SlackSender, mention_event
from bot.llm.prompts import draft_messages
from bot.llm.thread_fitting import ThreadMessage, estimate_tokens, fit_thread

MESSAGE = ("I think we should consider option {n} because it helps the team ship faster, "
           "learn more about customers and keep the on-call load reasonable.")
FIRST_TOKEN_DELAY = 3.0


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
    """(mention → placeholder, mention → first streamed text) per run, in seconds."""
    placeholder, first_text = [], []
    with fakes() as (slack, llm), database("sqlite") as url, \
            InProcessApp(app_env(slack, llm, url)) as app:
        sender = SlackSender(app.url, SECRET)
        llm.reply("First line of the draft.\n" + "More of the draft. " * 40)
        llm.delay(FIRST_TOKEN_DELAY)
        llm.chunk_delay(0.01)
        try:
            for run in range(runs):
                root = slack.state.post_message(CHANNEL, "What should we do?", user="U0BOB")
                mention = slack.state.post_message(CHANNEL, "<@U0BOT> summary", user="U0ALICE",
                                                   thread_ts=root["ts"])
                start = len(slack.calls)
                started = time.monotonic()
                sender.event(mention_event(user="U0ALICE", text=mention["text"], channel=CHANNEL,
                                           ts=mention["ts"], thread_ts=root["ts"]),
                             event_id=f"EvBENCH{run}")
                # Slack's native stream (chat.startStream, then appendStream), or a posted
                # placeholder filled by chat.update where streaming is refused.
                posted = wait_call(slack, lambda c, ts=root["ts"]: c.method in (
                    "chat.postMessage", "chat.startStream")
                    and c.params.get("thread_ts") == ts, start=start)
                placeholder.append(posted.at - started)
                ts = (posted.response or {}).get("ts")
                updated = wait_call(slack, lambda c, ts=ts: c.method in (
                    "chat.update", "chat.appendStream")
                    and c.params.get("ts") == ts, start=start)
                first_text.append(updated.at - started)
                if app.deps is not None:
                    app.deps.wait_quiet(timeout=30)
        finally:
            llm.stop()
    return placeholder, first_text


def measure(quick: bool = QUICK) -> list[Row]:
    quiet_logs()
    budget = Settings().prompt_budget
    banner("drafts", f"prompt budget {budget} tokens")
    rows: list[Row] = []
    for count, whole, prompt in prompt_sizes(budget):
        print(f"  thread of {count:>4} messages: {whole:>7} tokens raw -> prompt {prompt:>5} "
              f"tokens (budget {budget}, {prompt / budget:.0%})")
        rows.append((f"draft prompt, thread of {count:,} messages",
                     f"{prompt:,} tokens of the {budget:,} budget ({prompt / budget:.0%}; "
                     f"thread {whole:,} tokens)"))
    placeholder, first_text = time_to_text(1 if quick else 5)
    p, f = statistics.median(placeholder), statistics.median(first_text)
    print(f"  LLM takes {FIRST_TOKEN_DELAY:.0f} s to start: placeholder after {p * 1000:.0f} ms, "
          f"first streamed text after {f * 1000:.0f} ms (median of {len(placeholder)}, "
          f"in-process)")
    rows.append((f"draft: mention → placeholder / first text, LLM {FIRST_TOKEN_DELAY:.0f} s "
                 "to start (in-process)",
                 f"{p * 1000:.0f} ms / {f * 1000:.0f} ms (median of {len(placeholder)})"))
    return rows


if __name__ == "__main__":
    measure()
