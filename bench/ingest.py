"""Figure 3: reaction ingestion — Slack's 200 only once the signal is committed.

8 senders each keep one signed `reaction_added` in flight (a new person 👍-ing one idea;
each sender has its own idea) and send the next once the previous one is answered. The
app answers only after the reaction's group commit, so its acknowledgement latency *is*
request → stored, and its events/s are stored events/s; at the end the benchmark counts
the signal rows, so every acknowledged reaction is checked to be there. The bare Bolt
baseline, on the same HTTP server, acknowledges before its listener (which does
nothing) even runs: the ratio is what keeping the promise costs.

The baseline runs twice as its own process: on the same server as idealoop (waitress,
`bot.runtime.server`) and on Bolt's own development server (the standard library's
`http.server`, one thread), the fastest a bare Bolt app acks here; idealoop's idle rate
is given against both ("same server", "its fastest server").

Runs on SQLite and PostgreSQL, idle and while about 20 brainstorms are in flight (the
fake LLM waits 1.5 s; finished ones are replaced, about 10 brainstorms a second, so ideas
keep being posted and stored during the run): reactions stored then against the idle
rate of the same run, the reaction ack p99, and the ack of each `/brainstorm` sent meanwhile.
Each as a real `idealoop serve` process (`IDEALOOP_BENCH_WORKERS=N`: `serve --workers N`,
where it has the option) and in this process. Idle rates are the best of `ROUNDS`
interleaved runs. 2,000 events a run; with BENCH_QUICK=1, 400, subprocess only.
"""

from __future__ import annotations

import threading
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
    bare_stdlib,
    brainstorm,
    brainstorms_in_flight,
    database,
    fakes,
    item_ids,
    ms,
    p50_p99,
    pct,
    places,
    postgres_available,
    quiet_logs,
    ratio,
    serve_label,
    start_target,
)
from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from storage.db import make_engine
from testkit.fake_openai import FakeOpenAI

SENDERS = 8
#: Idle rates are the best of this many runs, each in a new process, the targets taken in
#: turn: on a machine shared with other work, a neighbour's burst lowers one run, never
#: raises it, so the best of a few interleaved runs is the fairest comparison.
ROUNDS = 2 if QUICK else 3
IN_FLIGHT = 20
SLOW_LLM = 1.5  # seconds the LLM waits: with 20 in flight, about 10 brainstorms a second
POLL = 0.002
STORE_TIMEOUT = 10.0


def stored_signals(database_url: str, items: list[int]) -> int:
    """Signal rows of `items`, counted from the benchmark's side."""
    engine = make_engine(database_url)
    ids = ", ".join(str(int(item)) for item in items)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(
                f"SELECT COUNT(*) FROM signals WHERE item_id IN ({ids})").scalar_one())
    finally:
        engine.dispose()


@dataclass
class Load:
    events: int = 0
    seconds: float = 0.0
    acks: list[float] = field(default_factory=list)  # request → 200 (= → stored)
    refused: int = 0  # answered anything but 200
    lost: int = 0  # answered 200 but not found in the database at the end
    in_flight: float = 0.0  # mean brainstorms in flight during the run
    brainstorms_per_second: float = 0.0  # /brainstorm sent per second during the run
    command_acks: list[float] = field(default_factory=list)  # each /brainstorm's ack
    commands_refused: int = 0
    app_cpu: float | None = None  # CPU seconds of the app process during the run
    bench_cpu: float = 0.0  # CPU seconds of this process during the run

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def send_reactions(app: Target, targets: list[tuple[str, int | None]], count: int,
                   tag: str) -> Load:
    """`count` signed reaction_added events from SENDERS threads, each waiting for the
    answer to its previous one before sending the next."""
    sender = SlackSender(app.url, SECRET)
    load = Load()
    lock = threading.Lock()

    def run(worker: int) -> None:
        message_ts, _ = targets[worker % len(targets)]
        for n in range(worker, count, SENDERS):
            reply = sender.reaction(user=f"U{tag}{n:06d}", emoji="+1", channel=CHANNEL,
                                    ts=message_ts)
            with lock:
                if reply.status == 200:
                    load.acks.append(reply.elapsed)
                else:
                    load.refused += 1

    app_cpu, bench_cpu, began = app.cpu_seconds(), time.process_time(), time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        list(pool.map(run, range(SENDERS)))
    load.seconds = time.monotonic() - began
    load.bench_cpu = time.process_time() - bench_cpu
    app_cpu_after = app.cpu_seconds()
    if app_cpu is not None and app_cpu_after is not None:
        load.app_cpu = app_cpu_after - app_cpu
    load.events = len(load.acks)
    return load


