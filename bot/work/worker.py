"""Runs accepted work, keeps its leases alive, and takes over the work of dead processes.

One thread per process wakes every third of a lease: it renews the leases on the work this
process is running or has queued (and only those: a row it owns but gave up on is left to
expire and be taken over), then sweeps — at start-up it frees the work of processes on
this host that died, and each time it claims pending work whose lease ran out, as long as
the job pool has room. It runs once at start-up, so a restarted process resumes what its
previous life left unfinished.

Each piece of work runs on the job pool through the runner of its kind (`bot.work.runs`). An
attempt that fails in a way a later one may fix is given back and tried again after a
pause that doubles each time; from the fifth attempt whatever is unfinished is settled, so
nothing stays "Thinking…" — showing that settled state is itself tried again while Slack
cannot be reached (`bot.work.queue.GIVE_UP_AFTER`). A runner that finds its lease lost stops
without touching the work.
On a graceful stop, work that has not started is given back at once for the next
process; running work gets a deadline, and its leases are kept alive until then.

In a worker process (`idealoop worker`, or a child of `serve --workers N`) the thread also
waits for new work between its rounds (`storage.wakeups`: PostgreSQL's `LISTEN`, a short
poll on SQLite) and sweeps as soon as some is stored, at the latest every
`FALLBACK_POLL` seconds. A web process with worker processes runs no work at all
(`runs_work=False`): what it accepts is stored for them.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping

from bot.errors import Busy
from bot.log_context import log_scope
from bot.metrics import WORK_TAKEOVERS, bounded
from bot.work.jobs import Jobs
from bot.work.queue import (
    GIVE_UP_AFTER,
    MAX_ATTEMPTS,
    LeaseLost,
    RetryLater,
    Runner,
    Stopped,
    Work,
)
from storage.errors import DatabaseUnavailable
from storage.wakeups import WorkWakeups
from storage.work import WorkItem

log = logging.getLogger(__name__)
FALLBACK_NOTE = "I could not finish this. Please try again."
FALLBACK_POLL = 2.0  # a worker process looks for work at least this often
FULL_PAUSE = 0.1  # with every job thread busy, how often it looks whether one is free


class Worker:
    def __init__(self, work: Work, jobs: Jobs, *, runs_work: bool = True) -> None:
        self.work = work
        self.jobs = jobs
        self.runs_work = runs_work
        self._wakeups: WorkWakeups | None = None
        self.runners: Mapping[str, Runner] = {}
        # Work queued or running here, by (id, attempt): an attempt that lost its lease and
        # ends late must not drop a later attempt of the same work from these.
        self._held: set[tuple[int, int]] = set()
        self._running: set[tuple[int, int]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()  # stop renewing (and sweeping)
        self._sweeping = True
        self._thread: threading.Thread | None = None

    @property
    def interval(self) -> float:
        return max(0.2, self.work.lease / 3)

    def start(self, runners: Mapping[str, Runner], *,
              wakeups: WorkWakeups | None = None) -> None:
        """Begin renewing and sweeping, with a runner for each kind of work; with
        `wakeups` (a worker process), also as soon as new work is stored. Nothing when
        this process runs no work."""
        if not self.runs_work:
            return
        self.runners = runners
        self._wakeups = wakeups
        self._thread = threading.Thread(target=self._loop, name="idealoop-worker", daemon=True)
        self._thread.start()

    def run_soon(self, item: WorkItem) -> bool:
        """Run accepted work on the job pool. When the pool is full it is given back, and
        the sweep of this or another process takes it when there is room. Never raises:
        the work is stored, whatever happens here. In a web process with worker
        processes, nothing: the work was stored for them, and they were woken."""
        if not self.runs_work:
            return True
        with self._lock:
            self._held.add(_key(item))
        try:
            self.jobs.submit(self._run, item)
            return True
        except Busy:
            self._drop(item)
            with contextlib.suppress(DatabaseUnavailable):  # else its lease runs out
                self.work.give_back(item)
            return False

    def sweep(self) -> int:
        """Take over pending work whose lease ran out, while the pool has room."""
        taken = 0
        while self._sweeping and self.jobs.pending < self.jobs.workers \
                and not self._stop.is_set():
            item = self.work.claim_next()
            if item is None:
                break
            if item.attempts > 1:  # else new work, stored for the worker processes
                log.info("taking over %s %d (attempt %d)", item.kind, item.id, item.attempts)
                WORK_TAKEOVERS.labels(bounded(item.kind)).inc()
            if not self.run_soon(item):
                break
            taken += 1
        return taken

    def _loop(self) -> None:
        first = True
        renew_at = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= renew_at:
                    renew_at = time.monotonic() + self.interval
                    self._renew()
                    if first and self._sweeping:
                        freed = self.work.free_dead_owners()
                        if freed:
                            log.info("released the work of %d processes that died here",
                                     freed)
                        first = False
                if self._sweeping:
                    self.sweep()
            except Exception as exc:  # the database may be down: try again next time
                log.warning("work sweep failed: %s", type(exc).__name__)
            self._pause(max(0.0, renew_at - time.monotonic()))
        if self._wakeups is not None:
            self._wakeups.close()

    def _renew(self) -> None:
        with self._lock:
            held = {work_id for work_id, _ in self._held}
        kept = self.work.renew(held)
        with self._lock:  # work that ended meanwhile was not lost
            lost = (held - kept) & {work_id for work_id, _ in self._held}
        if lost:
            log.warning("lost the lease on %d pieces of work: another process has "
                        "them now", len(lost))

    def _pause(self, until_renewal: float) -> None:
        """Until the next round: the next renewal, or, in a worker process, new work
        (at the latest FALLBACK_POLL seconds); while every job thread is busy, only a
        short look whether one is free."""
        wakeups = self._wakeups
        if wakeups is None or not self._sweeping:
            self._stop.wait(until_renewal)
        elif self.jobs.pending >= self.jobs.workers:
            self._stop.wait(min(until_renewal, FULL_PAUSE))
        else:
            wakeups.wait(min(until_renewal, FALLBACK_POLL))

    def _run(self, item: WorkItem) -> None:
        with log_scope(team=item.team, channel=item.channel, work_id=item.id):
            with self._lock:
                self._running.add(_key(item))
            try:
                runner = self.runners.get(item.kind)
                if runner is None:
                    log.error("no runner for %s work %d", item.kind, item.id)
                    return
                self._attempt(runner, item)
            except Stopped as stop:  # its row is already cancelled, with the note
                log.info("%s %d was stopped: %s", item.kind, item.id, stop.note)
            except LeaseLost:
                log.warning("%s %d was taken over by another process; leaving it",
                            item.kind, item.id)
            except DatabaseUnavailable:
                # The outcome could not be recorded: the lease runs out and the work is
                # taken over, and its runner resumes from what is already done.
                log.warning("could not record how %s %d went: the database is unavailable",
                            item.kind, item.id)
            finally:
                with self._lock:
                    self._running.discard(_key(item))
                self._drop(item)

    def _attempt(self, runner: Runner, item: WorkItem) -> None:
        """One attempt: done, ended with a note, or given back to be tried again. Slack or
        the database being away is waited out (until GIVE_UP_AFTER attempts); a failure
        nobody expected is tried again until the last attempt, then settled."""
        last = item.attempts >= MAX_ATTEMPTS
        try:
            note = runner.run(item, last)
        except LeaseLost:
            raise
        except Exception as exc:
            outage = isinstance(exc, RetryLater | DatabaseUnavailable)
            if not outage:
                log.exception("%s %d failed unexpectedly", item.kind, item.id)
            if item.attempts < (GIVE_UP_AFTER if outage else MAX_ATTEMPTS):
                log.info("%s %d will be tried again (%s)", item.kind, item.id, exc)
                self.work.retry_later(item)
                return
            if outage:
                log.error("gave %s %d up after %d attempts: %s", item.kind, item.id,
                          item.attempts, exc)
            note = FALLBACK_NOTE
            try:
                runner.settle(item, note)
            except Exception as settle_error:
                log.warning("could not tell the person %s %d was given up: %s", item.kind,
                            item.id, type(settle_error).__name__)
        if not self.work.finish(item, note):
            raise LeaseLost(f"{item.kind} {item.id}")

    def _drop(self, item: WorkItem) -> None:
        with self._lock:
            self._held.discard(_key(item))

    def stop(self, deadline: float = 10.0) -> None:
        """Stop sweeping; give back work that has not started; let running work finish
        within `deadline` seconds, its leases renewed meanwhile."""
        self._sweeping = False
        if self._wakeups is not None:
            self._wakeups.close()
        if not self.jobs.shutdown(deadline):
            log.warning("stopping with work still running; another process will take it "
                        "over when its lease runs out")
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        with self._lock:
            running = {work_id for work_id, _ in self._running}
        try:
            released = self.work.let_go_all(keep=running)
        except DatabaseUnavailable:
            return  # the leases run out by themselves
        if released:
            log.info("gave back %d pieces of unfinished work for the next process", released)


def _key(item: WorkItem) -> tuple[int, int]:
    return item.id, item.attempts
