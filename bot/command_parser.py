"""Reading `/brainstorm …` text: which sub-command, with which arguments — one grammar.

Handling happens in `handlers/commands.py`; this module only reads the words. `TABLE`
lists the sub-commands once; the parser, `/brainstorm help`, the handlers' dispatch, the
shell's help, and the command lists of the README and docs/operating.md come from it or
are tested against it (tests/handlers/test_command_table.py).

Nothing is done on a guess. A line that could be a command or a topic is a "choose":
the person alone is asked, with a button for each, and nothing is posted or changed
until they click. That is the case for
- a sub-command whose arguments do not parse (`top month`, `digest dailly`,
  `help desk rotation`): the closest form that works, or the whole line as a topic;
- a word near a sub-command (`stat`, `tpo`, `hlep`, `usgae`, `wyh`, `forgetme`,
  `gude be concise`; see `near_subcommand`);
- guidance that reads as well as a topic (`guide for new hires`; see `could_be_topic`).
A quoted line is always a topic: `/brainstorm "top ideas for onboarding"`. `why` alone is
a sub-command; followed by more words it is a topic (a question is a natural thing to
brainstorm on).
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.digests import DEFAULT_TIME, PERIOD_WORDS, ScheduleChange
from bot.errors import BadInput


@dataclass(frozen=True)
class Subcommand:
    """One row of the table of `/brainstorm` sub-commands: its word, the forms a mistyped
    one is matched against (the first is what "Run /brainstorm …" offers), its grammar and
    its line in `/brainstorm help`, the shell's help and the README."""

    word: str
    forms: tuple[str, ...]
    grammar: str
    help: str


# Each fact once: the parser, `/brainstorm help`, the shell's help and the command lists
# of the README and docs/operating.md (tests/handlers/test_command_table.py and
# tests/bot/test_command_parser.py keep them equal) come from this table.
TABLE = (
    Subcommand("top", ("top", "top day", "top week", "top all"), "top [day|week|all]",
               "the ideas this channel approved most (only you see it)"),
    Subcommand("digest", ("digest", "digest daily", "digest weekly", "digest off",
                          "digest daily 09:00", "digest weekly 09:00"),
               "digest daily|weekly|off [HH:MM] [Time/Zone]",
               "a digest of the best ideas in this channel; alone, it shows the schedule"),
    Subcommand("stats", ("stats",), "stats",
               "how this channel's people judge the AI's ideas and drafts (only you see it)"),
    Subcommand("why", ("why",), "why",
               "what your latest brainstorm here was given: the ideas that steered it, "
               "and the model (only you see it)"),
    Subcommand("guide", ("guide", "guide off"), "guide <text>|off",
               "standing guidance to the AI in this channel (audience, tone, constraints); "
               "alone, it shows it; a change is announced here"),
    Subcommand("usage", ("usage",), "usage",
               "today's use against this workspace's daily limits (only you see it)"),
    Subcommand("board", ("board",), "board",
               "this channel's idea board: a canvas with the week's top approved ideas and "
               "the open decisions, kept up to date"),
    Subcommand("forget", ("forget me",), "forget me",
               "remove your reactions and the texts you asked for (it asks first)"),
    Subcommand("help", ("help",), "help", "this list"),
)
SUBCOMMANDS = tuple(row.word for row in TABLE)
TOP_PERIODS = ("day", "week", "all")
# The forms a mistyped sub-command is matched against, to name the closest that works.
VALID_FORMS = tuple(form for row in TABLE for form in row.forms)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "`": "`"}
# Real words a multi-word topic may start with that are one letter from a sub-command:
# never taken for a typo. (A one-word topic near a sub-command is always asked about:
# the question is private and one click answers it.)
REAL_WORDS = frozenset({
    "digests", "guides", "guided", "guise", "guile", "helps", "hell", "held", "helm", "heap",
    "hemp", "kelp", "yelp", "state", "states", "stat", "sage", "usages",
    "boards", "broad", "hoard", "beard", "boar", "aboard",
})
# Guidance that starts with one of these reads as a topic ("guide for new hires").
TOPIC_STARTS = frozenset({"for", "on", "to", "about", "of", "with", "in", "at", "around",
                          "from", "through", "into", "vs", "versus", "and", "the", "a", "an"})
