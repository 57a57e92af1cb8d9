"""Tests for reading `/brainstorm …` (`bot/command_parser.py`), sub-commands and digest schedules.

Why these cases: sub-commands are recognised only in their exact shapes, so a topic
that happens to start with `top`, `help`, `digest` or `stats` is still brainstormed,
and the topic reaches the LLM with its whitespace tidied.
"""

from __future__ import annotations

import pytest

from bot.command_parser import BrainstormCommand, parse, parse_schedule
from bot.errors import BadInput


@pytest.mark.parametrize("text", [None, "", " ", "   \t\n  "])
def test_empty_is_help(text: str | None) -> None:
    assert parse(text) == BrainstormCommand("help", "")


@pytest.mark.parametrize("text", ["help", "HELP", "  Help  "])
def test_help(text: str) -> None:
    assert parse(text) == BrainstormCommand("help", "")


@pytest.mark.parametrize(
    ("text", "args"),
    [("top", ""), ("top week", "week"), ("top day", "day"), ("top all", "all"),
     ("TOP Week", "Week"), ("  top \t  week ", "week")],
)
def test_top(text: str, args: str) -> None:
    assert parse(text) == BrainstormCommand("top", args)


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("digest daily 09:30", "daily 09:30"),
        ("digest weekly", "weekly"),
        ("digest off", "off"),
        ("digest", ""),
        ("digest daily 9:05 Europe/Berlin", "daily 9:05 Europe/Berlin"),
        ("digest   weekly    17:00", "weekly 17:00"),
    ],
)
def test_digest(text: str, args: str) -> None:
    assert parse(text) == BrainstormCommand("digest", args)


@pytest.mark.parametrize("text", ["stats", "Stats", " stats "])
def test_stats(text: str) -> None:
    assert parse(text) == BrainstormCommand("stats", "")


@pytest.mark.parametrize(
    "text",
    [
        "top ideas for onboarding",
        "top month",
        "help desk backlog",
        "helpful onboarding",
        "stats dashboards",
        "statistics for the team",
        "digest of customer feedback",
        "digest daily standup notes",
        "topology of our services",
    ],
)
def test_topics_starting_with_command_words_are_brainstorms(text: str) -> None:
    assert parse(text) == BrainstormCommand("brainstorm", text)


def test_brainstorm_whitespace_collapsed() -> None:
    assert parse("  shorter\t\tstandups \n for   the  team ") == BrainstormCommand(
        "brainstorm", "shorter standups for the team"
    )


def test_brainstorm_keeps_case_and_punctuation() -> None:
    assert parse("Why are our Retros so boring?!") == BrainstormCommand(
        "brainstorm", "Why are our Retros so boring?!"
    )


@pytest.mark.parametrize("args, period, at, tz", [
    ("daily", "day", "09:00", "UTC"),
    ("weekly 7:05", "week", "07:05", "UTC"),
    ("daily 09:30 Europe/Berlin", "day", "09:30", "Europe/Berlin"),
])
def test_parse_schedule(args: str, period: str, at: str, tz: str) -> None:
    change = parse_schedule(args, "UTC")
    assert (change.period, change.at_time, change.timezone, change.off) == (period, at, tz, False)


def test_parse_schedule_show_off_and_errors() -> None:
    assert parse_schedule("", "UTC").period is None
    assert parse_schedule("off", "UTC").off is True
    for bad in ("hourly", "daily 25:00", "daily 9:30 Mars/Olympus", "daily soon"):
        with pytest.raises(BadInput):
            parse_schedule(bad, "UTC")
