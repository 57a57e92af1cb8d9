"""`idealoop serve --workers N`: N worker processes beside the web process, supervised.

Each child is `idealoop worker --child-of <pid>`: the same settings (the environment and `.env`
are inherited), no port of its own, its metrics written to the shared
`PROMETHEUS_MULTIPROC_DIR` (the web process's `/metrics` sums them), and it stops by
itself when the web process is gone. A thread here waits on the children:

- `wait_ready` waits until each child has started taking work (it writes one byte to
  a pipe it was given); `serve` answers Slack only after that;
- a child that died (a crash, the OOM killer, `kill -9`) is replaced at once, and the work
  it held is given back at once (`on_death`, the web process's
  `Work.free_dead_owners`), so another worker takes it over without waiting for its
  lease; its live metric files are marked dead (`bot.metrics.process_gone`). A child that
  dies again within `QUICK_DEATH` seconds of its start is restarted after a pause that
  doubles each time, up to `MAX_PAUSE` seconds (a bad setting must not spin a core);
- `stop()` (the web process got SIGTERM) restarts nothing more, sends each child
  SIGTERM — it stops taking work, lets what runs finish within its deadline, gives the
  rest back — and waits; a child still there after `deadline` is killed, and the work
  it held is given back (`on_death`) as a dead child's is.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

from bot.metrics import process_gone
from bot.work.backoff import backoff

log = logging.getLogger(__name__)

WATCH_INTERVAL = 0.1  # how often the children are looked at
QUICK_DEATH = 5.0  # a child that dies this soon after it started is restarted later
MAX_PAUSE = 30.0


class _Slot:
    """One place for a child: the process in it now, the pipe it says it is ready on,
    and how its last ones went."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready: int | None = None  # the read end of the child's ready pipe
        self.started = 0.0
        self.quick_deaths = 0
        self.restart_at = 0.0

    def close_ready(self) -> None:
        if self.ready is not None:
            os.close(self.ready)
            self.ready = None


class WorkerProcesses:
    def __init__(self, count: int, *, on_death: Callable[[], object] = lambda: None,
                 command: Sequence[str] | None = None) -> None:
        self.count = count
        self.on_death = on_death
        self.command = list(command or [sys.executable, "-m", "bot.cli", "worker",
                                        "--child-of", str(os.getpid())])
        self._slots = [_Slot(n) for n in range(count)]
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.restarts = 0

    def start(self) -> WorkerProcesses:
        with self._lock:
            for slot in self._slots:
                self._spawn(slot)
        self._thread = threading.Thread(target=self._watch, name="idealoop-supervisor",
                                        daemon=True)
        self._thread.start()
        log.info("started %d worker processes (pids %s)", self.count,
                 ", ".join(map(str, self.pids())))
        return self

    def pids(self) -> list[int]:
        """The children running now."""
        with self._lock:
            return [slot.proc.pid for slot in self._slots
                    if slot.proc is not None and slot.proc.poll() is None]

    def _spawn(self, slot: _Slot) -> None:
        # A session of its own: a Ctrl-C in the terminal reaches `serve` alone, which
        # stops its children in order (`stop`) instead of racing them. The child writes
        # a byte to `--ready-fd` once it takes work (`wait_ready`).
        slot.close_ready()
        read, write = os.pipe()
        try:
            slot.proc = subprocess.Popen([*self.command, "--ready-fd", str(write)],
                                         env=os.environ.copy(), start_new_session=True,
                                         pass_fds=(write,))
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        slot.ready = read
        slot.started = time.monotonic()

    def wait_ready(self, timeout: float) -> int:
        """Wait until every child said it takes work (or ended, or `timeout` seconds
        passed); how many did. `serve` answers Slack only then, so the first request
        does not wait for a worker to start."""
        deadline = time.monotonic() + timeout
        with self._lock:  # copies: the watching thread closes a dead child's pipe
            pipes = [os.dup(slot.ready) for slot in self._slots if slot.ready is not None]
        ready = 0
        try:
            for pipe in pipes:
                left = deadline - time.monotonic()
                readable, _, _ = select.select([pipe], [], [], max(0.0, left))
                if readable and os.read(pipe, 1):  # b"": it ended before it was ready
                    ready += 1
        finally:
            for pipe in pipes:
                os.close(pipe)
        return ready

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_INTERVAL):
            gone: list[tuple[int, int | None]] = []
            with self._lock:
                if self._stopping.is_set():
                    return
                for slot in self._slots:
                    proc = slot.proc
                    if proc is not None and proc.poll() is not None:
                        gone.append((proc.pid, proc.returncode))
                        self._died(slot)
                        slot.close_ready()
                    if slot.proc is None and time.monotonic() >= slot.restart_at:
                        self._restart(slot)
            if gone:
                self._released(gone)

    def _restart(self, slot: _Slot) -> None:
        """A child in `slot`, whose last one ended. A child that cannot be started (no
        memory or processes left to fork, the program gone in an upgrade) counts as one
        that died at once: tried again later, while this thread keeps watching the
        others (an exception here would end it, and no child would be replaced again)."""
        try:
            self._spawn(slot)
        except OSError as exc:
            slot.quick_deaths += 1
            pause = backoff(slot.quick_deaths, first=1.0, most=MAX_PAUSE)
            slot.restart_at = time.monotonic() + pause
            log.warning("could not start a worker process (%s); trying again in %.0f s",
                        type(exc).__name__, pause)
            return
        self.restarts += 1
        log.info("worker process %d started in place of one that ended",
                 slot.proc.pid if slot.proc else 0)

    def _died(self, slot: _Slot) -> None:
        """`slot`'s child ended (and was reaped by `poll`): note it, and when to replace it."""
        proc = slot.proc
        assert proc is not None
        lived = time.monotonic() - slot.started
        slot.quick_deaths = slot.quick_deaths + 1 if lived < QUICK_DEATH else 0
        pause = backoff(slot.quick_deaths, first=1.0, most=MAX_PAUSE) \
            if slot.quick_deaths else 0.0
        slot.restart_at = time.monotonic() + pause
        slot.proc = None
        log.warning("worker process %d ended (%s) after %.0f s; another starts%s", proc.pid,
                    _how(proc.returncode), lived,
                    f" in {pause:.0f} s" if pause else " now")

    def _released(self, gone: list[tuple[int, int | None]]) -> None:
        for pid, _code in gone:
            process_gone(pid)
        self._give_back()

    def _give_back(self) -> None:
        """The work of children that ended without giving it back is given back now."""
        try:
            self.on_death()
        except Exception as exc:  # their leases run out instead
            log.warning("could not give back the work of a worker process that ended: %s",
                        type(exc).__name__)

    def stop(self, deadline: float = 10.0) -> bool:
        """SIGTERM to every child, then wait up to `deadline` seconds (plus a margin for
        giving work back) before killing those left. True when all ended by themselves."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            procs = [slot.proc for slot in self._slots if slot.proc is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        ends = time.monotonic() + deadline + 5.0
        clean = True
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, ends - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker process %d did not stop in time; killed", proc.pid)
                proc.kill()
                proc.wait()
                clean = False
            process_gone(proc.pid)
        with self._lock:
            for slot in self._slots:
                slot.close_ready()
        if not clean:  # a killed child gave nothing back: not left to its lease either
            self._give_back()
        return clean


def _how(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