# A word that makes a text read as an instruction ("be concise", "our audience is …").
INSTRUCTION_WORDS = frozenset({
    "be", "is", "are", "am", "use", "keep", "avoid", "write", "prefer", "focus", "include",
    "always", "never", "don't", "dont", "do", "should", "must", "make", "aim", "assume",
    "stay", "answer", "speak", "mention", "no", "only", "please", "limit", "stick", "give",
    "add", "skip", "say", "consider", "favor", "favour", "target", "sound", "tone", "under",
    "explain", "suggest", "propose", "think", "treat", "remember", "ignore", "list",
})


@dataclass(frozen=True)
class BrainstormCommand:
    # "help" | "brainstorm" | "top" | "digest" | "stats" | "why" | "guide" | "usage" |
    # "board" | "forget" | "choose" (a private question: `text` says why, `run` is the command
    # offered and `topic` the topic offered)
    action: str
    text: str  # the topic for "brainstorm", the arguments otherwise
    run: str = ""
    topic: str = ""


def usage() -> str:
    """What `/brainstorm help` answers, in Slack mrkdwn, from the table."""
    lines = ["*idealoop* \u2014 brainstorm with the AI; you decide with emoji.",
             "\u2022 `/brainstorm <topic>` \u2014 the AI proposes ideas, one message each, in "
             "a thread",
             "\u2022 React :+1: (or :white_check_mark:, :fire:, :star: \u2026) to approve an "
             "idea, :-1: or :x: to reject it"]
    lines += [f"\u2022 `/brainstorm {row.grammar}` \u2014 {row.help}" for row in TABLE]
    lines += [PRIVATE_QUESTION,
              "Your reactions are stored as signals and steer what the AI proposes next in "
              "this channel."]
    return "\n".join(lines)


def readme_commands() -> str:
    """The docs' list of `/brainstorm` commands (docs/operating.md), from the table."""
    return "\n".join(["- `/brainstorm <topic>` \u2014 the AI proposes ideas, one message "
                      "each, in a thread",
                      *(f"- `/brainstorm {row.grammar}` \u2014 {row.help}" for row in TABLE),
                      "", PRIVATE_QUESTION])


def command_table() -> str:
    """The README's table of `/brainstorm` commands, from the table."""
    rows = [("<topic>", "the AI proposes ideas, one message each, in a thread"),
            *((row.grammar, row.help) for row in TABLE)]
    pipe = "\\|"  # a | in a table cell, even inside code
    return "\n".join(["| command | what it does |", "| --- | --- |",
                      *(f"| `/brainstorm {grammar.replace('|', pipe)}` | {what} |"
                        for grammar, what in rows)])


def shell_commands() -> str:
    """The sub-commands the shell's help names, from the table."""
    return ", ".join(row.forms[0] for row in TABLE if row.word not in ("help", "top"))


PRIVATE_QUESTION = ("When the words could be a topic or a command (`/brainstorm guide for new "
                    "hires`, `/brainstorm stat`), only you are asked which you meant, with "
                    "a button for each; nothing is posted or changed until you click. Quotes "
                    "always mean a topic: `/brainstorm \"top ideas for onboarding\"`.")


