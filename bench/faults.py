"""Faults, measured: what Slack was told next to what was kept, with real processes.

- `kill -9` of `idealoop serve` in the middle of 1,500 reactions (SQLite, PostgreSQL);
  another process starts on the same port and Slack's re-deliveries reach it.
- A PostgreSQL outage of 12 s under a stream of 600 reactions, on a throw-away cluster
  this benchmark starts on its own port (never the shared server).
- One malformed reaction (a lone surrogate for an emoji) among 400 good ones.
- `kill -9` while a brainstorm, and while a draft, waits on the LLM: placeholders left
  unsettled, ideas or drafts posted twice, and seconds from the next process's start
  until the work was finished.

The scenarios are the fault tests' (`testkit.faults`); the tests assert, this prints.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import QUICK, Row, banner, database, fakes, postgres_available, quiet_logs
from bot.emulator.web_api import SlackApiServer
from testkit import pg_cluster
from testkit.databases import migrate
from testkit.delivery import DeliveryReport
from testkit.faults import (
    Kept,
    Resumed,
    kill_during_reactions,
    kill_mid_brainstorm,
    kill_mid_draft,
    malformed_among_good,
    outage_during_reactions,
)
from testkit.processes import ServeProcess

OUTAGE = 12.0  # seconds


def _kept(label: str, kept: Kept) -> Row:
    value = (f"{kept.acknowledged} of {kept.sent} acknowledged, {kept.stored} stored: "
             f"{kept.lost} lost; {kept.report.refused} refused and {kept.report.unreachable} "
             f"unreachable deliveries re-delivered; {kept.report.server_errors} server errors")
    return _row(label, value)


def _resumed(label: str, resumed: Resumed) -> Row:
    value = (f"{resumed.unsettled} placeholders left unsettled, {resumed.starts} "
             f"header/placeholder, {resumed.duplicates} posted twice, {resumed.pending} "
             f"unfinished; finished {resumed.seconds:.1f} s after the next process started")
    return _row(label, value)


def _row(label: str, value: str) -> Row:
    print(f"  {label:<52} {value}", flush=True)
    return label, value


def measure(quick: bool = QUICK) -> list[Row]:
    quiet_logs()
    banner("faults", "real `idealoop serve` processes, kill -9 and a stopped database")
    rows: list[Row] = []
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    with tempfile.TemporaryDirectory(prefix="idealoop-faults-") as tmp:
        cwd = Path(tmp)
        for kind in kinds:
            with fakes() as (slack, _), database(kind) as url:
                rows.append(_kept(f"kill -9 during 1,500 reactions ({kind})",
                                  kill_during_reactions(slack, url, cwd)))
        if pg_cluster.available() and not quick:
            with SlackApiServer(rate_limits=False) as slack, \
                    pg_cluster.ThrowawayCluster() as pg:
                migrate(pg.url)

                def outage(app: ServeProcess, report: DeliveryReport) -> None:
                    time.sleep(OUTAGE)  # a fixed outage: the scenario, not a wait

                rows.append(_kept(f"PostgreSQL down {OUTAGE:.0f} s during 600 reactions",
                                  outage_during_reactions(slack, pg.url, cwd, stop=pg.stop,
                                                          start=pg.start, outage=outage,
                                                          pace=0.01)))
        for kind in kinds:
            with fakes() as (slack, _), database(kind) as url:
                rows.append(_kept(f"one malformed reaction among 400 ({kind})",
                                  malformed_among_good(slack, url, cwd)))
        with fakes() as (slack, llm), database("sqlite") as url:
            rows.append(_resumed("kill -9 mid-brainstorm, restart, 60 s lease (SQLite)",
                                 kill_mid_brainstorm(slack, llm, url, cwd, lease=60)))
        with fakes() as (slack, llm), database("sqlite") as url:
            rows.append(_resumed("kill -9 mid-draft, restart (SQLite)",
                                 kill_mid_draft(slack, llm, url, cwd)))
        if "postgresql" in kinds:
            with fakes() as (slack, llm), database("postgresql") as url:
                rows.append(_resumed("kill -9 mid-brainstorm, replica, 2 s lease (PostgreSQL)",
                                     kill_mid_brainstorm(slack, llm, url, cwd, replica=True)))
    return rows


if __name__ == "__main__":
    measure()
