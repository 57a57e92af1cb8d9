"""Digest schedules: due times across DST, per-channel zones, period keys, parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digests import adhoc_slot, latest_slot
from storage.digests import Subscription


def sub(period: str = "day", at: str = "09:00", tz: str = "Europe/Berlin") -> Subscription:
    return Subscription("C1", period, at, tz, 0, "U1")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_slot_before_and_after_the_time() -> None:
    before = latest_slot(sub(), utc(2026, 6, 10, 6, 59))  # 08:59 in Berlin (UTC+2)
    after = latest_slot(sub(), utc(2026, 6, 10, 7, 0))  # 09:00 in Berlin
    assert before.key == "day:2026-06-09" and before.due == utc(2026, 6, 9, 7, 0)
    assert after.key == "day:2026-06-10" and after.due == utc(2026, 6, 10, 7, 0)
    assert after.due - after.start == timedelta(days=1)


def test_daily_across_spring_forward_is_still_nine_local() -> None:
    # Europe/Berlin moved from UTC+1 to UTC+2 on 2026-03-29.
    slot = latest_slot(sub(), utc(2026, 3, 29, 12, 0))
    assert slot.due == utc(2026, 3, 29, 7, 0)  # 09:00 CEST
    assert slot.start == utc(2026, 3, 28, 8, 0)  # 09:00 CET the day before
    assert slot.due - slot.start == timedelta(hours=23)


def test_daily_across_fall_back_is_a_25_hour_period() -> None:
    slot = latest_slot(sub(), utc(2026, 10, 25, 12, 0))
    assert slot.due == utc(2026, 10, 25, 8, 0)
    assert slot.due - slot.start == timedelta(hours=25)


def test_a_time_the_spring_forward_skips_is_due_after_the_change_never_before() -> None:
    # On 2026-03-29 Berlin's clocks jump from 02:00 to 03:00: 02:30 never happens that day.
    at_0305 = latest_slot(sub(at="02:30"), utc(2026, 3, 29, 1, 5))  # 03:05 CEST
    assert at_0305.key == "day:2026-03-28" and at_0305.due == utc(2026, 3, 28, 1, 30)
    at_0330 = latest_slot(sub(at="02:30"), utc(2026, 3, 29, 1, 30))  # 03:30 CEST
    assert at_0330.key == "day:2026-03-29" and at_0330.due == utc(2026, 3, 29, 1, 30)


def test_a_time_the_fall_back_repeats_is_due_at_its_first_occurrence() -> None:
    # On 2026-10-25 Berlin's clocks go from 03:00 back to 02:00: 02:30 happens twice.
    first = latest_slot(sub(at="02:30"), utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    assert first.key == "day:2026-10-25" and first.due == utc(2026, 10, 25, 0, 30)
    second = latest_slot(sub(at="02:30"), utc(2026, 10, 25, 1, 45))  # 02:45 CET
    assert second == first  # the same slot, so the same claim: posted once


def test_weekly_is_monday_and_keyed_by_iso_week() -> None:
    slot = latest_slot(sub("week"), utc(2026, 3, 31, 12, 0))  # a Tuesday, after the DST change
    assert slot.due == utc(2026, 3, 30, 7, 0)  # Monday 09:00 CEST
    assert slot.key == "week:2026-W14"
    assert slot.due - slot.start == timedelta(days=7) - timedelta(hours=1)
    monday_early = latest_slot(sub("week"), utc(2026, 3, 30, 6, 0))  # 08:00 CEST Monday
    assert monday_early.key == "week:2026-W13"


def test_per_channel_time_zones_differ() -> None:
    now = utc(2026, 1, 15, 12, 0)
    tokyo = latest_slot(sub(tz="Asia/Tokyo"), now)
    new_york = latest_slot(sub(tz="America/New_York"), now)
    assert tokyo.due == utc(2026, 1, 15, 0, 0) and tokyo.key == "day:2026-01-15"
    assert new_york.due == utc(2026, 1, 14, 14, 0) and new_york.key == "day:2026-01-14"


def test_adhoc_slot_covers_the_last_period() -> None:
    now = utc(2026, 5, 5, 15, 0)
    slot = adhoc_slot("C1", "week", now, "UTC")
    assert slot.due == now and slot.start == now - timedelta(days=7)
    assert slot.key == "week:2026-W19"
    assert slot.forced(now).key.startswith("week:2026-W19:forced:")
