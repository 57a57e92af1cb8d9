"""Fault scenarios on real processes, shared by the fault tests (which assert on their
figures) and `bench/faults.py` (which prints them).

Each scenario runs `idealoop serve` as a child process against the emulated Slack, breaks
something the way production breaks it — `kill -9`, a database stopped under load — and
returns what Slack was told next to what was kept.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.emulator.slack_requests import TEAM, SlackSender, event_body, mention_event, reaction_event
from bot.emulator.web_api import Call, SlackApiServer
from storage.brainstorms import NewBrainstorm
from storage.db import make_engine
from storage.stores import Stores
from storage.work import WorkStore
from testkit.app import SECRET, TOKEN
from testkit.delivery import Deliverer, DeliveryReport, Request
from testkit.fake_openai import FakeOpenAI
from testkit.processes import ServeProcess
from testkit.queries import score_of
from testkit.waiting import eventually, wait_until

CHANNEL = "C0GENERAL"
IDEA_TS = [f"1700000000.{n:06d}" for n in range(2, 12)]


def serve_env(slack: SlackApiServer, url: str, **extra: str) -> dict[str, str]:
    """The settings of a `serve` under test: one process (its work run in it) unless
    `extra` says IDEALOOP_WORKER_PROCESSES (the scenarios of `bot.runtime.workers`)."""
    return {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url, "DATABASE_URL": url, "IDEALOOP_LLM_RETRIES": "0",
            "IDEALOOP_WORKER_PROCESSES": "0", **extra}


@contextmanager
def inserts_refused(url: str, table: str) -> Iterator[None]:
    """PostgreSQL refuses every INSERT into `table` as a server shutting down does
    (SQLSTATE 57P01, admin_shutdown: an OperationalError, the database away) while this
    lasts: a fault between two writes of one piece of work, the first one kept."""
    engine = make_engine(url)
    assert engine.dialect.name == "postgresql", "a trigger that raises needs PostgreSQL"
    function, trigger = f"idealoop_test_refuse_{table}", f"idealoop_test_refuse_{table}"
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'terminating connection due to administrator command' "
                "USING ERRCODE = '57P01'; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql(f"CREATE TRIGGER {trigger} BEFORE INSERT ON {table} "
                                 f"FOR EACH ROW EXECUTE FUNCTION {function}()")
        yield
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}()")
        engine.dispose()


def seed_ideas(url: str) -> list[int]:
    """Ten posted ideas to react to, saved directly (no LLM needed), in the emulated
    workspace."""
    stores = Stores.open(make_engine(url), team=TEAM)
    try:
        saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
            channel=CHANNEL, requester="U0ALICE", topic="faults", model="m",
            ideas=[f"idea {n}" for n in range(10)], header_ts="1700000000.000001"))
        assert saved is not None, "seeded into a database that already had these ideas"
        for item_id, ts in zip(saved.item_ids, IDEA_TS, strict=True):
            stores.brainstorms.mark_posted(item_id, ts)
        return saved.item_ids
    finally:
        stores.engine.dispose()


def reactions(count: int) -> list[Request]:
    """`count` approvals by distinct people, spread over the ten ideas."""
    return [(event_body(reaction_event(added=True, user=f"U{n:06d}", emoji="+1",
                                       channel=CHANNEL, ts=IDEA_TS[n % 10])),
             "application/json") for n in range(count)]


def stored_approvals(url: str, items: list[int]) -> int:
    stores = Stores.open(make_engine(url))
    try:
        return sum(score_of(stores, item)["approvals"] for item in items)
    finally:
        stores.engine.dispose()


@dataclass(frozen=True)
class Kept:
    """What Slack was told, next to what the database holds."""

    sent: int
    acknowledged: int
    stored: int
    report: DeliveryReport
    seconds: float = 0.0  # how long the fault lasted

    @property
    def lost(self) -> int:
        return self.acknowledged - self.stored


def kill_during_reactions(slack: SlackApiServer, url: str, cwd: Path, *, count: int = 1500,
                          kill_after: int = 500) -> Kept:
    """Stream `count` reactions; `kill -9` the app after `kill_after` acknowledgements and
    start another on the same port; Slack re-delivers what was not acknowledged."""
    items = seed_ideas(url)
    env = serve_env(slack, url)
    first = ServeProcess(env, cwd=cwd).__enter__()
    killed = threading.Event()

    def kill_once(acknowledged: int) -> None:
        if acknowledged >= kill_after and not killed.is_set():
            killed.set()
            first.kill()

    deliverer = Deliverer(SlackSender(first.url, SECRET), on_ack=kill_once)
    result: list[DeliveryReport] = []
    stream = threading.Thread(target=lambda: result.append(deliverer.deliver(reactions(count))))
    stream.start()
    try:
        if not killed.wait(120):
            raise TimeoutError("the stream never reached the kill")
        started = time.monotonic()
        with ServeProcess(env, cwd=cwd, port=first.port):
            stream.join(180)
            down = time.monotonic() - started
    finally:
        first.__exit__()
    report = result[0]
    return Kept(count, report.acknowledged, stored_approvals(url, items), report, down)


def outage_during_reactions(slack: SlackApiServer, url: str, cwd: Path, *,
                            stop: Callable[[], None], start: Callable[[], None],
                            outage: Callable[[ServeProcess, DeliveryReport], None],
                            count: int = 600, stop_after: int = 150, pace: float = 0.0) -> Kept:
    """Stream `count` reactions (one every `pace` seconds per sender); after `stop_after`
    acknowledgements the database is stopped, `outage` decides how long it stays down,
    then it is started again. Nothing is restarted on the app's side."""
    items = seed_ideas(url)
    stopped = threading.Event()
    lasted: list[float] = []
    with ServeProcess(serve_env(slack, url), cwd=cwd) as app:
        def stop_once(acknowledged: int) -> None:
            if acknowledged >= stop_after and not stopped.is_set():
                stopped.set()
                stop()
            if pace:
                time.sleep(pace)

        deliverer = Deliverer(SlackSender(app.url, SECRET), on_ack=stop_once, senders=4)
        result: list[DeliveryReport] = []
        stream = threading.Thread(
            target=lambda: result.append(deliverer.deliver(reactions(count))))
        stream.start()
        if not stopped.wait(120):
            raise TimeoutError("the stream never reached the outage")
        began = time.monotonic()
        outage(app, deliverer.report)
        start()
        lasted.append(time.monotonic() - began)
        stream.join(180)
        healthy = wait_until(lambda: app.health_status() == 200, 30)
    if not healthy:
        raise AssertionError("the app did not become healthy again after the outage")
    report = result[0]
    return Kept(count, report.acknowledged, stored_approvals(url, items), report, lasted[0])


