"""Reading `/brainstorm …` text: which sub-command, with which arguments.

Handling happens in `handlers/commands.py`; this module only reads the words.

Sub-commands are recognised only in their exact shapes (`top`, `top week`, `digest
daily 09:30`, `stats`, `help`), so that a topic that merely starts with one of those
words ("top ideas for onboarding") is still brainstormed.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass

from bot.digests import DEFAULT_TIME, PERIOD_WORDS, ScheduleChange
from bot.errors import BadInput

_SUBCOMMANDS = {
    "help": re.compile(r"^help$", re.IGNORECASE),
    "top": re.compile(r"^top(\s+(day|week|all))?$", re.IGNORECASE),
    "digest": re.compile(
        r"^digest(\s+(daily|weekly|off)(\s+\d{1,2}:\d{2})?(\s+[A-Za-z_]+/[A-Za-z_/+-]+)?)?$",
        re.IGNORECASE,
    ),
    "stats": re.compile(r"^stats$", re.IGNORECASE),
}

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class BrainstormCommand:
    action: str  # "help" | "brainstorm" | "top" | "digest" | "stats"
    text: str  # the topic for "brainstorm", the arguments otherwise


def parse(text: str | None) -> BrainstormCommand:
    stripped = " ".join((text or "").split())
    if not stripped:
        return BrainstormCommand("help", "")
    for action, pattern in _SUBCOMMANDS.items():
        if pattern.match(stripped):
            return BrainstormCommand(action, stripped.partition(" ")[2])
    return BrainstormCommand("brainstorm", stripped)


def parse_schedule(args: str, default_timezone: str) -> ScheduleChange:
    """`daily 09:30 Europe/Berlin`, `weekly`, `off`, or nothing (show the schedule)."""
    words = args.split()
    if not words:
        return ScheduleChange(None, False, DEFAULT_TIME, default_timezone)
    first = words[0].lower()
    if first == "off":
        return ScheduleChange(None, True, DEFAULT_TIME, default_timezone)
    if first not in PERIOD_WORDS:
        raise BadInput("Use `/brainstorm digest daily|weekly|off [HH:MM] [Time/Zone]`.")
    at_time, timezone = DEFAULT_TIME, default_timezone
    for word in words[1:]:
        match = _TIME.match(word)
        if match:
            at_time = f"{int(match[1]):02d}:{match[2]}"
        elif "/" in word or word.upper() == "UTC":
            timezone = word
        else:
            raise BadInput(f"I don't understand `{word}`: give a time like 09:30 and "
                           "optionally a time zone like Europe/Berlin.")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"`{timezone}` is not a time zone I know; try e.g. Europe/Berlin "
                       "or America/New_York.") from None
    return ScheduleChange(PERIOD_WORDS[first], False, at_time, timezone)
