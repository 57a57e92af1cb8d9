"""Figures 1 and 2: how fast Slack gets its answer, and how soon the bot is visibly at work.

Ack latency: time to answer signed `/brainstorm` and `app_mention` requests, 10 at a
time, while the fake LLM takes 5 s, compared with a bare Bolt app that only acks (same
HTTP server). Bot overhead: from the moment the sender sent a request to the first
Slack Web API call it causes (the header `chat.postMessage` of a brainstorm, the
placeholder of a draft), as recorded by the emulated Slack (`Call.at`, monotonic clock,
comparable across processes); the LLM is not involved yet at that point.

Each app runs twice: as its own `idealoop serve` process (the baseline as
`python -m bench.bare_bolt`) and in this process, where it shares the GIL with the load
generator, the emulated Slack and the fake LLM. The subprocess figure is the one to
quote; the difference is what the in-process set-up adds (BENCH_QUICK=1: subprocess only).

Per app: an unloaded phase (one request at a time, the LLM instant, each one finished
before the next), then the loaded phases: 200 `/brainstorm`, then 200 `app_mention`
(40 each with BENCH_QUICK=1), 10 concurrent, the LLM taking 5 s, each phase starting
with the app quiet (see `_loaded`). Percentiles are nearest-rank.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bench.common import (
    CHANNEL,
    QUICK,
    SECRET,
    Row,
    Target,
    app_env,
    banner,
    database,
    fakes,
    header_topic,
    ms,
    p50_p99,
    pct,
    places,
    quiet_logs,
    ratio,
    start_target,
)
from bot.emulator.slack_requests import SlackSender, mention_event
from bot.emulator.web_api import Call, SlackApiServer
from testkit.waiting import wait_until

KINDS = ("command", "mention")
LABEL = {"command": "/brainstorm", "mention": "app_mention"}
CONCURRENCY = 10
LLM_DELAY = 5.0


@dataclass
class Sample:
    kind: str
    key: str  # the topic of a command, the thread ts of a mention
    sent_at: float  # time.monotonic() just before sending
    elapsed: float = 0.0  # request → answer
    status: int = 0
    first_call: float | None = None  # time.monotonic() the first Slack call arrived


@dataclass
class Run:
    where: str
    bare: bool
    loaded: list[Sample] = field(default_factory=list)
    unloaded: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    app_cpu: float | None = None  # CPU seconds of the app process in the loaded phase
    bench_cpu: float = 0.0  # CPU seconds of this process in the loaded phase
    finished_during: int = 0  # LLM work that completed during the loaded phase

    def acks(self, kind: str, loaded: bool = True) -> list[float]:
        samples = self.loaded if loaded else self.unloaded
        return [s.elapsed for s in samples if s.kind == kind]

    def overheads(self, kind: str, loaded: bool = True) -> list[float]:
        samples = self.loaded if loaded else self.unloaded
        return [s.first_call - s.sent_at for s in samples
                if s.kind == kind and s.first_call is not None]


def _prepare(slack: SlackApiServer, kind: str, tag: str) -> dict[str, Any]:
    """What one request needs; for a mention, a real thread in the emulated channel."""
    if kind == "command":
        return {"key": tag}
    root = slack.state.post_message(CHANNEL, f"What should we do about {tag}?", user="U0BOB")
    mention = slack.state.post_message(CHANNEL, "<@U0BOT> summarise this", user="U0ALICE",
                                       thread_ts=root["ts"])
    return {"key": root["ts"], "event": mention_event(
        user="U0ALICE", text=mention["text"], channel=CHANNEL, ts=mention["ts"],
        thread_ts=root["ts"])}


def _send(sender: SlackSender, kind: str, request: dict[str, Any]) -> Sample:
    sample = Sample(kind, request["key"], time.monotonic())
    reply = sender.command(request["key"]) if kind == "command" else sender.event(request["event"])
    sample.elapsed, sample.status = reply.elapsed, reply.status
    return sample


def _first_call_key(call: Call) -> str | None:
    if call.method not in ("chat.postMessage", "chat.startStream"):  # a draft may stream
        return None
    return str(call.params["thread_ts"]) if call.params.get("thread_ts") else header_topic(call)


def _match_first_calls(slack: SlackApiServer, samples: list[Sample], start: int,
                       timeout: float = 20.0) -> None:
    """Attach to each sample the arrival time of the first Slack call it caused."""
    wanted = {s.key: s for s in samples}

    def attach() -> bool:
        for call in slack.calls[start:]:
            sample = wanted.get(_first_call_key(call) or "")
            if sample is not None and sample.first_call is None:
                sample.first_call = call.at
        return all(s.first_call is not None for s in samples)

    if not wait_until(attach, timeout, interval=0.02):
        missing = sum(s.first_call is None for s in samples)
        print(f"    ({missing} requests caused no Slack call within {timeout:.0f} s)")


def measure_one(where: str, *, bare: bool, count: int, unloaded: int) -> Run:
    run = Run(where, bare)
    with fakes() as (slack, llm), database("sqlite") as db_url, \
            start_target(where, app_env(slack, llm, db_url), bare=bare) as app:
        sender = SlackSender(app.url, SECRET)
        try:
            # Warm-up: Bolt's first request pays for lazy imports and auth.test.
            _send(sender, "command", _prepare(slack, "command", f"warm-{where}"))
            wait_until(lambda: app.pending() == 0, 10)
            # Unloaded: one at a time, the LLM instant, each one finished before the next.
            llm.delay(0)
            for n in range(unloaded):
                kind = KINDS[n % 2]
                start = len(slack.calls)
                sample = _send(sender, kind, _prepare(slack, kind, f"solo-{where}-{n}"))
                run.unloaded.append(sample)
                if not bare:
                    _match_first_calls(slack, [sample], start, timeout=10)
                    time.sleep(0.02)
                    wait_until(lambda: app.pending() == 0, 10, interval=0.01)
            # Loaded: one phase per kind, CONCURRENCY at a time, the LLM slow.
            llm.delay(LLM_DELAY)
            _loaded(run, app, sender, slack, count)
        finally:
            llm.stop()  # abort the brainstorms and drafts still waiting: a fast shutdown
    bad = [s.status for s in run.loaded + run.unloaded if s.status != 200]
    if bad:
        print(f"    {len(bad)} requests were not answered 200: {sorted(set(bad))}")
    return run


def _loaded(run: Run, app: Target, sender: SlackSender, slack: SlackApiServer,
            count: int) -> None:
    """`count` requests of each kind, one kind after the other, each phase starting once
    the app is quiet: every request of a phase then starts its background job at once
    (`count` is below the 256 workers set by `app_env`), and no LLM answer arrives during
    a phase (a phase is shorter than the LLM's delay: `finished_during` checks it)."""
    for kind in KINDS:
        requests = [_prepare(slack, kind, f"ack-{run.where}-{kind}-{n}") for n in range(count)]
        wait_until(lambda: app.pending() == 0, 60)
        start = len(slack.calls)
        cpu0, app_cpu0, began = time.process_time(), app.cpu_seconds(), time.monotonic()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            run.loaded += pool.map(lambda r, kind=kind: _send(sender, kind, r), requests)
        run.seconds += time.monotonic() - began
        run.bench_cpu += time.process_time() - cpu0
        app_cpu1 = app.cpu_seconds()
        if app_cpu0 is not None and app_cpu1 is not None:
            run.app_cpu = (run.app_cpu or 0.0) + app_cpu1 - app_cpu0
        run.finished_during += sum(c.method == "chat.update" for c in slack.calls[start:])
        if not run.bare:
            _match_first_calls(slack, run.loaded[-count:], start)


def _report(run: Run, count: int) -> None:
    name = "bare Bolt" if run.bare else "idealoop"
    print(f"  {name}, {run.where}: {2 * count} requests in {run.seconds:.1f} s", end="")
    if run.app_cpu is not None:
        print(f" (app CPU {run.app_cpu / (2 * count) * 1000:.1f} ms/request, "
              f"bench CPU {run.bench_cpu / (2 * count) * 1000:.1f} ms/request)", end="")
    print()
    for kind in KINDS:
        line = f"    {LABEL[kind]:<11} ack {p50_p99(run.acks(kind))}"
        if run.unloaded:
            line += f"; unloaded p50 {ms(pct(run.acks(kind, loaded=False), .5))}"
        if not run.bare and run.overheads(kind):
            line += (f" | first Slack call {p50_p99(run.overheads(kind))}; unloaded p50 "
                     f"{ms(pct(run.overheads(kind, loaded=False), .5))}")
        print(line)
    if run.finished_during:
        print(f"    note: {run.finished_during} chat.update calls (finished LLM work) happened "
              f"during the loaded phase")


def measure(quick: bool = QUICK) -> list[Row]:
    quiet_logs()
    count = 40 if quick else 200
    unloaded = 6 if quick else 40
    banner("ack latency and bot overhead",
           f"SQLite, LLM {LLM_DELAY:.0f} s, {count} of each request x{CONCURRENCY} concurrent")
    runs: dict[tuple[str, bool], Run] = {}
    for where in places(quick):
        for bare in (True, False):
            run = measure_one(where, bare=bare, count=count, unloaded=unloaded)
            runs[where, bare] = run
            _report(run, count)

    rows: list[Row] = []
    for kind in KINDS:
        for where in places(quick):
            app, base = runs[where, False], runs[where, True]
            a, b = app.acks(kind), base.acks(kind)
            idle = (f"; idle p50 {ms(pct(app.acks(kind, loaded=False), .5))}, bare Bolt "
                    f"{ms(pct(base.acks(kind, loaded=False), .5))}" if app.unloaded else "")
            rows.append((
                f"{LABEL[kind]} ack, LLM 5 s, {count} req x{CONCURRENCY} ({where})",
                f"{p50_p99(a)}; bare Bolt {p50_p99(b)}; ratio p50 "
                f"{ratio(pct(a, .5), pct(b, .5))}, p99 {ratio(pct(a, .99), pct(b, .99))}"
                + idle))
    sub, inproc = runs["subprocess", False], runs.get(("in-process", False))
    for kind, what in (("command", "request → header chat.postMessage"),
                       ("mention", "request → placeholder (chat.startStream)")):
        rows.append((f"bot overhead, {LABEL[kind]}: {what} (subprocess)",
                     f"{p50_p99(sub.overheads(kind))} under load; unloaded p50 "
                     f"{ms(pct(sub.overheads(kind, loaded=False), .5))}"
                     + (f" (in-process: {p50_p99(inproc.overheads(kind))})" if inproc else "")))
    if sub.app_cpu is not None:
        rows.append(("app CPU per acked request (subprocess, loaded phase)",
                     f"{sub.app_cpu / (2 * count) * 1000:.1f} ms; bare Bolt "
                     f"{(runs['subprocess', True].app_cpu or 0) / (2 * count) * 1000:.1f} ms"))
    return rows


if __name__ == "__main__":
    measure()
