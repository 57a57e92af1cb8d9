"""Figure 6: memory of the real `idealoop serve`, idle and under the ingestion load.

Starts `python -m bot.cli serve` as its own process with the shipped defaults (SQLite,
IDEALOOP_WORKERS 32; Slack and the LLM point at the loopback fakes, and LLM retries are
off so that the aborted LLM lets it stop at once), reads VmRSS (resident now) and VmHWM
(peak resident) from /proc/<pid>/status once it answers /healthz, then again after the
ingestion load of `bench.ingest` (8 senders, 2,000 signed reaction_added events), and
after the same load while 20 brainstorms are in flight. BENCH_QUICK=1: one load of 400
events. SIGTERM at the end.
"""

from __future__ import annotations

from bench.common import (
    QUICK,
    SECRET,
    Row,
    app_env,
    banner,
    brainstorms_in_flight,
    database,
    fakes,
    quiet_logs,
)
from bench.ingest import IN_FLIGHT, SLOW_LLM, seed_targets, send_reactions
from bot.emulator.slack_requests import SlackSender
from testkit.processes import ServeProcess


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def measure(quick: bool = QUICK) -> list[Row]:
    quiet_logs()
    count = 400 if quick else 2000
    banner("memory of idealoop serve", f"SQLite, shipped defaults, {count} reactions a load")
    snapshots: list[tuple[str, dict[str, int]]] = []
    with fakes() as (slack, llm), database("sqlite") as url, \
            ServeProcess(app_env(slack, llm, url, IDEALOOP_WORKERS="")) as app:
        try:
            snapshots.append((f"idle (answered /healthz {app.started_in:.1f} s after exec)",
                              app.memory_kb()))
            sender = SlackSender(app.url, SECRET)
            targets = seed_targets(sender, slack, url)
            load = send_reactions(app, targets, count, "M")
            snapshots.append((f"after {load.events} reactions ({load.rate:.0f}/s)",
                              app.memory_kb()))
            if not quick:
                with brainstorms_in_flight(sender, app, llm, target=IN_FLIGHT,
                                           llm_delay=SLOW_LLM):
                    load = send_reactions(app, targets, count, "N")
                snapshots.append((f"after {load.events} more with {IN_FLIGHT} "
                                  "brainstorms in flight", app.memory_kb()))
        finally:
            llm.stop()
    return _rows(snapshots, count)


def _rows(snapshots: list[tuple[str, dict[str, int]]], count: int) -> list[Row]:
    for label, kb in snapshots:
        print(f"  {label:<48} VmRSS {_mb(kb['VmRSS']):>7}, peak (VmHWM) "
              f"{_mb(kb['VmHWM']):>7}, {kb['Threads']} threads")
    idle, loaded = snapshots[0][1], snapshots[1][1]
    value = f"{_mb(loaded['VmHWM'])} ({loaded['Threads']} threads)"
    if len(snapshots) > 2:
        busy = snapshots[2][1]
        value += (f"; with {IN_FLIGHT} brainstorms in flight too {_mb(busy['VmHWM'])} "
                  f"({busy['Threads']} threads)")
    return [("idealoop serve memory, idle (SQLite, defaults)",
             f"RSS {_mb(idle['VmRSS'])} ({idle['Threads']} threads)"),
            (f"idealoop serve peak RSS (VmHWM), {count} reactions at 8 concurrent", value)]


if __name__ == "__main__":
    measure()