def parse(text: str | None, *, decided: bool = False) -> BrainstormCommand:
    """Read `/brainstorm` text. `decided`: the person already chose the command (a click
    on "Run /brainstorm …"), so guidance that reads like a topic is not asked about again."""
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
        near = near_subcommand(stripped)
        if near is not None and not decided:
            run = f"{near} {rest}".strip()
            return _choose(f"Did you mean `/brainstorm {run}`, or a brainstorm on "
                           f"\u201c{stripped}\u201d?", run, stripped)
        return BrainstormCommand("brainstorm", stripped)
    if word in ("help", "stats", "why", "usage", "board") and not rest:
        return BrainstormCommand(word, "")
    if word == "guide":  # alone: show it; "off": clear it; anything else: the guidance
        if rest and rest.lower() != "off" and could_be_topic(rest) and not decided:
            return _choose(f"Set \u201c{rest}\u201d as this channel's guidance for the AI, "
                           f"or brainstorm \u201c{stripped}\u201d?", f"guide {rest}", stripped)
        return BrainstormCommand("guide", rest)
    if word == "forget" and rest.lower() == "me":
        return BrainstormCommand("forget", "me")
    if word == "top" and rest.lower() in ("", *TOP_PERIODS):
        return BrainstormCommand("top", rest)
    if word == "digest":
        try:
            parse_schedule(rest, "UTC")
        except BadInput as exc:
            return _choose(f"{exc.user_message} Or did you mean a brainstorm on "
                           f"\u201c{stripped}\u201d?", suggest(stripped), stripped)
        return BrainstormCommand("digest", rest)
    return _choose(unclear(stripped), suggest(stripped), stripped)


def _choose(why: str, run: str, topic: str) -> BrainstormCommand:
    return BrainstormCommand("choose", why, run=run, topic=topic)


def fold(word: str) -> str:
    """A word without case, punctuation or spaces: `Forget-Me` → `forgetme`."""
    return "".join(ch for ch in word.lower() if ch.isalnum())


def near_subcommand(text: str) -> str | None:
    """The sub-command form `text` is likely a typo of, else None.

    A one-word text is near when, folded, it is within 2 edits (a swap of two letters
    counts as one) of a sub-command's form (`stat`, `hlep`, `usgae`, `forgetme`), or 1 edit
    for the three-letter ones (`tpo`, `wyh`; not every three-letter word). A longer text
    is near only when its first word is one edit from a sub-command of four letters or
    more and is not a real word (`gude be concise`; not `digests we could send`)."""
    words = text.split()
    folded = fold(text) if len(words) == 1 else fold(words[0])
    if not folded:
        return None
    best: tuple[int, str] | None = None
    for form in VALID_FORMS:
        target = fold(form)
        if len(words) > 1 and (len(target) < 4 or " " in form or folded in REAL_WORDS):
            continue
        limit = 1 if len(words) > 1 or min(len(target), len(folded)) <= 3 else 2
        distance = OSA.distance(folded, target, score_cutoff=limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, form)
    return best[1] if best else None


def could_be_topic(guidance: str) -> bool:
    """Whether guidance text reads as well as a topic: it starts with a preposition or an
    article (`for new hires`, `on pricing`), or it is a phrase with no instruction word and
    no sentence punctuation (`new hires`, `onboarding docs`). `be concise and use bullet
    points` and `Our audience is new customers; no jargon` are instructions."""
    words = [fold(word) for word in guidance.split()]
    if not words or words[0] in TOPIC_STARTS:
        return True
    raw = guidance.lower().replace("\u2019", "'")
    if any(mark in guidance for mark in ";:!") or guidance.rstrip().endswith("."):
        return False
    return not any(word in INSTRUCTION_WORDS or word.replace("'", "") in INSTRUCTION_WORDS
                   for word in [*words, *raw.split()])


def unclear(text: str) -> str:
    """What to tell someone whose sub-command did not parse: the closest form that works,
    and how to brainstorm such a topic instead."""
    return (f"`/brainstorm {text}` is not a command I know. Did you mean "
            f"`/brainstorm {suggest(text)}`, or a brainstorm on \u201c{text}\u201d? "
            f"(`/brainstorm help` lists the commands; quotes always mean a topic.)")


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