def seed_targets(sender: SlackSender, slack: SlackApiServer,
          database_url: str) -> list[tuple[str, int | None]]:
    """Two brainstorms through the app: ten ideas to react on, one per sender."""
    posted: list[str] = []
    for topic in ("ingest seed one", "ingest seed two"):
        posted += brainstorm(sender, slack, topic)
    return list(zip(posted, item_ids(database_url, posted), strict=True))[:SENDERS]


def measure_target(where: str, db: str, count: int, *, bare: str = "",
                   busy: bool = True, **settings: str) -> dict[str, Load]:
    """`bare`: "" for idealoop, else the bare Bolt baseline on "waitress" or "stdlib";
    `settings`: environment variables for the app (the worker processes' bench)."""
    loads: dict[str, Load] = {}
    with fakes() as (slack, llm), database(db) as url, \
            _target(where, app_env(slack, llm, url, **settings), bare) as app:
        sender = SlackSender(app.url, SECRET)
        try:
            if bare:
                targets: list[tuple[str, int | None]] = [
                    (f"1700000000.{n:06d}", None) for n in range(SENDERS)]
                send_reactions(app, targets, 4 * SENDERS, "W")  # warm-up
                loads["idle"] = send_reactions(app, targets, count, "I")
                return loads
            targets = seed_targets(sender, slack, url)
            items = [item for _, item in targets if item is not None]
            before = stored_signals(url, items)
            send_reactions(app, targets, 4 * SENDERS, "W")  # warm-up
            loads["idle"] = send_reactions(app, targets, count, "I")
            if busy:
                loads["busy"] = _busy(sender, app, llm, targets, count)
            acked = sum(load.events for load in loads.values()) + 4 * SENDERS
            missing = acked - (stored_signals(url, items) - before)
            for load in loads.values():
                load.lost = max(0, missing)  # an acknowledged reaction not in the database
        finally:
            llm.stop()  # brainstorms still waiting fail fast: a quick shutdown
    return loads


def _target(where: str, env: dict[str, str], bare: str) -> Any:
    if bare == "stdlib":
        return bare_stdlib(env)
    return start_target(where, env, bare=bool(bare))


def _busy(sender: SlackSender, app: Target, llm: FakeOpenAI,
          targets: list[tuple[str, int | None]], count: int) -> Load:
    with brainstorms_in_flight(sender, app, llm, target=IN_FLIGHT,
                               llm_delay=SLOW_LLM) as in_flight:
        sent, began = in_flight.sent, time.monotonic()
        load = send_reactions(app, targets, count, "B")
        load.brainstorms_per_second = (in_flight.sent - sent) / (time.monotonic() - began)
    load.in_flight = in_flight.mean_in_flight
    load.command_acks = list(in_flight.acks)
    load.commands_refused = in_flight.refused
    return load


def _line(label: str, load: Load, base: Load, fastest: Load | None = None,
          fastest_name: str = "") -> str:
    """Print a run's figures; the table's value (with the app's CPU, when separate)."""
    text = (f"{load.rate:.0f} events/s acknowledged after commit ({ratio(load.rate, base.rate)}"
            f" of bare Bolt's {base.rate:.0f}/s on the same server")
    if fastest is not None:
        text += (f", {ratio(load.rate, fastest.rate)} of its {fastest.rate:.0f}/s on its "
                 f"fastest, {fastest_name}")
    text += (f"); request → stored and acked {p50_p99(load.acks)}; {load.lost} acknowledged "
             "but not stored")
    if load.refused:
        text += f"; {load.refused} refused"
    print(f"    {label:<38} {text}", flush=True)
    print(f"    {'':<38} {_cpu(load)}")
    if load.app_cpu is not None and base.app_cpu is not None:
        text += (f"; app CPU {per_event(load):.1f} ms/event "
                 f"(bare Bolt {per_event(base):.1f})")
    return text


