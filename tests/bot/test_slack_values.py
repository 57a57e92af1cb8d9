"""Slack message timestamps as exact integers: order without float rounding."""

from __future__ import annotations

import pytest

from bot.slack_values import ts_to_us, us_to_ts


@pytest.mark.parametrize(
    ("ts", "us"),
    [
        ("1700000000.000100", 1_700_000_000_000_100),
        ("1700000000.000001", 1_700_000_000_000_001),
        ("1700000000.999999", 1_700_000_000_999_999),
        ("1700000000", 1_700_000_000_000_000),
        ("0.000001", 1),
        # Past 2**53 µs a float loses the last digit; integers must not.
        ("9999999999.999999", 9_999_999_999_999_999),
    ],
)
def test_ts_to_us_exact(ts: str, us: int) -> None:
    assert ts_to_us(ts) == us
    assert isinstance(ts_to_us(ts), int)


def test_ts_to_us_keeps_order_of_close_timestamps() -> None:
    stamps = [f"1712345678.{n:06d}" for n in range(0, 1000, 7)]
    values = [ts_to_us(ts) for ts in stamps]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert values[1] - values[0] == 7


@pytest.mark.parametrize("junk", ["", "abc", "1700000000.00a", "1.2.3", "sNaN", None, "12:00"])
def test_ts_to_us_rejects_junk(junk: str | None) -> None:
    with pytest.raises(ValueError, match="not a Slack timestamp"):
        ts_to_us(junk)  # type: ignore[arg-type]


@pytest.mark.parametrize("junk", ["Infinity", "-inf", "NaN", "-1.5", "١٢.5", "1."])
def test_ts_to_us_rejects_what_slack_never_sends(junk: str) -> None:
    with pytest.raises(ValueError, match="not a Slack timestamp"):
        ts_to_us(junk)


def test_round_trip() -> None:
    for ts in ("1700000000.000100", "0.000001", "9999999999.999999"):
        assert us_to_ts(ts_to_us(ts)) == ts


def test_digits_past_microseconds_are_dropped() -> None:
    assert ts_to_us("1700000000.0000019") == 1_700_000_000_000_001
