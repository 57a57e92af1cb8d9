"""`python -m bench` (`make bench`): every benchmark, each printing its own lines as it
goes, then one table of all the figures (markdown, ready for the README).
BENCH_QUICK=1 runs fewer requests (under a minute in all)."""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from types import ModuleType

from bench.common import CORES, QUICK, Row

# (title, module): each module has `measure(quick: bool) -> list[(figure, value)]`.
BENCHMARKS = (
    ("ack latency and bot overhead", "bench.ack"),
    ("reaction ingestion", "bench.ingest"),
    ("one brainstorm's cost", "bench.brainstorm_cost"),
    ("digest cost", "bench.digest_cost"),
    ("same idea: rejection filter", "bench.similarity"),
    ("the learning loop", "bench.learning"),
    ("drafts and prompt budget", "bench.drafts"),
    ("first idea on screen", "bench.first_idea"),
    ("web and worker processes", "bench.workers"),
    ("daily limits at accept", "bench.limits"),
    ("memory", "bench.memory"),
    ("start-up", "bench.startup"),
    ("faults", "bench.faults"),
    ("slow and idle clients", "bench.slow_clients"),
)
OPTIONAL = {"bench.digest_cost"}  # written separately; the table says if it is missing


def _load(name: str) -> ModuleType | None:
    try:
        module = importlib.import_module(name)
    except ImportError:
        if name not in OPTIONAL:
            raise
        return None
    return module if callable(getattr(module, "measure", None)) else None


def table(rows: list[Row]) -> str:
    lines = ["| figure | value |", "| --- | --- |"]
    lines += [f"| {name.replace('|', '/')} | {value.replace('|', '/')} |"
              for name, value in rows]
    return "\n".join(lines)


def main() -> int:
    started = time.monotonic()
    rows: list[Row] = []
    failed: list[str] = []
    for title, name in BENCHMARKS:
        print(flush=True)
        module = _load(name)
        if module is None:
            print(f"{title}: not available")
            rows.append((title, "not available"))
            continue
        try:
            rows += module.measure(QUICK)
        except Exception as exc:
            traceback.print_exc()
            if name in OPTIONAL:
                print(f"{title}: not available ({type(exc).__name__})")
                rows.append((title, f"not available ({type(exc).__name__})"))
            else:
                failed.append(title)
                rows.append((title, f"failed ({type(exc).__name__}, see above)"))
    elapsed = time.monotonic() - started
    print(f"\n## Benchmarks: {CORES} cores, {'quick' if QUICK else 'full'} run, "
          f"{elapsed:.0f} s\n")
    print(table(rows), flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
