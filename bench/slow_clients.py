"""Slow and idle clients (issue 21): how long Slack waits for its ack while an
attacker on loopback holds idle, slow-loris (one header byte a second) and short-body
connections open, whether `/healthz` answers, and how soon the server cuts the attacker
off; then plain ack throughput and what a SIGTERM does to a request in progress.

`python -m bench.slow_clients` measures `idealoop serve` itself (also part of
`make bench`). `python -m bench.slow_clients --candidates` (or `--candidates=granian,
waitress`; `--no-serve` leaves `serve` out) first measures each HTTP
server considered for `serve` (`bench/server_candidates.py`: waitress as `serve` runs
it, cheroot as `serve` ran it before, uvicorn with a2wsgi, granian) serving the same
WSGI app; a candidate that is not installed is skipped.

Each scenario opens its connections, then sends 5 signed reactions at once, each
waiting at most 15 s for its ack; "none" is no ack within that. "cut off" counts the
attacker's connections the server closed within 15 s of their opening.
"""

from __future__ import annotations

import importlib.util
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.common import (
    BOT_TOKEN,
    CHANNEL,
    QUICK,
    SECRET,
    Row,
    banner,
    database,
    fakes,
    ms,
    pct,
)
from bot.emulator.slack_requests import (
    command_body,
    event_body,
    post,
    reaction_event,
    signature_headers,
)
from testkit.processes import SERVE, ServeProcess
from testkit.slow_clients import SlowClients
from testkit.waiting import wait_until

WAIT = 15.0  # how long a reaction waits for its ack, and the attacker for its cut-off
SCENARIOS = (  # (name, idle, slow-loris, short body)
    ("no attacker", 0, 0, 0),
    ("16 idle", 16, 0, 0),
    ("200 idle", 200, 0, 0),
    ("16 slow-loris", 0, 16, 0),
    ("16 short body", 0, 0, 16),
    ("200 idle + 64 slow-loris + 4 short body", 200, 64, 4),
)
QUICK_SCENARIOS = (SCENARIOS[0], SCENARIOS[-1])
NEEDS = {"waitress": "waitress", "cheroot": "cheroot", "uvicorn": "a2wsgi",
         "granian": "granian"}


@dataclass
class Attack:
    acks: list[float | None]  # seconds per reaction; None when unanswered within WAIT
    health: str
    cut_off: int
    held: int
    answers: str


def _reaction(url: str, n: int) -> float | None:
    body = event_body(reaction_event(added=True, user="U0ALICE", emoji="+1", channel=CHANNEL,
                                     ts=f"1700000000.{n:06d}"))
    started = time.perf_counter()
    try:
        reply = post(url, body, content_type="application/json",
                     headers=signature_headers(body, SECRET), timeout=WAIT)
    except OSError:
        return None
    return time.perf_counter() - started if reply.status == 200 else None


def _health(target: ServeProcess) -> str:
    started = time.perf_counter()
    status = target.health_status()
    return f"{status} in {ms(time.perf_counter() - started)}" if status else "no answer"


def attack(target: ServeProcess, idle: int, loris: int, short: int, round_: int) -> Attack:
    with SlowClients(target.port, idle=idle, loris=loris, short_body=short,
                     limit=WAIT + 5) as clients, ThreadPoolExecutor(5) as pool:
        opened = time.monotonic()
        acks = list(pool.map(lambda n: _reaction(target.url, round_ * 10 + n), range(5)))
        health = _health(target)
        total = idle + loris + short
        wait_until(lambda: clients.open() == 0, max(0.0, opened + WAIT - time.monotonic()),
                   interval=0.1)
        statuses = sorted({str(held.status or "close") for held in clients.held
                           if held.closed_at is not None})
        return Attack(acks, health, total - clients.open(), total, "/".join(statuses))


def describe(result: Attack) -> str:
    answered = [value for value in result.acks if value is not None]
    acks = (f"acks max {ms(max(answered))}" if len(answered) == len(result.acks)
            else f"{len(answered)}/{len(result.acks)} acked within {WAIT:.0f} s"
            + (f" (slowest {ms(max(answered))})" if answered else ""))
    cut = (f"; cut off {result.cut_off}/{result.held} within {WAIT:.0f} s"
           f" ({result.answers or 'none'})" if result.held else "")
    return f"{acks}; /healthz {result.health}{cut}"


