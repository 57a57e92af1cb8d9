"""The threads that write reaction signals to the database: a group commit.

Reactions are the most frequent thing Slack sends, and each one is a person's judgement,
so Slack gets its 200 only once the signal is committed (`SignalWriter.store` waits for
it). Writing each reaction in a transaction of its own made the database round trip
(and SQLite's single writer lock) the limit; instead one thread takes whatever has
queued up — up to `max_batch` — and commits it in one transaction, then wakes every
request whose reaction the batch held. Idle, a reaction is committed at once; under a
burst, many share one commit.

- Duplicate keys in a batch (one person, one item, one emoji) collapse to the newest
  event, as the database would keep anyway (`storage.signals.newest_per_key`: on a
  tie, the first), and share its fate.
- A change the database refuses (bad data) must not sink its batch: the batch is then
  written change by change and only the refused one fails.
- When the database is unavailable, the batch fails at once (no retry loop here): the
  requests answer Slack with an error and Slack re-delivers them, which the upsert keyed
  on event time makes harmless. Slack's re-delivery is the one retry policy.
- The queue is bounded: when it is full, a request fails at once instead of waiting.
- `writers` threads take batches from the one queue, each on its own connection: one on
  SQLite (one writer at a time), two on PostgreSQL (`SignalStore.writers`), where a
  commit is mostly waiting for the WAL flush and the next batch can be sent meanwhile.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from bot.errors import NotSaved
from bot.metrics import SIGNAL_BATCH, SIGNAL_COMMIT_SECONDS
from bot.work.jobs import WorkCounter
from storage.errors import DatabaseUnavailable
from storage.signals import (
    ReactionChange,
    SignalSink,
    SignalStore,
    newest_per_key,
    signal_key,
)

log = logging.getLogger(__name__)
COMMIT_WAIT = 2.0  # seconds a request waits for its commit: inside Slack's 3 s


@dataclass
class _Ticket:
    """One submitted change and how its write ended."""

    change: ReactionChange
    done: threading.Event = field(default_factory=threading.Event)
    error: str | None = None

    def settle(self, error: str | None = None) -> None:
        self.error = error
        self.done.set()


class SignalWriter:
    def __init__(self, store: SignalStore, *, max_batch: int = 500,
                 max_queue: int = 10_000, writers: int = 1) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.Queue[_Ticket | None] = queue.Queue(maxsize=max_queue)
        self._work = WorkCounter()
        self._closed = False
        self._threads = [threading.Thread(target=self._run, name=f"idealoop-signals-{n}",
                                          daemon=True) for n in range(max(1, writers))]
        for thread in self._threads:
            thread.start()

    def store_now(self, change: ReactionChange, timeout: float = COMMIT_WAIT) -> None:
        """Return once `change` is committed; NotSaved when it cannot be, in time."""
        ticket = self.submit(change)
        if not ticket.done.wait(timeout):
            raise NotSaved("signal not committed in time")
        if ticket.error is not None:
            raise NotSaved(ticket.error)

    def submit(self, change: ReactionChange) -> _Ticket:
        """Queue `change` for the next batch; NotSaved at once when the queue is full."""
        if self._closed:
            raise NotSaved("the signal writer is stopping")
        ticket = _Ticket(change)
        self._work.add()
        try:
            self._queue.put_nowait(ticket)
        except queue.Full:
            self._work.done()
            raise NotSaved("too many signals waiting to be written") from None
        return ticket

    @property
    def pending(self) -> int:
        """Changes submitted and not yet settled (queued or being written)."""
        return self._work.count

    @property
    def queued(self) -> int:
        """Changes waiting for a batch (not yet taken by the writer)."""
        return self._queue.qsize()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self._work.wait_idle(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop."""
        self._closed = True
        for _thread in self._threads:
            self._queue.put(None)  # one stop for each writer
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        with self.store.signal_sink() as sink:
            self._drain(sink)

    def _drain(self, sink: SignalSink) -> None:
        """Write batches until this writer takes its stop (one `None` per writer, put
        after everything submitted before `close`); what is queued behind it is still
        written, and another writer's stop is left for that writer."""
        stopping = False
        while not stopping:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stopping = first is None
            while len(batch) < self.max_batch:
                try:
                    ticket = self._queue.get_nowait()
                except queue.Empty:
                    break
                if ticket is None:
                    if stopping:  # a second stop: another writer's
                        self._queue.put(None)
                    stopping = True
                    break
                batch.append(ticket)
            if batch:
                self._write(sink, batch)

    def _write(self, sink: SignalSink, batch: list[_Ticket]) -> None:
        try:
            newest = newest_per_key(ticket.change for ticket in batch)
            errors = self._commit(sink, list(newest.values()))
            for ticket in batch:  # a change collapsed into a newer one shares its fate
                ticket.settle(errors.get(id(newest[signal_key(ticket.change)])))
        finally:
            self._work.done(len(batch))

    def _commit(self, sink: SignalSink, changes: list[ReactionChange]) -> dict[int, str]:
        """Write `changes`; the errors of the ones that failed, by `id()` of the change."""
        started = time.perf_counter()
        try:
            sink.apply(changes)
            SIGNAL_BATCH.observe(len(changes))
            SIGNAL_COMMIT_SECONDS.observe(time.perf_counter() - started)
            return {}
        except DatabaseUnavailable as exc:
            log.warning("could not store %d signals: the database is unavailable (%s); "
                        "Slack will re-deliver them", len(changes), exc)
            return _for_all(changes, "database unavailable")
        except Exception as exc:
            log.warning("a batch of %d signals was refused (%s); writing them one by one",
                        len(changes), type(exc).__name__)
        errors: dict[int, str] = {}
        for change in changes:
            try:
                sink.apply([change])
            except Exception as exc:
                log.warning("refused a signal on item %s (%s)", change.item_id,
                            type(exc).__name__)
                errors[id(change)] = type(exc).__name__
        return errors


def _for_all(changes: list[ReactionChange], error: str) -> dict[int, str]:
    return {id(change): error for change in changes}
