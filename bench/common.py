"""What every benchmark shares: settings, throw-away databases, the fakes, the app under
test (in this process or as its own `idealoop serve` process), and percentiles.

The load generator, the emulated Slack Web API and the fake LLM always live in the
benchmark process. The app under test runs either here too (`InProcessApp`: cheap, but
it competes with the fakes for this process's GIL) or as a real `idealoop serve`
subprocess (`ServeProcess`: its own interpreter, only the CPU cores are shared). The
bare Bolt baseline runs the same two ways (`bench/bare_bolt.py`), so every ratio compares
like with like.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from bot.config import Settings
from bot.deps import Deps
from bot.emulator.slack_requests import TEAM, SlackSender
from bot.emulator.web_api import Call, SlackApiServer
from storage.db import make_engine
from storage.stores import Stores
from testkit import databases
from testkit.app import serving
from testkit.databases import scratch_database
from testkit.fake_openai import FakeOpenAI
from testkit.processes import ROOT, SERVE, ServeProcess, child_env

QUICK = os.environ.get("BENCH_QUICK") == "1"
CORES = os.cpu_count() or 1
SECRET = "bench-secret"
BOT_TOKEN = "xoxb-bench"
CHANNEL = "C0GENERAL"
PG_ADMIN_URL = os.environ.get("IDEALOOP_BENCH_POSTGRES",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
Row = tuple[str, str]


# -- figures -------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (with 40 samples, p99 is the slowest one)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p50_p99(values: list[float]) -> str:
    return f"p50 {ms(pct(values, .5))}, p99 {ms(pct(values, .99))}"


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "n/a"


def banner(title: str, detail: str = "") -> None:
    """Every benchmark starts by saying what it measures, on how many cores, and how busy
    the machine already was (other work on the cores skews every figure)."""
    load = os.getloadavg()[0]
    print(f"{title} ({CORES} cores, load average {load:.1f}{', ' + detail if detail else ''}"
          f"{', quick' if QUICK else ''})", flush=True)


def places(quick: bool) -> tuple[str, ...]:
    """Where the app under test runs. The subprocess figures are the ones to quote; the
    in-process ones (which share this process's GIL with the fakes and the load) show what
    that set-up adds, and are left out of a quick run."""
    return ("subprocess",) if quick else ("subprocess", "in-process")


def quiet_logs() -> None:
    """Warnings and errors only. Aborting the fake LLM at the end of a run makes in-process
    jobs log expected failures."""
    logging.basicConfig(level=logging.ERROR, format="  [log] %(levelname)s %(name)s: %(message)s")


# -- databases -------------------------------------------------------------------------------

def postgres_available() -> bool:
    return databases.postgres_available(PG_ADMIN_URL)


def postgres_database() -> contextlib.AbstractContextManager[str]:
    """A migrated throw-away PostgreSQL database, dropped afterwards (even if in use)."""
    return scratch_database(PG_ADMIN_URL, prefix="idealoop_bench")


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """`kind` is "sqlite" or "postgresql"."""
    manager = (databases.sqlite_database("idealoop-bench-") if kind == "sqlite"
               else postgres_database())
    with manager as url:
        yield url


# -- the fakes and the app's settings --------------------------------------------------------

@contextlib.contextmanager
def fakes() -> Iterator[tuple[SlackApiServer, FakeOpenAI]]:
    """The emulated Slack Web API and the fake OpenAI-compatible server, on loopback.
    Slack's rate tiers are off: the benchmarks measure the app, not Slack's pace."""
    with SlackApiServer(rate_limits=False) as slack, FakeOpenAI() as llm:
        yield slack, llm


def app_env(slack: SlackApiServer, llm: FakeOpenAI, database_url: str,
            **extra: str) -> dict[str, str]:
    """The settings of the app under test, as the environment `idealoop serve` reads.

    IDEALOOP_WORKERS defaults to 256 here so that hundreds of brainstorms waiting on a
    slow LLM are queued rather than refused as "busy" (which would measure another path);
    pass IDEALOOP_WORKERS="" for the shipped default."""
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url, "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_API_KEY": "bench", "DATABASE_URL": database_url,
        "IDEALOOP_LLM_RETRIES": "0", "IDEALOOP_WORKERS": "256",
    }
    env.update(extra)
    return {key: value for key, value in env.items() if value != ""}


# -- the app under test ----------------------------------------------------------------------

class Target(Protocol):
    """An app being measured: where it runs, where to send Slack's requests, its backlog."""

    where: str
    url: str

    def pending(self) -> int: ...

    def cpu_seconds(self) -> float | None: ...


class InProcessApp:
    """The real app (or the bare Bolt baseline) on `HttpServer`, in this process."""

    where = "in-process"

    def __init__(self, env: dict[str, str], *, bare: bool = False) -> None:
        self.settings = Settings.from_env(env)
        self.bare = bare
        self.deps: Deps | None = None
        self.url = ""
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> InProcessApp:
        from bench.bare_bolt import create_bare_app

        self.deps, server = self._stack.enter_context(
            serving(self.settings, app=create_bare_app if self.bare else None))
        self.url = server.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def pending(self) -> int:
        return self.deps.jobs.pending if self.deps else 0

    def cpu_seconds(self) -> float | None:
        return None  # shares this process: not separable


#: `IDEALOOP_BENCH_WORKERS=N` runs `idealoop serve --workers N` (web and worker
#: processes) where `serve` has that option; unset, or without it, `serve` as shipped.
WORKERS = os.environ.get("IDEALOOP_BENCH_WORKERS", "").strip()


@functools.cache
def serve_has_workers() -> bool:
    """Whether this tree's `idealoop serve` takes `--workers` (asked from its --help)."""
    try:
        shown = subprocess.run([sys.executable, "-m", *SERVE, "--help"], env=child_env(),
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return "--workers" in shown.stdout


def serve_command() -> tuple[str, ...]:
    """`idealoop serve` as the benchmarks start it (see `WORKERS`)."""
    if WORKERS and serve_has_workers():
        return (*SERVE, "--workers", WORKERS)
    return SERVE


def serve_label() -> str:
    """How `serve` runs in this benchmark run, for the printed figures."""
    if not WORKERS:
        return "serve as shipped"
    if not serve_has_workers():
        return f"serve as shipped (IDEALOOP_BENCH_WORKERS={WORKERS}, but no --workers)"
    return f"serve --workers {WORKERS}"


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def bare_stdlib(env: dict[str, str]) -> ServeProcess:
    """The bare Bolt app on Bolt's own development server (`bench/bare_bolt.py stdlib`),
    as its own process, ready once its port accepts connections."""
    process = ServeProcess(env, module=("bench.bare_bolt", "stdlib"))
    process.ready = lambda: listening(process.port)
    return process


def start_target(where: str, env: dict[str, str], *, bare: bool = False) \
        -> contextlib.AbstractContextManager[Any]:
    """`where` is "in-process" or "subprocess"."""
    if where == "in-process":
        return InProcessApp(env, bare=bare)
    return ServeProcess(env, module=("bench.bare_bolt",) if bare else serve_command())


# -- driving the app -------------------------------------------------------------------------

def wait_call(slack: SlackApiServer, match: Callable[[Call], bool], timeout: float = 15.0,
              *, start: int = 0) -> Call:
    """The first recorded Slack call (from index `start`) that `match`es; waits for it."""
    deadline = time.monotonic() + timeout
    while True:
        calls = slack.calls
        for call in calls[start:]:
            if match(call):
                return call
        if time.monotonic() > deadline:
            raise TimeoutError(f"no matching Slack call within {timeout:.0f} s")
        time.sleep(0.005)


def header_topic(call: Call) -> str | None:
    """The topic of a brainstorm header post (`chat.postMessage` outside a thread)."""
    if call.method != "chat.postMessage" or call.params.get("thread_ts"):
        return None
    message = str(call.params.get("text", ""))
    if not message.startswith("Brainstorm: ") or " (asked by" not in message:
        return None
    return message[len("Brainstorm: "):message.index(" (asked by")]


def brainstorm(sender: SlackSender, slack: SlackApiServer, topic: str,
               timeout: float = 20.0) -> list[str]:
    """Run one `/brainstorm` through the app to the end; the ts of each idea it posted."""
    start = len(slack.calls)
    reply = sender.command(topic)
    if reply.status != 200:
        raise RuntimeError(f"/brainstorm answered {reply.status}: {reply.body[:200]}")
    header = wait_call(slack, lambda c: header_topic(c) == topic, timeout, start=start)
    header_ts = str((header.response or {})["ts"])
    wait_call(slack, lambda c: c.method == "chat.update" and c.params.get("ts") == header_ts,
              timeout, start=start)
    return [str(m["ts"]) for m in slack.state.thread(CHANNEL, header_ts)[1:]]


def item_ids(database_url: str, message_ts: list[str]) -> list[int]:
    """The stored item behind each posted message, read from the benchmark's side."""
    engine = make_engine(database_url)
    try:
        stores = Stores.open(engine, team=TEAM)  # the emulated workspace's
        refs = [stores.signals.item_at(CHANNEL, ts) for ts in message_ts]
    finally:
        engine.dispose()
    if any(ref is None for ref in refs):
        raise RuntimeError("an idea message has no stored item")
    return [ref.id for ref in refs if ref is not None]


@dataclass
class InFlight:
    """Keeps about `target` brainstorms in flight on the app, replacing finished ones,
    from a background thread (bounded by `limit` commands). The fake LLM's delay decides
    how long each one waits."""

    sender: SlackSender
    app: Target
    target: int = 20
    limit: int = 5000
    sent: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-inflight", daemon=True)
        self.samples: list[int] = []
        self.acks: list[float] = []  # request → answer of each /brainstorm sent
        self.refused = 0  # /brainstorm answered anything but 200

    def ramp(self, seconds: float) -> InFlight:
        """Start `target` brainstorms spread over `seconds` (so they finish spread out too),
        then keep the count up until `stop()`."""
        gap = seconds / self.target
        for n in range(self.target):
            self._send(n)
            time.sleep(gap)
        self._thread.start()
        return self

    def _send(self, n: int) -> None:
        self.sent += 1
        reply = self.sender.command(f"inflight-{n}")
        if reply.status == 200:
            self.acks.append(reply.elapsed)
        else:
            self.refused += 1

    def _run(self) -> None:
        while not self._stop.is_set() and self.sent < self.limit:
            in_flight = self.app.pending()
            self.samples.append(in_flight)
            for _ in range(max(0, self.target - in_flight)):
                self._send(self.sent)
            self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    @property
    def mean_in_flight(self) -> float:
        return sum(self.samples) / len(self.samples) if self.samples else 0.0


@contextlib.contextmanager
def brainstorms_in_flight(sender: SlackSender, app: Target, llm: FakeOpenAI, *,
                          target: int, llm_delay: float) -> Iterator[InFlight]:
    """About `target` brainstorms kept waiting on a slow fake LLM while the block runs."""
    llm.delay(llm_delay)
    in_flight = InFlight(sender, app, target=target).ramp(llm_delay)
    try:
        yield in_flight
    finally:
        in_flight.stop()
