"""Reading `/brainstorm …` text: which sub-command, with which arguments — one grammar.

Handling happens in `handlers/commands.py`; this module only reads the words.

A line whose first word is a sub-command (`help`, `top`, `stats`, `digest`, `why`,
`guide`, `usage`, `forget`) is that
sub-command, and its arguments must parse: `top month` or `digest dailly` is answered,
only to the person who typed it, with the closest form that works — never turned into a
brainstorm the whole channel sees. Anything else is a topic. A topic that starts with a
sub-command's word is brainstormed when quoted: `/brainstorm "top ideas for onboarding"`.
`why` is the one exception: alone it is a sub-command, and followed by more words it is
a topic (a question is a natural thing to brainstorm on).
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.digests import DEFAULT_TIME, PERIOD_WORDS, ScheduleChange
from bot.errors import BadInput

SUBCOMMANDS = ("help", "top", "stats", "digest", "why", "guide", "usage", "forget")
TOP_PERIODS = ("day", "week", "all")
# The forms a mistyped sub-command is matched against, to name the closest that works.
VALID_FORMS = ("help", "stats", "why", "usage", "forget me", "guide", "guide off",
               "top", "top day", "top week", "top all", "digest", "digest daily",
               "digest weekly", "digest off", "digest daily 09:00", "digest weekly 09:00")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "`": "`"}


@dataclass(frozen=True)
class BrainstormCommand:
    # "help" | "brainstorm" | "top" | "digest" | "stats" | "why" | "guide" | "usage" |
    # "forget" | "unclear"
    # (`text` says why)
    action: str
    text: str  # the topic for "brainstorm", the arguments otherwise


def parse(text: str | None) -> BrainstormCommand:
    stripped = " ".join((text or "").split())
    if not stripped:
        return BrainstormCommand("help", "")
    quoted = _unquoted(stripped)
    if quoted is not None:
        return BrainstormCommand("brainstorm", quoted) if quoted else \
            BrainstormCommand("help", "")
    first, _, rest = stripped.partition(" ")
    word = first.lower()
    if word not in SUBCOMMANDS or (word == "why" and rest):  # "why do builds fail": a topic
        return BrainstormCommand("brainstorm", stripped)
    if word in ("help", "stats", "why", "usage") and not rest:
        return BrainstormCommand(word, "")
    if word == "guide":  # alone: show it; "off": clear it; anything else: the guidance
        return BrainstormCommand("guide", rest)
    if word == "forget" and rest.lower() == "me":
        return BrainstormCommand("forget", "me")
    if word == "top" and rest.lower() in ("", *TOP_PERIODS):
        return BrainstormCommand("top", rest)
    if word == "digest":
        try:
            parse_schedule(rest, "UTC")
        except BadInput as exc:
            return BrainstormCommand("unclear", f"{exc.user_message} {_quote_hint(stripped)}")
        return BrainstormCommand("digest", rest)
    return BrainstormCommand("unclear", unclear(stripped))


def unclear(text: str) -> str:
    """What to tell someone whose sub-command did not parse: the closest form that works,
    and how to brainstorm such a topic instead."""
    return (f"I don't know `/brainstorm {text}`. Did you mean `/brainstorm {suggest(text)}`? "
            f"(`/brainstorm help` lists them all.) {_quote_hint(text)}")


def _quote_hint(text: str) -> str:
    first = text.split(" ", 1)[0]
    return (f"To brainstorm a topic that starts with \u201c{first}\u201d, put it in quotes: "
            f"`/brainstorm \"{text}\"`.")


def suggest(text: str) -> str:
    """The valid form of `text`'s sub-command whose arguments come closest to what was
    typed (rapidfuzz's token-set ratio, so `dailly` → `daily` and `daily standup notes`
    → `daily`); the bare sub-command when none comes close."""
    command, _, args = text.lower().partition(" ")
    if command not in SUBCOMMANDS:
        return "help"
    forms = [form.partition(" ")[2] for form in VALID_FORMS if form.split()[0] == command]
    match = process.extractOne(args, [form for form in forms if form],
                               scorer=fuzz.token_set_ratio, score_cutoff=60)
    if match is None and "" not in forms:  # the command never stands alone: its one form
        return f"{command} {forms[0]}"
    return f"{command} {match[0]}" if match else command


def _unquoted(text: str) -> str | None:
    """The text inside matching quotes around the whole line, else None."""
    close = _QUOTES.get(text[0])
    if close is None or len(text) < 2 or text[-1] != close:
        return None
    return " ".join(text[1:-1].split())


def parse_schedule(args: str, default_timezone: str) -> ScheduleChange:
    """`daily 09:30 Europe/Berlin`, `weekly`, `off`, or nothing (show the schedule). The
    words may come in any order: `daily UTC 08:00` is the same as `daily 08:00 UTC`."""
    words = args.split()
    if not words:
        return ScheduleChange(None, False, DEFAULT_TIME, default_timezone)
    lowered = [word.lower() for word in words]
    if "off" in lowered:
        if lowered == ["off"]:
            return ScheduleChange(None, True, DEFAULT_TIME, default_timezone)
        raise BadInput("`/brainstorm digest off` takes nothing after it; to change the "
                       "schedule instead, say e.g. `/brainstorm digest daily 09:30`.")
    period: str | None = None
    at_time: str | None = None
    timezone: str | None = None
    for word in words:
        if word.lower() in PERIOD_WORDS and period is None:
            period = PERIOD_WORDS[word.lower()]
        elif (match := _TIME.match(word)) is not None:
            if at_time is not None:
                raise BadInput(f"Give one time, not both `{at_time}` and `{word}`.")
            at_time = f"{int(match[1]):02d}:{match[2]}"
        elif (zone := _zone(word)) is not None:
            if timezone is not None:
                raise BadInput(f"Give one time zone, not both `{timezone}` and `{word}`.")
            timezone = zone
        elif "/" in word:
            raise BadInput(f"`{word}` is not a time zone I know; try e.g. Europe/Berlin, "
                           "America/New_York or UTC.")
        else:
            raise BadInput(_schedule_help(args, word))
    if period is None:
        raise BadInput(_schedule_help(args, None))
    return ScheduleChange(period, False, at_time or DEFAULT_TIME, timezone or default_timezone)


def _schedule_help(args: str, word: str | None) -> str:
    what = (f"I don't understand `{word}`" if word is not None
            else "Say how often: `daily` or `weekly`")
    return (f"{what} in `/brainstorm digest {args}`. Did you mean "
            f"`/brainstorm {suggest(f'digest {args}')}`? The form is `/brainstorm digest "
            "daily|weekly|off [HH:MM] [time zone]`, e.g. `digest daily 09:30 Europe/Berlin`.")


def _zone(word: str) -> str | None:
    """The IANA time zone `word` names, whatever its case (`utc`, `europe/berlin`)."""
    return _zones().get(word.lower())


@functools.cache
def _zones() -> dict[str, str]:
    zones = {name.lower(): name for name in zoneinfo.available_timezones()}
    zones.setdefault("utc", "UTC")
    return zones
