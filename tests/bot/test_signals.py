"""Tests for the pure parts of reaction signals (`bot/signals.py`).

Why these cases: a reaction's meaning is decided from its emoji name, which Slack sends
with skin-tone suffixes and which operators configure with or without colons; and event
timestamps order signals, so they must convert to microseconds exactly.
"""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.signals import APPROVE, NEUTRAL, REJECT, base_emoji, polarity


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
