"""Background work, kept away from the threads that acknowledge Slack.

Slack wants an answer within 3 seconds. Bolt runs listeners on a small thread pool
(5 workers by default), so a listener that waits on a slow LLM starves the pool and
the next requests, reactions included, are acknowledged late or never. Listeners
therefore only ack, post a placeholder and hand the slow part to `Jobs`: a bounded
pool with a bounded queue. When both are full, `submit` raises `Busy` at once so the
person gets a clear "try again" instead of a request that silently waits forever.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.errors import Busy

log = logging.getLogger(__name__)


class WorkCounter:
    """How much work is in progress somewhere, and a way to wait until there is none.

    Pools and queues count with it so the emulator and the tests can wait for quiet
    instead of sleeping; `try_add` also lets a bounded pool refuse work atomically.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    @property
    def count(self) -> int:
        with self._changed:
            return self._count

    def add(self, n: int = 1) -> None:
        with self._changed:
            self._count += n

    def try_add(self, limit: int) -> bool:
        """Count one more unless `limit` is reached; False when refused."""
        with self._changed:
            if self._count >= limit:
                return False
            self._count += 1
            return True

    def done(self, n: int = 1) -> None:
        with self._changed:
            self._count -= n
            self._changed.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout=timeout)


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool that knows how much work it holds, so callers can wait for quiet.

    Bolt runs listeners on it; the emulator and tests wait on `wait_idle` instead of
    sleeping until a reaction or a header post has happened.
    """

    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._work = WorkCounter()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` in a copy of the caller's context: a listener logs with the workspace
        and channel of the request that started it (`bot.log_context`)."""
        self._work.add()
        try:
            future = super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        except BaseException:
            self._work.done()
            raise
        future.add_done_callback(lambda _: self._work.done())
        return future

    @property
    def in_flight(self) -> int:
        return self._work.count

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self._work.wait_idle(timeout)


_Job = tuple[contextvars.Context, Callable[..., Any], tuple[Any, ...]]


def _run_job(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        fn(*args)
    except Exception:
        # Jobs report their own failures to the person; this is the last net.
        log.exception("background job %s failed", getattr(fn, "__name__", fn))


class Jobs:
    """A bounded pool of daemon threads for slow work (brainstorms, drafts, answers).

    Daemon threads, so a stopping process is never held up by an LLM call that hangs:
    durable work left unfinished is taken over by the next process (`bot.work.worker`).
    """

    def __init__(self, workers: int, *, queue_limit: int | None = None) -> None:
        self.workers = workers
        self.limit = workers + (queue_limit if queue_limit is not None else workers * 4)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._work = WorkCounter()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stopping = False

    @property
    def pending(self) -> int:
        """Jobs running or waiting."""
        return self._work.count

    @property
    def has_room(self) -> bool:
        return self.pending < self.limit and not self._stopping

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        """Run `fn(*args)` in the background, in a copy of the caller's context (its log
        fields, `bot.log_context`); Busy if too much is already waiting."""
        if self._stopping:
            raise Busy("shutting down")
        if not self._work.try_add(self.limit):
            raise Busy(f"{self.pending} jobs pending")
        self._ensure_threads()
        self._queue.put((contextvars.copy_context(), fn, args))

    def _ensure_threads(self) -> None:
        with self._lock:
            while len(self._threads) < min(self.workers, self._work.count):
                thread = threading.Thread(target=self._loop, daemon=True,
                                          name=f"idealoop-job-{len(self._threads)}")
                self._threads.append(thread)
                thread.start()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            context, fn, args = job
            try:
                if not self._stopping:
                    context.run(_run_job, fn, args)
            finally:
                self._work.done()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is pending (tests, graceful shutdown). False on timeout."""
        return self._work.wait_idle(timeout)

    def shutdown(self, deadline: float = 10.0) -> bool:
        """Run no job that has not started; give the running ones `deadline` seconds.
        True when everything ended in time."""
        self._stopping = True
        with self._lock:
            for _ in self._threads:
                self._queue.put(None)
        return self._work.wait_idle(deadline)