def throughput(target: ServeProcess, count: int, concurrency: int = 8) -> str:
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        times = [value for value in pool.map(lambda n: _reaction(target.url, 1000 + n),
                                             range(count)) if value is not None]
    elapsed = time.perf_counter() - started
    return (f"{len(times) / elapsed:.0f} acks/s, p50 {ms(pct(times, .5))}, "
            f"p99 {ms(pct(times, .99))} ({len(times)}/{count} at {concurrency} concurrent)")


def graceful_stop(target: ServeProcess) -> str:
    """A `/slow` command (ack after 1 s) in progress when SIGTERM arrives."""
    body = command_body("now", command="/slow")
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(post, target.url, body,
                            content_type="application/x-www-form-urlencoded",
                            headers=signature_headers(body, SECRET), timeout=WAIT)
        time.sleep(0.3)  # the request is in the handler's 1 s wait
        assert target.proc is not None
        stopping = time.perf_counter()
        target.proc.send_signal(signal.SIGTERM)
        try:
            status = reply.result(timeout=WAIT).status
        except OSError as exc:
            status = 0
            print(f"    /slow failed: {type(exc).__name__}")
        code = target.proc.wait(timeout=WAIT)
        stopped = time.perf_counter() - stopping
    finished = "finished (200)" if status == 200 else f"cut ({status or 'no answer'})"
    return f"in-flight request {finished}; exit {code} after {stopped:.1f} s"


def measure_target(name: str, module: tuple[str, ...], env: dict[str, str],
                   scenarios: tuple[tuple[str, int, int, int], ...]) -> list[Row]:
    rows: list[Row] = []
    with ServeProcess(env, module=module) as target:
        for n, (scenario, idle, loris, short) in enumerate(scenarios):
            wait_until(lambda: target.health_status() == 200, WAIT)
            line = describe(attack(target, idle, loris, short, n))
            print(f"  {name}, {scenario}: {line}", flush=True)
            rows.append((f"{name}: 5 reactions, {scenario}", line))
        wait_until(lambda: target.health_status() == 200, WAIT)
        line = throughput(target, 100 if QUICK else 400)
        print(f"  {name}, throughput: {line}", flush=True)
        rows.append((f"{name}: reaction acks, no attacker", line))
        if module != SERVE:  # serve has no `/slow`; tests/bot/runtime/test_server.py checks it
            line = graceful_stop(target)
            print(f"  {name}, SIGTERM: {line}", flush=True)
            rows.append((f"{name}: SIGTERM with a request in progress", line))
    return rows


def measure(quick: bool, *, candidates: tuple[str, ...] = ()) -> list[Row]:
    banner("slow and idle clients", "each app as its own process, attacker on loopback")
    scenarios = QUICK_SCENARIOS if quick else SCENARIOS
    rows: list[Row] = []
    with fakes() as (slack, _llm), database("sqlite") as url:
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": slack.url, "DATABASE_URL": url, "IDEALOOP_LLM": "offline"}
        for name, package in NEEDS.items():
            if name not in candidates:
                continue
            if importlib.util.find_spec(package) is None:
                print(f"  {name}: not installed, skipped")
                continue
            rows += measure_target(name, ("bench.server_candidates", name), env,
                                       scenarios)
        if "--no-serve" in sys.argv[1:]:
            return rows
        rows += measure_target("idealoop serve", SERVE, env, scenarios)
    return rows


if __name__ == "__main__":
    from bench.__main__ import table

    chosen: tuple[str, ...] = ()
    for arg in sys.argv[1:]:
        if arg == "--candidates":
            chosen = tuple(NEEDS)
        elif arg.startswith("--candidates="):
            chosen = tuple(arg.split("=", 1)[1].split(","))
    figures = measure(QUICK, candidates=chosen)
    print()
    print(table(figures))
