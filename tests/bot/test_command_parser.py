"""Tests for reading `/brainstorm …` (`bot/command_parser.py`), sub-commands and digest schedules.

Why these cases: a line that starts with a sub-command's word is that sub-command, and
one that does not parse is explained to the person (never brainstormed in public); a
quoted topic is brainstormed whatever its first word; the topic reaches the LLM with
its whitespace tidied.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.command_parser import (
    SUBCOMMANDS,
    TABLE,
    BrainstormCommand,
    could_be_topic,
    parse,
    parse_schedule,
    readme_commands,
    usage,
)
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


@pytest.mark.parametrize("text", ["topology of our services", "helpful onboarding",
                                  "statistics for the team", "digests we could send",
                                  "Top-down planning"])
def test_topics_that_merely_share_letters_with_a_command_are_brainstorms(text: str) -> None:
    assert parse(text) == BrainstormCommand("brainstorm", text)


@pytest.mark.parametrize(("text", "closest"), [
    ("top month", "top"),
    ("top ideas for onboarding", "top"),
    ("digest dailly", "digest daily"),
    ("digest weekley 09:00", "digest weekly 09:00"),
    ("stats please", "stats"),
    ("help me plan the offsite", "help"),
    ("digest daily standup notes", "digest daily"),
])
def test_a_command_that_does_not_parse_is_explained_never_brainstormed(
        text: str, closest: str) -> None:
    """Never a public brainstorm of a typo: the person alone is asked, with the closest
    form that works and the whole text as a topic."""
    parsed = parse(text)
    assert parsed.action == "choose"
    assert f"Did you mean `/brainstorm {closest}`" in parsed.text
    assert f"a brainstorm on \u201c{text}\u201d?" in parsed.text
    assert (parsed.run, parsed.topic) == (closest, text)


@pytest.mark.parametrize(("text", "topic"), [
    ('"top ideas for onboarding"', "top ideas for onboarding"),
    ("“digest of customer feedback”", "digest of customer feedback"),
    ("'help desk backlog'", "help desk backlog"),
    ('"  stats   dashboards "', "stats dashboards"),
])
def test_a_quoted_topic_is_brainstormed_whatever_its_first_word(text: str, topic: str) -> None:
    assert parse(text) == BrainstormCommand("brainstorm", topic)


@pytest.mark.parametrize(("args", "period", "at", "zone"), [
    ("daily 09:00 UTC", "day", "09:00", "UTC"),
    ("daily Europe/Berlin 09:00", "day", "09:00", "Europe/Berlin"),
    ("09:15 weekly america/new_york", "week", "09:15", "America/New_York"),
    ("DAILY utc", "day", "09:00", "UTC"),
])
def test_the_digest_schedule_reads_in_any_order(args: str, period: str, at: str,
                                                zone: str) -> None:
    assert parse(f"digest {args}").action == "digest"
    change = parse_schedule(args, "Europe/London")
    assert (change.period, change.at_time, change.timezone, change.off) == \
        (period, at, zone, False)


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


@pytest.mark.parametrize(("args", "said"), [
    ("daily 09:00 10:00", "one time, not both `09:00` and `10:00`"),
    ("daily UTC Europe/Berlin", "one time zone, not both `UTC` and `Europe/Berlin`"),
    ("off now", "`/brainstorm digest off` takes nothing after it"),
    ("daily off", "`/brainstorm digest off` takes nothing after it"),
])
def test_a_schedule_that_says_two_things_is_refused_with_the_reason(args: str,
                                                                      said: str) -> None:
    with pytest.raises(BadInput, match=re.escape(said)):
        parse_schedule(args, "UTC")


@pytest.mark.parametrize(("text", "action"), [
    ("why", "why"), ("WHY", "why"),
    ("why do our standups run long", "brainstorm"),  # a question is a topic
])
def test_why_alone_explains_and_a_why_question_is_a_topic(text: str, action: str) -> None:
    assert parse(text).action == action


def test_guide_shows_sets_or_clears() -> None:
    assert parse("guide") == BrainstormCommand("guide", "")
    assert parse("guide off") == BrainstormCommand("guide", "off")
    assert parse("Guide Our audience is new customers") == BrainstormCommand(
        "guide", "Our audience is new customers")
    assert parse("guide for new joiners").action == "choose"
    assert parse('"guide for new joiners"') == BrainstormCommand(
        "brainstorm", "guide for new joiners")


# --- the table, near misses, and words that could be a topic ---------------------------

TOPICS = [line.strip() for line in (Path(__file__).parents[1] / "data" /
                                    "topics_starting_with_commands.txt").read_text().splitlines()
          if line.strip() and not line.startswith("#")]


def near_misses(word: str) -> set[str]:
    """Typos of `word` one edit away: a letter dropped, two neighbours swapped, a letter
    doubled, a letter replaced; and the word in capitals with a full stop."""
    typos = {word[:i] + word[i + 1:] for i in range(len(word))}
    typos |= {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    typos |= {word[:i] + word[i] + word[i:] for i in range(len(word))}
    typos |= {word[:i] + "x" + word[i + 1:] for i in range(len(word))}
    typos.add(word.upper() + ".")
    return {typo for typo in typos if typo and typo.replace(".", "").lower() != word}


CASES = [(typo, row.forms[0]) for row in TABLE
         for typo in sorted(near_misses(row.forms[0].replace(" ", "")))
         if typo.lower().rstrip(".") not in SUBCOMMANDS]


@pytest.mark.parametrize(("typo", "form"), CASES)
def test_every_near_miss_of_every_subcommand_is_asked_about_never_brainstormed(
        typo: str, form: str) -> None:
    parsed = parse(typo)
    assert parsed.action == "choose", parsed
    assert parsed.topic == typo
    assert parse(parsed.run).action != "choose"  # the offered command runs as it is


@pytest.mark.parametrize(("typed", "run"), [
    ("stat", "stats"), ("tpo", "top"), ("hlep", "help"), ("usgae", "usage"), ("wyh", "why"),
    ("forgetme", "forget me"), ("gude", "guide"), ("gude be concise", "guide be concise"),
    ("Forget-Me", "forget me"), ("tops", "top"), ("hello", "help"),
])
def test_the_measured_typos_offer_the_command_and_the_topic(typed: str, run: str) -> None:
    assert parse(typed) == BrainstormCommand("choose", parse(typed).text, run=run, topic=typed)


@pytest.mark.parametrize("text", ["shorter standups", "onboarding", "retros", "tea",
                                  "whole team offsite", "stop doing status meetings",
                                  "state of the union", "helpful onboarding",
                                  "sage advice for managers", "usage-based pricing"])
def test_words_far_from_every_subcommand_are_brainstormed_at_once(text: str) -> None:
    assert parse(text) == BrainstormCommand("brainstorm", text)


@pytest.mark.parametrize("guidance", [
    "for new hires", "on pricing", "to the point", "about our customers", "of the week",
    "with examples", "new hires", "onboarding docs", "dogs at the office"])
def test_guidance_that_reads_as_a_topic_is_asked_about(guidance: str) -> None:
    parsed = parse(f"guide {guidance}")
    assert parsed == BrainstormCommand("choose", parsed.text, run=f"guide {guidance}",
                                       topic=f"guide {guidance}")
    assert could_be_topic(guidance)
    assert parse(parsed.run, decided=True) == BrainstormCommand("guide", guidance)


@pytest.mark.parametrize("guidance", [
    "be concise and use bullet points", "Our audience is new customers", "keep it short",
    "avoid jargon", "never propose layoffs", "Plain words; no jargon", "Formal tone.",
    "Don't mention competitors", "assume a budget under 5k"])
def test_clear_instructions_set_the_guidance_directly(guidance: str) -> None:
    assert parse(f"guide {guidance}") == BrainstormCommand("guide", guidance)
    assert not could_be_topic(guidance)


@pytest.mark.parametrize("topic", TOPICS)
def test_real_topics_that_start_with_a_command_word_never_change_anything_unasked(
        topic: str) -> None:
    """Each is either brainstormed at once or asked about with itself as the topic;
    never a setting, never a public post on a guess."""
    parsed = parse(topic)
    assert parsed == BrainstormCommand("brainstorm", topic) or \
        (parsed.action == "choose" and parsed.topic == topic), parsed
    assert parse(f"\u201c{topic}\u201d") == BrainstormCommand("brainstorm", topic)


def test_the_topic_list_holds_fifty_topics() -> None:
    assert len(TOPICS) == 50 and len(set(TOPICS)) == 50


def test_help_lists_every_subcommand_from_the_table() -> None:
    text = usage()
    for row in TABLE:
        assert f"`/brainstorm {row.grammar}` \u2014 {row.help}" in text


def test_the_readme_lists_the_commands_of_the_table() -> None:
    readme = (Path(__file__).parents[2] / "docs" / "operating.md").read_text()
    listed = readme.split("<!-- commands -->\n", 1)[1].split("\n<!-- /commands -->", 1)[0]
    assert listed == readme_commands()
