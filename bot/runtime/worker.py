"""Runs accepted work, keeps its leases alive, and takes over the work of dead processes.

One thread per process wakes every third of a lease: it renews every lease this process
holds, then sweeps — it frees the work of processes on this host that died, and claims
pending work whose lease ran out, as long as the job pool has room. It runs once at
start-up, so a restarted process resumes what its previous life left unfinished.

Each piece of work runs on the job pool through the runner of its kind (`Runner`); an
attempt that fails in a way a later one may fix is given back and tried again after a
pause; the last attempt settles whatever is unfinished, so nothing stays "Thinking…".
On a graceful stop, work that has not started is given back at once for the next
process; work still running after the deadline keeps its lease until it runs out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from bot.errors import Busy
from bot.runtime.jobs import Jobs
from bot.work import MAX_ATTEMPTS, RetryLater, Runner, Work
from storage.errors import DatabaseUnavailable
from storage.work import WorkItem

log = logging.getLogger(__name__)
FALLBACK_NOTE = "I could not finish this. Please try again."


class Worker:
    def __init__(self, work: Work, jobs: Jobs) -> None:
        self.work = work
        self.jobs = jobs
        self.runners: Mapping[str, Runner] = {}
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interval(self) -> float:
        return max(0.2, self.work.lease / 3)

    def start(self, runners: Mapping[str, Runner]) -> None:
        """Begin renewing and sweeping, with a runner for each kind of work."""
        self.runners = runners
        self._thread = threading.Thread(target=self._loop, name="idealoop-worker", daemon=True)
        self._thread.start()

    def run_soon(self, item: WorkItem) -> bool:
        """Run accepted work on the job pool; when the pool is full it is given back, and
        the sweep of this or another process takes it when there is room."""
        try:
            self.jobs.submit(self._run, item)
            return True
        except Busy:
            self.work.store.let_go(item)
            return False

    def sweep(self) -> int:
        """Take over pending work whose lease ran out, while the pool has room."""
        taken = 0
        while self.jobs.pending < self.jobs.workers and not self._stop.is_set():
            item = self.work.claim_next()
            if item is None:
                break
            log.info("taking over %s %d (attempt %d)", item.kind, item.id, item.attempts)
            if not self.run_soon(item):
                break
            taken += 1
        return taken

    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self.work.renew()
                if first:
                    freed = self.work.free_dead_owners()
                    if freed:
                        log.info("released the work of %d processes that died here", freed)
                    first = False
                self.sweep()
            except Exception as exc:  # the database may be down: try again next time
                log.warning("work sweep failed: %s", type(exc).__name__)
            self._stop.wait(self.interval)

    def _run(self, item: WorkItem) -> None:
        runner = self.runners.get(item.kind)
        if runner is None:
            log.error("no runner for %s work %d", item.kind, item.id)
            return
        with self._lock:
            self._running.add(item.id)
        try:
            self._attempt(runner, item)
        except DatabaseUnavailable:
            # The outcome could not be recorded: the lease runs out and the work is
            # taken over, and its runner resumes from what is already done.
            log.warning("could not record how %s %d went: the database is unavailable",
                        item.kind, item.id)
        finally:
            with self._lock:
                self._running.discard(item.id)

    def _attempt(self, runner: Runner, item: WorkItem) -> None:
        last = item.attempts >= MAX_ATTEMPTS
        try:
            note = runner(item, last)
        except Exception as exc:
            if not isinstance(exc, RetryLater | DatabaseUnavailable):
                log.exception("%s %d failed unexpectedly", item.kind, item.id)
            if not last:
                log.info("%s %d will be tried again (%s)", item.kind, item.id, exc)
                self.work.retry_later(item)
                return
            note = FALLBACK_NOTE
        if not self.work.finish(item, note):
            log.warning("%s %d was taken over by another process", item.kind, item.id)

    def stop(self, deadline: float = 10.0) -> None:
        """Stop sweeping; give back work that has not started; let running work finish
        within `deadline` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        if not self.jobs.shutdown(deadline):
            log.warning("stopping with work still running; another process will take it "
                        "over when its lease runs out")
        with self._lock:
            running = set(self._running)
        try:
            released = self.work.let_go_all(keep=running)
        except DatabaseUnavailable:
            return  # the leases run out by themselves
        if released:
            log.info("gave back %d pieces of unfinished work for the next process", released)
