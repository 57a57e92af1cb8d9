"""What people read back about a channel: its best items (`/brainstorm top`), how its
people judged the AI (`/brainstorm stats`), and a person's App Home. Slack-free."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

from bot import home, ranking
from bot.digests import Digests
from bot.home import ChannelCard
from storage.base import Clock, utcnow
from storage.reports import ChannelStats, RankedItem
from storage.stores import Stores


class Reports:
    """The read-only views of one workspace's channels."""

    def __init__(self, stores: Stores, digests: Digests) -> None:
        self.stores = stores
        self.digests = digests

    def for_team(self, team: str) -> Reports:
        """These reports, on the channels of workspace `team`."""
        return Reports(self.stores.for_team(team), self.digests.for_team(team))

    def top(self, channel: str, period: str = ranking.DEFAULT_PERIOD, *,
            clock: Clock = utcnow) -> list[RankedItem]:
        """The channel's best-approved items of the last day or week, or of all time."""
        return ranking.top(self.stores, channel, period, clock=clock)

    def stats(self, channel: str) -> ChannelStats:
        """How the channel's people judged what the AI posted there, per kind of item."""
        return self.stores.reports.channel_stats(channel)

    def home_cards(self, user: str) -> list[ChannelCard]:
        """A card per channel `user` used idealoop in, most recently used first."""
        return home.home_cards(self.stores, self.digests, user)

    def may_change(self, user: str, channel: str) -> bool:
        """Home's buttons change only channels the person uses idealoop in."""
        return home.may_change(self.stores, user, channel)


def write_export(rows: Iterable[dict[str, Any]], fields: tuple[str, ...], fmt: str,
                 out: TextIO) -> None:
    """`idealoop export`: rows as JSON lines, or as CSV under a header of `fields`."""
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
