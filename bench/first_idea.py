"""How soon the first idea is on screen: a fake LLM writes 5 ideas over 5 s.

Through the real app over loopback HTTP, in this process (one brainstorm at a time):
`/brainstorm`, then the time until the first idea reaches the emulated Slack, with ideas
posted as the model finishes each (`IDEALOOP_STREAM_IDEAS=1`, the default) against the
same app reading the whole answer first (`=0`, the behaviour before), run back to back.
The fake streams its answer over 5 s when asked to stream; asked for a whole answer, it
answers after 5 s (the time the same model takes to write it). Also printed: the time
from the model's first token to the first idea, streaming.
"""

from __future__ import annotations

import json
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
    postgres_available,
    quiet_logs,
    wait_call,
)
from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import Call, SlackApiServer
from testkit.fake_openai import FakeOpenAI
from testkit.processes import ServeProcess

WRITING = 5.0  # seconds the fake model takes to write its 5 ideas
IDEAS = ["Walk while you talk, so standups stay short",
         "Post updates in a thread before the call and use the call for blockers",
         "Timebox every standup to ten minutes with a visible timer",
         "Rotate who hosts, so everyone learns to keep it brief",
         "Skip the Friday standup and write a weekly summary instead"]


def first_idea(streamed: bool, runs: int) -> tuple[list[float], list[float]]:
    """(command → first idea on screen, first token → first idea) per run, in seconds."""
    to_first, from_token = [], []
    answer = json.dumps({"ideas": IDEAS})
    pieces = len(answer.split())  # the fake streams word-sized pieces
    with fakes() as (slack, llm), database("sqlite") as url, \
            InProcessApp(app_env(slack, llm, url,
                                 IDEALOOP_STREAM_IDEAS="1" if streamed else "0")) as app:
        sender = SlackSender(app.url, SECRET)
        llm.reply(answer)
        if streamed:
            llm.chunk_delay(WRITING / pieces)
        else:
            llm.delay(WRITING)
        for run in range(runs):
            start = len(slack.calls)
            started = time.monotonic()
            reply = sender.command(f"standups, round {run}", channel=CHANNEL,
                                   response_url=slack.new_response_url())
            assert reply.status == 200
            posted = wait_call(slack, lambda call: call.method == "chat.postMessage" and (
                call.params.get("metadata") or {}).get("event_type") == "idealoop_idea",
                timeout=30, start=start)
            to_first.append(posted.at - started)
            if streamed:
                from_token.append(posted.at - float(llm.streams[-1]["first_at"] or 0))
            if app.deps is not None:
                app.deps.wait_quiet(timeout=30)
    return to_first, from_token


def _ask(sender: SlackSender, slack: SlackApiServer, llm: FakeOpenAI, run: int) -> float:
    """One `/brainstorm`; the seconds until its first idea is posted."""
    start = len(slack.calls)
    started = time.monotonic()
    reply = sender.command(f"standups, round {run}", channel=CHANNEL,
                           response_url=slack.new_response_url())
    assert reply.status == 200

    def idea(call: Call) -> bool:
        return call.method == "chat.postMessage" and (
            call.params.get("metadata") or {}).get("event_type") == "idealoop_idea"

    posted = wait_call(slack, idea, timeout=30, start=start)
    # the rest of its ideas, before the next round
    wait_call(slack, lambda call: sum(map(idea, slack.calls[start:])) >= len(IDEAS),
              timeout=30, start=start)
    return posted.at - started


def first_idea_served(processes: int, runs: int) -> list[float]:
    """Command → first idea on screen through `idealoop serve` on PostgreSQL, its work run
    in `processes` worker processes (0: in the web process), streamed ideas."""
    answer = json.dumps({"ideas": IDEAS})
    pieces = len(answer.split())
    with fakes() as (slack, llm), database("postgresql") as url, \
            ServeProcess(app_env(slack, llm, url,
                                 IDEALOOP_WORKER_PROCESSES=str(processes))) as app:
        sender = SlackSender(app.url, SECRET)
        llm.reply(answer)
        llm.chunk_delay(WRITING / pieces)
        _ask(sender, slack, llm, -1)  # a first request warms each process up
        return [_ask(sender, slack, llm, run) for run in range(runs)]


def measure(quick: bool = QUICK) -> list[Row]:
    quiet_logs()
    banner("first idea on screen", f"a fake LLM writes 5 ideas over {WRITING:.0f} s")
    runs = 1 if quick else 3
    whole, _ = first_idea(False, runs)
    streamed, from_token = first_idea(True, runs)
    before, after = statistics.median(whole), statistics.median(streamed)
    token = statistics.median(from_token)
    print(f"  /brainstorm → first idea: {before:.2f} s reading the whole answer (before), "
          f"{after:.2f} s posting each idea as it is written ({after / before:.2f}x); "
          f"first token → first idea {token:.2f} s (median of {runs})")
    rows = [(f"first idea on screen, LLM writing 5 ideas over {WRITING:.0f} s",
             f"{after:.2f} s streamed vs {before:.2f} s whole answer ({after / before:.2f}x); "
             f"first token → first idea {token:.2f} s")]
    if not postgres_available():
        return rows
    served = {n: statistics.median(first_idea_served(n, runs)) for n in (0, 2)}
    print(f"  serve on PostgreSQL, streamed: /brainstorm → first idea {served[0]:.2f} s with "
          f"the work in the web process, {served[2]:.2f} s in 2 worker processes "
          f"(median of {runs})")
    rows.append(("first idea, serve on PostgreSQL: in the web process vs 2 worker processes",
                 f"{served[0]:.2f} s vs {served[2]:.2f} s"))
    return rows


if __name__ == "__main__":
    measure()
