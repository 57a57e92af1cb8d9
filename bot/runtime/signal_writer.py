"""The one thread that writes reaction signals to the database, in batches.

Listeners hand each reaction change to `SignalWriter.submit` and return at once; the
writer thread takes whatever has queued up and stores it in one transaction.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from bot.runtime.jobs import WorkCounter
from storage.repository import ReactionChange, Store

log = logging.getLogger(__name__)
WRITE_ATTEMPTS = 4


class SignalWriter:
    """Writes signals in small batches from one background thread.

    Reactions are the most frequent thing Slack sends. Writing each in its own
    transaction made the database round trip (and, on SQLite, the single writer lock)
    the limit; one thread that takes whatever has queued up — up to `max_batch` — and
    writes it in one transaction keeps per-event cost low under bursts and adds no delay
    when idle. A failed write is retried, then logged with how many signals were lost.
    """

    def __init__(self, store: Store, *, max_batch: int = 500) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[ReactionChange | None] = queue.SimpleQueue()
        self._work = WorkCounter()
        self._thread = threading.Thread(target=self._run, name="idealoop-signals",
                                        daemon=True)
        self._thread.start()

    def submit(self, change: ReactionChange) -> None:
        self._work.add()
        self._queue.put(change)

    @property
    def pending(self) -> int:
        return self._work.count

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self._work.wait_idle(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stopping = first is None
            while len(batch) < self.max_batch:
                try:
                    change = self._queue.get_nowait()
                except queue.Empty:
                    break
                if change is None:
                    stopping = True
                    break
                batch.append(change)
            self._write(batch)

    def _write(self, batch: list[ReactionChange]) -> None:
        try:
            for attempt in range(WRITE_ATTEMPTS):
                try:
                    self.store.apply_reactions(batch)
                    return
                except Exception:
                    if attempt == WRITE_ATTEMPTS - 1:
                        log.exception("could not store %d signals; they are lost", len(batch))
                        return
                    log.warning("storing %d signals failed; retrying", len(batch))
                    time.sleep(0.2 * 2**attempt)
        finally:
            self._work.done(len(batch))