def _busy_line(label: str, load: Load, idle: Load) -> str:
    """The streaming-brainstorm run against the idle one of the same app and run."""
    text = (f"{load.rate:.0f} events/s stored, {ratio(load.rate, idle.rate)} of idle "
            f"({idle.rate:.0f}/s); reaction ack {p50_p99(load.acks)}; /brainstorm ack "
            f"{p50_p99(load.command_acks) if load.command_acks else 'n/a'} "
            f"({len(load.command_acks)} acked, {load.commands_refused} refused); "
            f"{load.brainstorms_per_second:.1f} brainstorms/s started, "
            f"{load.in_flight:.0f} in flight on average; {load.lost} acknowledged but not "
            "stored")
    if load.refused:
        text += f"; {load.refused} reactions refused"
    print(f"    {label:<38} {text}", flush=True)
    print(f"    {'':<38} {_cpu(load)}")
    return text


def per_event(load: Load) -> float:
    return (load.app_cpu or 0.0) / max(1, load.events) * 1000


def _cpu(load: Load) -> str:
    """Where the CPU went: the app process (if separate) and this one, per event and as a
    share of one core (the GIL lets one process use about one core of Python)."""
    text = ""
    if load.app_cpu is not None:
        text = (f"app CPU {per_event(load):.1f} ms/event "
                f"({load.app_cpu / load.seconds:.0%} of a core), ")
    text += (f"bench process {load.bench_cpu / load.seconds:.0%} of a core "
             f"(senders, fakes{', app' if load.app_cpu is None else ''})")
    return text


def measure(quick: bool = QUICK) -> list[Row]:
    quiet_logs()
    count = 400 if quick else 2000
    databases = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    banner("reaction ingestion", f"{count} events a run, {SENDERS} senders, {serve_label()}")
    if "postgresql" not in databases:
        print("  PostgreSQL is not reachable: SQLite only")
    rows: list[Row] = []
    for where in places(quick):
        print(f"  {where}:")
        bases: dict[str, Load] = {}
        idle: dict[str, Load] = {}
        busy: dict[str, Load] = {}
        lost: dict[str, int] = {}  # acknowledged but not stored, in any run
        for round_ in range(ROUNDS):
            last = round_ == ROUNDS - 1
            servers = ("waitress", "stdlib") if where == "subprocess" else ("waitress",)
            for server in servers:  # Bolt's own server runs only as its own process
                load = measure_target(where, "sqlite", count, bare=server)["idle"]
                bases[server] = max(bases.get(server, load), load, key=lambda x: x.rate)
            for db in databases:
                loads = measure_target(where, db, count, busy=last)
                lost[db] = lost.get(db, 0) + loads["idle"].lost
                idle[db] = max(idle.get(db, loads["idle"]), loads["idle"],
                               key=lambda x: x.rate)
                if "busy" in loads:
                    busy[db] = loads["busy"]
        for server, base in bases.items():
            name = {"waitress": "same server: waitress",
                    "stdlib": "Bolt's own server: http.server"}[server]
            print(f"    {'bare Bolt, ' + name:<38} {base.rate:.0f} events/s acked; "
                  f"ack {p50_p99(base.acks)} (best of {ROUNDS})")
            print(f"    {'':<38} {_cpu(base)}")
            rows.append((f"bare Bolt reaction_added, {SENDERS} senders, {name} ({where})",
                         f"{base.rate:.0f} events/s acked; ack {p50_p99(base.acks)}"))
        base = bases["waitress"]
        fastest_server = max(bases, key=lambda server: bases[server].rate)
        fastest = bases[fastest_server]
        for db in databases:
            name = "SQLite" if db == "sqlite" else "PostgreSQL"
            idle[db].lost = lost[db]
            rows.append((f"reactions stored, {name}, {SENDERS} senders, idle ({where})",
                         _line(f"{name}, idle (best of {ROUNDS})", idle[db], base, fastest,
                               fastest_server)))
            if db in busy:
                rows.append((f"reactions stored, {name}, ~{IN_FLIGHT} brainstorms in flight "
                             f"({where})", _busy_line(f"{name}, brainstorms streaming",
                                                      busy[db], idle[db])))
                rows.append((f"/brainstorm ack p99 while reactions and brainstorms stream, "
                             f"{name} ({where})",
                             ms(pct(busy[db].command_acks, .99))
                             if busy[db].command_acks else "n/a"))
    return rows


if __name__ == "__main__":
    measure()
