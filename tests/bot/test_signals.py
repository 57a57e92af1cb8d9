"""Tests for the pure parts of reaction signals (`bot/signals.py`).

Why these cases: a reaction's meaning is decided from its emoji name, which Slack sends
with skin-tone suffixes and which operators configure with or without colons; and event
timestamps order signals, so they must convert to microseconds exactly.
"""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.signals import APPROVE, NEUTRAL, REJECT, base_emoji, polarity, slack_ts_to_us


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("+1", "+1"),
        ("+1::skin-tone-3", "+1"),
        (":+1::skin-tone-6:", "+1"),
        (":fire:", "fire"),
        ("fire", "fire"),
        ("raised_hands::skin-tone-2", "raised_hands"),
        ("-1::skin-tone-5", "-1"),
        ("white_check_mark", "white_check_mark"),
    ],
)
def test_base_emoji(name: str, base: str) -> None:
    assert base_emoji(name) == base


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("+1", APPROVE),
        ("+1::skin-tone-4", APPROVE),
        (":white_check_mark:", APPROVE),
        ("fire", APPROVE),
        ("100", APPROVE),
        ("-1", REJECT),
        ("-1::skin-tone-2", REJECT),
        ("x", REJECT),
        (":no_entry_sign:", REJECT),
        ("eyes", NEUTRAL),
        ("thinking_face", NEUTRAL),
        ("fire_engine", NEUTRAL),
    ],
)
def test_polarity_defaults(name: str, expected: int) -> None:
    assert polarity(name, Settings()) == expected


def test_polarity_constants() -> None:
    assert (APPROVE, REJECT, NEUTRAL) == (1, -1, 0)


def test_polarity_custom_settings() -> None:
    settings = Settings.from_env(
        {"IDEALOOP_APPROVE_EMOJI": ":rocket:,sparkles", "IDEALOOP_REJECT_EMOJI": "poop"},
        dotenv_path=None,
    )
    assert polarity("rocket", settings) == APPROVE
    assert polarity(":sparkles:", settings) == APPROVE
    assert polarity("poop", settings) == REJECT
    # Defaults no longer apply once replaced.
    assert polarity("+1", settings) == NEUTRAL
    assert polarity("-1::skin-tone-3", settings) == NEUTRAL


def test_polarity_with_directly_built_settings() -> None:
    settings = Settings(approve_emoji=frozenset({"ok_hand"}), reject_emoji=frozenset({"+1"}))
    assert polarity("ok_hand::skin-tone-1", settings) == APPROVE
    assert polarity("+1", settings) == REJECT


@pytest.mark.parametrize(
    ("ts", "us"),
    [
        ("1700000000.000100", 1_700_000_000_000_100),
        ("1700000000.000001", 1_700_000_000_000_001),
        ("1700000000.999999", 1_700_000_000_999_999),
        ("1700000000", 1_700_000_000_000_000),
        ("0.000001", 1),
        # Past 2**53 µs a float loses the last digit; Decimal must not.
        ("9999999999.999999", 9_999_999_999_999_999),
    ],
)
def test_slack_ts_to_us_exact(ts: str, us: int) -> None:
    assert slack_ts_to_us(ts) == us
    assert isinstance(slack_ts_to_us(ts), int)


def test_slack_ts_to_us_keeps_order_of_close_timestamps() -> None:
    stamps = [f"1712345678.{n:06d}" for n in range(0, 1000, 7)]
    values = [slack_ts_to_us(ts) for ts in stamps]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert values[1] - values[0] == 7


@pytest.mark.parametrize("junk", ["", "abc", "1700000000.00a", "1.2.3", "sNaN", None, "12:00"])
def test_slack_ts_to_us_rejects_junk(junk: str | None) -> None:
    with pytest.raises(ValueError, match="not a Slack timestamp"):
        slack_ts_to_us(junk)  # type: ignore[arg-type]


@pytest.mark.parametrize("junk", ["Infinity", "-inf", "NaN"])
def test_slack_ts_to_us_rejects_non_finite(junk: str) -> None:
    with pytest.raises(ValueError, match="not a Slack timestamp"):
        slack_ts_to_us(junk)
