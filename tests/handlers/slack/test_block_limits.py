"""Whatever the model writes, the builders keep within Slack's limits: their output is
checked with the emulator's own Block Kit rules (`bot.emulator.block_limits`, which cites
Slack's reference for each), for long ideas, many of them, and text that grows when
escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.emulator.block_limits import check_blocks, check_message
from bot.home import ChannelCard
from handlers.slack import blocks
from handlers.slack.mrkdwn import SECTION_LIMIT
from storage.brainstorms import BrainstormInputs, Steering
from storage.decisions import StoredDecision
from storage.reports import RankedItem
from storage.steering import Guidance

LONG = ("An idea the model would not stop writing & <kept> going @channel. " * 80)[:5000]


def ranked(n: int, text: str = LONG) -> RankedItem:
    return RankedItem(id=n, kind="idea", text=text, channel="C1", ts=f"{n}.000100",
                      topic="t" * 2000, score=40, approvals=40, rejections=0,
                      approvers=[f"U{i:09d}" for i in range(40)])


def sections(block_list: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in block_list if b["type"] == "section"]


@pytest.mark.parametrize("length", [5000, 8000, 40_000])
def test_a_long_idea_fits_one_message(length: int) -> None:
    text, shown = blocks.idea(7, ("word & <x> " * 5000)[:length], "m", offline=False)
    check_message(text, shown)


def test_a_5000_character_idea_is_shown_whole_across_sections() -> None:
    _, shown = blocks.idea(3, LONG, "m", offline=False)
    parts = sections(shown)
    assert len(parts) == 2 and all(len(p) <= SECTION_LIMIT for p in parts)
    assert parts[0].startswith("*3.* An idea")
    words = " ".join(parts).replace("*3.* ", "", 1).split()
    assert len(words) == len(LONG.split())  # nothing lost between the sections
    assert ":scissors:" not in str(shown)


def test_an_idea_past_three_sections_is_clipped_visibly() -> None:
    _, shown = blocks.idea(1, "word " * 4000, "m", offline=False)  # 20,000 characters
    parts = sections(shown)
    assert len(parts) == blocks.IDEA_SECTIONS and parts[-1].endswith("word …")
    [note] = [b["elements"][0]["text"] for b in shown
              if b["type"] == "context" and ":scissors:" in b["elements"][0]["text"]]
    assert "more characters of this idea are not shown" in note and "Draft this" in note
    assert shown[-2:] == [blocks.feedback_buttons(), blocks.next_steps(1)]  # still judged


def test_the_notification_text_of_a_long_idea_is_clipped() -> None:
    text, _ = blocks.idea(2, "y" * 8000, "m", offline=False)
    assert text.startswith("2. yyy") and "…" in text and len(text) < 2100


def test_a_digest_of_long_ideas_stays_within_limits() -> None:
    text, shown = blocks.digest([ranked(n) for n in range(60)], "day", "Monday",
                                {n: f"https://x.slack.com/p{n}" for n in range(60)},
                                names=lambda user: "n" * 80)
    check_message(text, shown)
    assert len(shown) == 2 + blocks.MAX_DIGEST_ITEMS
    assert all("<https://x.slack.com/p" in s for s in sections(shown)[1:])  # links intact


def test_the_top_list_of_long_ideas_stays_within_limits() -> None:
    items = [ranked(n) for n in range(10)]
    text, shown = blocks.top_list(items, "week", {n: f"https://x/p{n}" for n in range(10)})
    check_message(text, shown)
    assert all(s.rstrip().endswith("|open>") for s in sections(shown)[1:])


def test_home_with_many_channels_of_long_ideas_stays_within_a_views_limits() -> None:
    guidance = Guidance("g" * 600, "U1", datetime(2026, 1, 1, tzinfo=UTC))
    cards = [ChannelCard(f"C{n:08d}", 5, 1, 6, 9, [ranked(i) for i in range(3)],
                         "daily at 09:00 " + "z" * 500, guidance) for n in range(40)]
    at = datetime(2026, 12, 7, tzinfo=UTC)
    decisions = [StoredDecision(
        id=n, team="T1", channel="C1", item_id=n, thread_ts="1.000001", text="d" * 3000,
        note="n" * 1000, decider="U1", owner="U2", due=date(2026, 12, 8), status="planned",
        closed_by=None, created_at=at, updated_at=at, remind_on=date(2026, 12, 8),
        reminded_on=None, reminder_channel=None, reminder_ts=None) for n in range(20)]
    view = blocks.home_view(cards, offline=True, yours=decisions, due=decisions)
    check_blocks(view["blocks"], view=True)
    assert "17 more channels" in view["blocks"][-1]["elements"][0]["text"]


def test_why_with_long_inputs_stays_within_limits() -> None:
    inputs = {"guidance": "g" * 600, "approved": [LONG] * 40, "rejected": [LONG] * 40,
              "seed": LONG, "proposed": 60}
    text, shown = blocks.why(BrainstormInputs("t" * 2000, "m", inputs, Steering(40, 40, 3)))
    check_message(text, shown)


def test_a_header_for_the_longest_topic_stays_within_limits() -> None:
    text, shown = blocks.header("&" * 2000, "U1", status=blocks.thinking_status("m"))
    check_message(text, shown)


@pytest.mark.parametrize("state", ["writing", "done", "failed"])
def test_a_long_draft_part_stays_within_limits(state: str) -> None:
    text, shown = blocks.draft("<draft> " * 2000, "m", offline=False, state=state,
                               note="n" * 5000)
    check_message(text, shown)
