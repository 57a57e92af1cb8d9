"""Reading `/brainstorm …`: which sub-command, with which arguments.

Sub-commands are recognised only in their exact shapes (`top`, `top week`, `digest
daily 09:30`, `stats`, `help`), so that a topic that merely starts with one of those
words ("top ideas for onboarding") is still brainstormed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

USAGE = """*idealoop* — brainstorm with the AI; you decide with emoji.
• `/brainstorm <topic>` — the AI proposes ideas, one message each, in a thread
• React :+1: (or :white_check_mark:, :fire:, :star: …) to approve an idea, :-1: or :x: to reject it
• `/brainstorm top [day|week|all]` — the ideas this channel approved most (only you see it)
• `/brainstorm digest daily|weekly|off [HH:MM] [Time/Zone]` — a digest of the best ideas
  (`/brainstorm digest` alone shows this channel's schedule)
• `/brainstorm stats` — how this channel's people judge the AI's ideas and drafts
• `/brainstorm help` — this message
Your reactions are stored as signals and steer what the AI proposes next in this channel."""

_SUBCOMMANDS = {
    "help": re.compile(r"^help$", re.IGNORECASE),
    "top": re.compile(r"^top(\s+(day|week|all))?$", re.IGNORECASE),
    "digest": re.compile(
        r"^digest(\s+(daily|weekly|off)(\s+\d{1,2}:\d{2})?(\s+[A-Za-z_]+/[A-Za-z_/+-]+)?)?$",
        re.IGNORECASE,
    ),
    "stats": re.compile(r"^stats$", re.IGNORECASE),
}


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
