"""One process against a web process with worker processes beside it (`serve --workers N`),
on PostgreSQL, `idealoop serve` as its own process, back to back on the same machine.

For each: reactions stored and acked idle and while about 20 brainstorms stream from
the fake LLM (replaced as they finish), the reactions' ack p50/p99, the `/brainstorm`
acks sent meanwhile, and the CPU the web process spent per reaction (the worker
processes' CPU is theirs, not counted). What it shows is what the split buys on this
machine: acks that no longer share an interpreter with the brainstorms.
"""

from __future__ import annotations

from bench.common import CORES, QUICK, Row, banner, p50_p99, postgres_available, quiet_logs
from bench.ingest import IN_FLIGHT, SENDERS, Load, measure_target, per_event

SPLITS = (0, 2)  # worker processes: 0 = the work runs in the web process


def _say(label: str, load: Load) -> str:
    cpu = f"; web process CPU {per_event(load):.1f} ms/reaction" if load.app_cpu else ""
    text = (f"{load.rate:.0f} reactions/s stored and acked, ack {p50_p99(load.acks)}"
            + (f"; /brainstorm ack {p50_p99(load.command_acks)}" if load.command_acks else "")
            + cpu + (f"; {load.lost} lost" if load.lost else "")
            + (f"; {load.brainstorms_per_second:.1f} brainstorms/s started, "
               f"{load.in_flight:.0f} in flight on average" if load.command_acks else ""))
    print(f"    {label:<44} {text}", flush=True)
    return text


def measure(quick: bool = QUICK) -> list[Row]:
    quiet_logs()
    count = 400 if quick else 2000
    banner("web and worker processes",
           f"PostgreSQL, serve as a subprocess, {count} reactions from {SENDERS} senders, "
           f"idle then with {IN_FLIGHT} brainstorms streaming")
    if not postgres_available():
        print("  PostgreSQL is not reachable: skipped")
        return []
    rows: list[Row] = []
    for processes in SPLITS:
        where = (f"web + {processes} worker processes" if processes
                 else "one process (work in it)")
        loads = measure_target("subprocess", "postgresql", count,
                               IDEALOOP_WORKER_PROCESSES=str(processes))
        for state, load in loads.items():
            label = f"{where}, {state}"
            rows.append((f"{label} ({CORES} cores)", _say(label, load)))
    return rows


if __name__ == "__main__":
    measure()
