"""Which ideas a channel's people approved most, over a period. Slack-free."""

from __future__ import annotations

from datetime import timedelta

from storage.base import Clock, utcnow
from storage.reports import RankedItem as RankedItem  # for handlers/
from storage.stores import Stores

PERIODS: dict[str, timedelta | None] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "all": None,
}
DEFAULT_PERIOD = "week"


def top(stores: Stores, channel: str, period: str = DEFAULT_PERIOD, *, limit: int = 10,
        clock: Clock = utcnow) -> list[RankedItem]:
    """The best-approved items of the last day or week (rolling), or of all time."""
    window = PERIODS[period]
    since = clock() - window if window is not None else None
    return stores.reports.top_items(channel, since=since, limit=limit)