def malformed_among_good(slack: SlackApiServer, url: str, cwd: Path, *, good: int = 400,
                         bad_emoji: str = "\ud800") -> Kept:
    """`good` reactions sent at once with one malformed reaction in their midst: the bad one
    is refused alone, every good one is acknowledged and kept."""
    items = seed_ideas(url)
    requests = reactions(good)
    bad = (event_body(reaction_event(added=True, user="UBAD", emoji=bad_emoji,
                                     channel=CHANNEL, ts=IDEA_TS[0])), "application/json")
    requests.insert(good // 2, bad)
    with ServeProcess(serve_env(slack, url), cwd=cwd) as app:
        report = Deliverer(SlackSender(app.url, SECRET)).deliver(requests)
    return Kept(good, report.acknowledged, stored_approvals(url, items), report)


@dataclass(frozen=True)
class Resumed:
    """Work accepted by a process that was killed, as the next process left it."""

    unsettled: int  # placeholders still "thinking" or "drafting"
    posted: int  # ideas (brainstorm) or draft messages in the thread
    duplicates: int  # the same idea or draft text posted more than once
    pending: int  # work rows not finished
    seconds: float  # from the next process's start until the work was finished
    starts: int = 1  # headers (brainstorm) or placeholders (draft) the work posted


def _thread_of(slack: SlackApiServer, ts: str) -> list[dict[str, object]]:
    return slack.state.thread(CHANNEL, ts)


def _work_pending(url: str) -> int:
    work = WorkStore(make_engine(url))
    try:
        return work.backlog()[0]
    finally:
        work.engine.dispose()


def kill_mid_brainstorm(slack: SlackApiServer, llm: FakeOpenAI, url: str, cwd: Path, *,
                        replica: bool = False, lease: float = 2) -> Resumed:
    """`kill -9` while a brainstorm waits on the LLM. With `replica`, a second process is
    already running against the same database and must take the work over when its lease
    runs out; otherwise a new process is started (a restart), which takes the dead
    process's work over at once, whatever the lease."""
    env = serve_env(slack, url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_WORK_LEASE=str(lease))
    llm.delay(60)
    other = ServeProcess(env, cwd=cwd).__enter__() if replica else None
    try:
        with ServeProcess(env, cwd=cwd) as first:
            assert SlackSender(first.url, SECRET).command("crash course").status == 200
            header = slack.wait_for("chat.postMessage", timeout=20)[0]
            llm.wait_for_requests(1, timeout=20)  # the brainstorm waits on the LLM now
            llm.delay(0)
            first.kill()
        header_ts = str((header.response or {})["ts"])
        started = time.monotonic()
        successor = other or ServeProcess(env, cwd=cwd).__enter__()
        try:
            return _brainstorm_resumed(slack, header_ts, url, started)
        finally:
            successor.__exit__()
    finally:
        if other is not None:
            other.__exit__()


@dataclass(frozen=True)
class Stopped:
    exit_code: int | None
    seconds: float  # from SIGTERM to exit
    resumed: Resumed
    children: tuple[int, ...] = ()  # the worker processes serve had started
    children_left: tuple[int, ...] = ()  # those of them still running after it exited


def stop_mid_brainstorm(slack: SlackApiServer, llm: FakeOpenAI, url: str, cwd: Path, *,
                        llm_delay: float = 1.0, workers: int = 0) -> Stopped:
    """SIGTERM while a brainstorm waits on the LLM: the process stops taking requests,
    gives the running brainstorm its deadline, and exits; whatever it could not finish,
    the next process does (started only then: a start takes seconds, and three processes
    with `workers`). With `workers`, serve runs the work in that many worker processes,
    which it stops first."""
    env = serve_env(slack, url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_WORK_LEASE="2",
                    IDEALOOP_WORKER_PROCESSES=str(workers))
    llm.delay(llm_delay)
    with ServeProcess(env, cwd=cwd) as first:
        children = tuple(worker_pids(first, workers))
        assert SlackSender(first.url, SECRET).command("graceful").status == 200
        header = slack.wait_for("chat.postMessage", timeout=20)[0]
        llm.wait_for_requests(1, timeout=20)
        began = time.monotonic()
        exit_code = first.stop()
        seconds = time.monotonic() - began
    llm.delay(0)
    header_ts = str((header.response or {})["ts"])
    if _work_pending(url):  # given back unfinished: the next process finishes it
        with ServeProcess(env, cwd=cwd):
            resumed = _brainstorm_resumed(slack, header_ts, url, time.monotonic())
    else:  # finished before the exit: no next process is needed to see how it was left
        resumed = _brainstorm_resumed(slack, header_ts, url, time.monotonic())
    return Stopped(exit_code, seconds, resumed, children,
                   tuple(pid for pid in children if alive(pid)))


def worker_pids(web: ServeProcess, count: int) -> list[int]:
    """The worker processes of a `serve --workers N` as its /healthz lists them, once
    `count` of them run."""
    def running() -> list[int]:
        pids = [int(pid) for pid in web.health().get("worker_processes", [])]
        assert len(pids) == count, pids
        return pids

    return list(eventually(running, timeout=20, interval=0.05))


def alive(pid: int) -> bool:
    """True while process `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def holder_pid(url: str) -> int:
    """The process holding the one piece of pending work (its owner is host:pid:…)."""
    work = WorkStore(make_engine(url))
    try:
        depth, _ = work.backlog()
        owners = work.pending_owners()
    finally:
        work.engine.dispose()
    assert depth == 1 and len(owners) == 1, (depth, owners)
    return int(owners[0].split(":")[1])


@dataclass(frozen=True)
class WorkerKilled:
    """`kill -9` of the worker process running a brainstorm, beside a living web process."""

    resumed: Resumed
    web: int  # the web process's pid
    killed: int  # the worker process that held the brainstorm
    before: tuple[int, ...]  # the worker processes before the kill
    after: tuple[int, ...]  # … once the supervisor had replaced the killed one


def kill_worker_mid_brainstorm(slack: SlackApiServer, llm: FakeOpenAI, url: str, cwd: Path,
                               *, workers: int = 2, lease: float = 60) -> WorkerKilled:
    """`serve` with `workers` worker processes; `kill -9` of the one whose brainstorm waits
    on the LLM. The web process keeps answering; its supervisor starts another worker and
    gives the dead one's work back at once (not after the lease: here a minute), and a
    worker finishes it."""
    env = serve_env(slack, url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_WORK_LEASE=str(lease),
                    IDEALOOP_WORKER_PROCESSES=str(workers))
    llm.delay(60)
    with ServeProcess(env, cwd=cwd) as web:
        before = worker_pids(web, workers)
        assert SlackSender(web.url, SECRET).command("crash course").status == 200
        header = slack.wait_for("chat.postMessage", timeout=20)[0]
        llm.wait_for_requests(1, timeout=20)  # the brainstorm waits on the LLM now
        killed = holder_pid(url)
        llm.delay(0)
        os.kill(killed, signal.SIGKILL)
        started = time.monotonic()
        resumed = _brainstorm_resumed(slack, str((header.response or {})["ts"]), url, started)

        def replaced() -> list[int]:
            pids = worker_pids(web, workers)
            assert killed not in pids
            return pids

        after = eventually(replaced, timeout=20, interval=0.05)
        return WorkerKilled(resumed, web.pid, killed, tuple(before), tuple(after))


def _brainstorm_resumed(slack: SlackApiServer, header_ts: str, url: str,
                        started: float) -> Resumed:
    """Wait until no work is pending (the brainstorm under `header_ts` was finished or
    given up); how it was left."""
    eventually(lambda: _nothing_pending(url), timeout=60, interval=0.1)
    seconds = time.monotonic() - started
    texts = [str(message.get("text")) for message in _thread_of(slack, header_ts)[1:]]
    header = slack.state.get_message(CHANNEL, header_ts) or {}
    return Resumed(unsettled=int("Thinking" in json.dumps(header.get("blocks"))),
                   posted=len(texts), duplicates=len(texts) - len(set(texts)),
                   pending=_work_pending(url), seconds=seconds,
                   starts=sum(1 for m in slack.state.history(CHANNEL) if m.get("bot_id")))


def _nothing_pending(url: str) -> None:
    assert _work_pending(url) == 0


def kill_mid_draft(slack: SlackApiServer, llm: FakeOpenAI, url: str, cwd: Path) -> Resumed:
    """`kill -9` while a draft waits on the LLM; the next process writes and settles it."""
    env = serve_env(slack, url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_WORK_LEASE="2")
    llm.delay(60)
    root = slack.state.post_message(CHANNEL, "Plan the offsite: budget 5k, two days",
                                    user="U0ALICE")
    mention = slack.state.post_message(CHANNEL, "<@U0BOT> write an announcement",
                                       user="U0ALICE", thread_ts=root["ts"])
    with ServeProcess(env, cwd=cwd) as first:
        reply = SlackSender(first.url, SECRET).event(mention_event(
            user="U0ALICE", text=mention["text"], channel=CHANNEL, ts=mention["ts"],
            thread_ts=root["ts"]))
        assert reply.status == 200
        # a natively streamed placeholder, or a posted one where Slack refuses streaming
        def first_placeholder() -> Call:
            calls = slack.calls_to("chat.startStream") + slack.calls_to("chat.postMessage")
            assert calls, "no placeholder yet"
            return calls[0]

        placeholder = eventually(first_placeholder, timeout=20, interval=0.05)
        llm.wait_for_requests(1, timeout=20)
        llm.delay(0)
        first.kill()
    placeholder_ts = str((placeholder.response or {})["ts"])
    started = time.monotonic()
    with ServeProcess(env, cwd=cwd):
        eventually(lambda: _nothing_pending(url), timeout=60, interval=0.1)
        seconds = time.monotonic() - started
    drafts = [m for m in _thread_of(slack, str(root["ts"])) if m.get("bot_id")]
    texts = [str(m.get("text")) for m in drafts]
    settled = json.dumps(slack.state.get_message(CHANNEL, placeholder_ts))
    return Resumed(unsettled=int("writing" in settled or "Drafting" in settled),
                   posted=len(drafts), duplicates=len(texts) - len(set(texts)),
                   pending=_work_pending(url), seconds=seconds, starts=len(drafts))
