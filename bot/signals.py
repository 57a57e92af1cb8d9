"""Reactions as approval signals: which emoji mean what, and what an event changes.

Polarity is decided when the reaction arrives, from the configured emoji sets
(PRODUCT.md defaults; `IDEALOOP_APPROVE_EMOJI` / `IDEALOOP_REJECT_EMOJI`). Skin-tone
variants count as their base emoji, so `+1::skin-tone-3` approves like `+1`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from bot.config import Settings
from bot.jobs import WorkCounter
from storage.repository import ReactionChange, Store

APPROVE, REJECT, NEUTRAL = 1, -1, 0
log = logging.getLogger(__name__)


def base_emoji(name: str) -> str:
    """`+1::skin-tone-3` → `+1`; names are compared without colons."""
    return name.strip(":").split("::", 1)[0]


def polarity(name: str, settings: Settings) -> int:
    emoji = base_emoji(name)
    if emoji in settings.approve_emoji:
        return APPROVE
    if emoji in settings.reject_emoji:
        return REJECT
    return NEUTRAL


def slack_ts_to_us(ts: str) -> int:
    """Slack's "1700000000.000100" as integer microseconds (exact, no float rounding)."""
    try:
        value = Decimal(ts)
    except (InvalidOperation, TypeError):
        raise ValueError(f"not a Slack timestamp: {ts!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a Slack timestamp: {ts!r}")
    return int(value * 1_000_000)


@dataclass(frozen=True)
class ReactionEvent:
    """The parts of a `reaction_added` / `reaction_removed` event that matter here."""

    added: bool
    user: str
    emoji: str
    channel: str
    message_ts: str
    event_ts: str


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


WRITE_ATTEMPTS = 4


def record_reaction(event: ReactionEvent, *, store: Store, writer: SignalWriter,
                    settings: Settings, bot_user_id: str | None) -> bool:
    """Queue the reaction as a signal if it is on an item the bot posted.

    Returns True when queued. Reactions by the bot itself and on messages that are not
    items (someone else's message, a brainstorm header) are ignored.
    """
    if bot_user_id and event.user == bot_user_id:
        return False
    item = store.item_at(event.channel, event.message_ts)
    if item is None:
        return False
    event_us = slack_ts_to_us(event.event_ts)
    writer.submit(
        ReactionChange(
            item_id=item.id,
            user_id=event.user,
            emoji=base_emoji(event.emoji),
            polarity=polarity(event.emoji, settings),
            active=event.added,
            event_us=event_us,
            at=datetime.fromtimestamp(event_us / 1_000_000, UTC),
        )
    )
    return True
