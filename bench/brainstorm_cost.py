"""What one brainstorm costs the app: CPU and database round trips, end to end.

The real app runs in this process on `serve`'s HTTP server, the emulated Slack and the
fake LLM beside it (instant answers: the cost, not the wait, is measured). Each
brainstorm is a signed `/brainstorm` through to its header settled (`chat.update`), one
at a time. The app's threads alone count: the HTTP request threads, the job, worker,
listener and signal threads (their CPU clocks, read before and after); the fake LLM's
and the emulated Slack's threads, and this one, do not. So "app CPU per brainstorm"
excludes the LLM server's work and Slack's, and includes the app's own side of talking
to them (the OpenAI client parsing the stream, slack_sdk). Where it went is profiled
in a second, separate run of the same brainstorms (cProfile in each app thread, timed
by that thread's CPU clock; its own overhead makes those figures larger).

Database round trips are counted on the app's engine: each statement sent
(`before_cursor_execute`; an executemany is one) and each commit. Run first with one
brainstorm in a throw-away app (imports, caches, the first connections), then the
measured ones in a fresh app. 10 brainstorms a database; BENCH_QUICK=1: 4.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from sqlalchemy import event

from bench.common import (
    QUICK,
    SECRET,
    InProcessApp,
    Row,
    app_env,
    banner,
    brainstorm,
    database,
    fakes,
    postgres_available,
    quiet_logs,
)
from bot.emulator.slack_requests import SlackSender

APP_THREADS = ("waitress", "idealoop-")  # HTTP request threads; jobs, worker, signals, …
# Waits, not work: a thread still waiting when the profile is read gets a wrong time.
WAITS = ("acquire", "poll", "of '_queue.SimpleQueue'", "select", "sleep")


def app_cpu() -> dict[int, float]:
    """CPU seconds so far of each live app thread, by thread id."""
    seconds: dict[int, float] = {}
    for thread in threading.enumerate():
        if thread.name.startswith(APP_THREADS) and thread.ident is not None:
            try:
                clock = time.pthread_getcpuclockid(thread.ident)
                seconds[thread.ident] = time.clock_gettime(clock)
            except OSError:  # it ended meanwhile
                continue
    return seconds


class AppProfiler:
    """A cProfile in every app thread started while installed, switched on only while
    `measuring` (a thread switches at its next call), timed by its own CPU clock."""

    def __init__(self) -> None:
        self.measuring = False
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        threading.setprofile(self._hook)

    def uninstall(self) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]

    def _hook(self, frame: FrameType, what: str, arg: Any) -> Callable[..., Any] | None:
        if not threading.current_thread().name.startswith(APP_THREADS):
            sys.setprofile(None)
            return None
        if self.measuring:
            sys.setprofile(None)
            profile = cProfile.Profile(time.thread_time)
            with self._lock:
                self.profiles.append(profile)
            profile.enable()
        return None

    def stats(self) -> pstats.Stats | None:
        merged: pstats.Stats | None = None
        for profile in list(self.profiles):
            stats = pstats.Stats(profile)
            merged = stats if merged is None else merged.add(stats)
        return merged


class RoundTrips:
    """Statements and commits sent on an engine while `counting`."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements = self.commits = 0
        self.counting = False
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *_: Any) -> None:
        if self.counting:
            self.statements += 1

    def _commit(self, *_: Any) -> None:
        if self.counting:
            self.commits += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


def run_brainstorms(db: str, count: int, *, profiled: bool) -> dict[str, Any]:
    with fakes() as (slack, llm), database(db) as url:
        env = app_env(slack, llm, url)
        with InProcessApp(env) as warm:  # imports and first connections, not measured
            brainstorm(SlackSender(warm.url, SECRET), slack, "warm-up topic")
        profiler = AppProfiler()
        if profiled:
            profiler.install()
        try:
            with InProcessApp(env) as app:
                assert app.deps is not None
                trips = RoundTrips(app.deps.stores.engine)
                sender = SlackSender(app.url, SECRET)
                brainstorm(sender, slack, "the first one, not measured")
                assert app.deps.wait_quiet(timeout=20)
                ideas = 0
                cpu_before = app_cpu()
                trips.counting = profiler.measuring = True
                began = time.monotonic()
                for n in range(count):
                    ideas += len(brainstorm(sender, slack, f"cost topic {n}"))
                    assert app.deps.wait_quiet(timeout=20)
                profiler.measuring = trips.counting = False
                seconds = time.monotonic() - began
                cpu_after = app_cpu()
                trips.close()
                stats = profiler.stats() if profiled else None
        finally:
            profiler.uninstall()
            llm.stop()
    cpu = sum(after - cpu_before.get(ident, 0.0) for ident, after in cpu_after.items())
    found: dict[str, Any] = {
        "cpu_ms": cpu / count * 1000, "ideas": ideas / count,
        "statements": trips.statements / count, "commits": trips.commits / count,
        "wall_ms": seconds / count * 1000, "hot": ""}
    if stats is not None:
        found["hot"] = hot_spots(stats)
    return found


def hot_spots(stats: pstats.Stats, top: int = 14) -> str:
    """The functions with the most own time, waits left out."""
    text = io.StringIO()
    stats.stream = text  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(top + 12)
    lines = text.getvalue().splitlines()
    start = next(n for n, line in enumerate(lines) if line.strip().startswith("ncalls"))
    kept = [line for line in lines[start + 1:] if line.strip()
            and not any(wait in line for wait in WAITS)]
    return "\n".join([lines[start], *kept[:top]])


def measure(quick: bool = QUICK) -> list[Row]:
    quiet_logs()
    count = 4 if quick else 10
    banner("brainstorm cost", f"{count} brainstorms a database, one at a time, LLM instant")
    rows: list[Row] = []
    for db in ["sqlite"] + (["postgresql"] if postgres_available() else []):
        name = "SQLite" if db == "sqlite" else "PostgreSQL"
        found = run_brainstorms(db, count, profiled=False)
        line = (f"app CPU {found['cpu_ms']:.1f} ms per brainstorm of {found['ideas']:.0f} "
                f"ideas; {found['statements']:.0f} database "
                f"statements and {found['commits']:.0f} commits each; "
                f"{found['wall_ms']:.0f} ms from /brainstorm to the header settled")
        print(f"  {name}: {line}")
        print("    where the app's CPU went (a profiled run; own time, all its threads):")
        for hot in str(run_brainstorms(db, count, profiled=True)["hot"]).splitlines():
            print(f"      {hot[:150]}")
        rows.append((f"one brainstorm, end to end, app only ({name})", line))
    return rows


if __name__ == "__main__":
    measure()
