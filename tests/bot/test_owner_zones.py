"""The owner's time zone a reminder is sent in (`bot.decisions.owner_zone`), from what
Slack's `users.info` says: `tz` (an IANA name) first, else `tz_offset` (seconds)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.config import Settings
from bot.decisions import Decisions, owner_zone
from storage.stores import Stores


@pytest.mark.parametrize(("tz", "offset", "zone"), [
    ("America/Los_Angeles", -28800, "America/Los_Angeles"),
    ("Mars/Olympus_Mons", 19800, "+05:30"),  # a name this machine does not know
    (None, -12600, "-03:30"),
    ("../../etc/passwd", None, None),
    (None, True, None), (None, 90000, None), (None, "3600", None), (None, None, None),
])
def test_a_zone_is_the_name_slack_gives_else_its_offset(tz: object, offset: object,
                                                          zone: str | None) -> None:
    assert owner_zone(tz, offset) == zone


def test_nine_in_the_owners_zone_follows_daylight_saving(stores: Stores) -> None:
    decisions = Decisions(Settings(), stores)
    assert decisions.remind_at(date(2026, 7, 1), "America/Los_Angeles") == \
        datetime(2026, 7, 1, 16, tzinfo=UTC)
    assert decisions.remind_at(date(2026, 12, 1), "America/Los_Angeles") == \
        datetime(2026, 12, 1, 17, tzinfo=UTC)
    assert decisions.remind_at(date(2026, 12, 1), "+05:30") == \
        datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    assert decisions.remind_at(date(2026, 12, 1), None) is None  # IDEALOOP_TIMEZONE's
