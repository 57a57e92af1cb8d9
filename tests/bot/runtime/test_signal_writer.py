"""The signal writer: one thread storing reaction changes in batches, losing none."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.runtime.signal_writer import SignalWriter
from storage.repository import NewBrainstorm, ReactionChange, Store
from testkit.queries import score_of

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def saved_ideas(store: Store, count: int) -> list[int]:
    saved = store.save_brainstorm(NewBrainstorm(
        channel="C1", requester="U1", topic="standups", model="m",
        ideas=[f"idea {n}" for n in range(count)], header_ts="100.000001"))
    for n, item_id in enumerate(saved.item_ids, start=2):
        store.mark_posted(item_id, f"100.{n:06d}")
    return saved.item_ids


def test_the_signal_writer_stores_everything_it_is_given(store: Store) -> None:
    items = saved_ideas(store, 5)
    writer = SignalWriter(store, max_batch=50)
    try:
        for n in range(400):
            writer.submit(ReactionChange(item_id=items[n % 5], user_id=f"U{n}", emoji="+1",
                                         polarity=1, active=True, event_us=n + 1, at=AT))
        assert writer.wait_idle(timeout=20)
    finally:
        writer.close()
    assert sum(score_of(store, item)["approvals"] for item in items) == 400
