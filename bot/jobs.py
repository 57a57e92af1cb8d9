"""Background work, kept away from the threads that acknowledge Slack.

Slack wants an answer within 3 seconds. Bolt runs listeners on a small thread pool
(5 workers by default), so a listener that waits on a slow LLM starves the pool and
the next requests, reactions included, are acknowledged late or never. Listeners
therefore only ack, post a placeholder and hand the slow part to `Jobs`: a bounded
pool with a bounded queue. When both are full, `submit` raises `Busy` at once so the
person gets a clear "try again" instead of a request that silently waits forever.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.errors import Busy

log = logging.getLogger(__name__)


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool that knows how much work it holds, so callers can wait for quiet.

    Bolt runs listeners on it; the emulator and tests wait on `wait_idle` instead of
    sleeping until a reaction or a header post has happened.
    """

    def __init__(self, max_workers: int, thread_name_prefix: str = "") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._idle = threading.Condition()
        self._in_flight = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._in_flight += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    @property
    def in_flight(self) -> int:
        with self._idle:
            return self._in_flight

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)


class Jobs:
    def __init__(self, workers: int, *, queue_limit: int | None = None) -> None:
        self.workers = workers
        self.limit = workers + (queue_limit if queue_limit is not None else workers * 4)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="idealoop-job")
        self._lock = threading.Condition()
        self._pending = 0

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` in the background; Busy if too much is already waiting."""
        with self._lock:
            if self._pending >= self.limit:
                raise Busy(f"{self._pending} jobs pending")
            self._pending += 1
        try:
            return self._pool.submit(self._run, fn, *args, **kwargs)
        except RuntimeError:  # shutting down
            self._done()
            raise Busy("shutting down") from None

    def _run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            # Jobs report their own failures to the person; this is the last net.
            log.exception("background job %s failed", getattr(fn, "__name__", fn))
            return None
        finally:
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1
            self._lock.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is pending (tests, graceful shutdown). False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
