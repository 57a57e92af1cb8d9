"""Tests for the Block Kit builders (`handlers/slack/blocks.py`).

Why these cases: every message the bot posts needs a non-empty fallback `text` (shown in
notifications and to screen readers), every AI-written message must say so and name the
model, nothing from the LLM or a person may reach Slack as markup, and Slack rejects
sections longer than 3000 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulator.block_kit import check_blocks
from bot.llm.offline.generator import OFFLINE_MODEL
from handlers.slack import blocks
from handlers.slack.mrkdwn import SECTION_LIMIT
from storage.brainstorms import Steering
from storage.reports import RankedItem

EVIL = "<!channel> @here <@U999> <https://evil.example|docs> & more"
# Slack markup the builders themselves may emit: mentions of the requester or approvers,
# and permalinks. Anything else in angle brackets came from untrusted text.
_OWN_MARKUP = re.compile(r"<@U[A-Z0-9]+>|<https://slack\.example/[^|>]+\|open>")


def _texts(payload: Any) -> Iterator[str]:
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _texts(value)


def _sections(block_list: blocks.Blocks) -> list[str]:
    return [b["text"]["text"] for b in block_list if b["type"] == "section"]


def _assert_inert(text: str) -> None:
    rest = _OWN_MARKUP.sub("", text)
    assert "<" not in rest and ">" not in rest, text
    assert not re.search(r"@(channel|here|everyone)\b", rest, re.IGNORECASE), text


def _item(item_id: int, text: str, **kw: Any) -> RankedItem:
    fields: dict[str, Any] = dict(
        id=item_id, kind="idea", text=text, channel="C1", ts=f"1700000000.00000{item_id}",
        topic="standups", score=2, approvals=3, rejections=1, approvers=["U1", "U2"],
    )
    fields.update(kw)
    return RankedItem(**fields)


def _all_builders() -> list[tuple[str, blocks.Blocks]]:
    return [
        blocks.header("standups", "U1", status=blocks.thinking_status("gpt-4o-mini")),
        blocks.header("", "U1", status=blocks.failed_status("The AI could not answer.")),
        blocks.idea(1, "Rotate hosts", "gpt-4o-mini", offline=False),
        blocks.idea(2, "", OFFLINE_MODEL, offline=True),
        blocks.top_list([], "week", {}),
        blocks.top_list([_item(1, "Rotate hosts")], "all", {}),
    ]


@pytest.mark.parametrize("index", range(6))
def test_every_builder_returns_fallback_and_blocks(index: int) -> None:
    text, block_list = _all_builders()[index]
    assert isinstance(text, str) and text.strip()
    assert isinstance(block_list, list) and block_list
    for block in block_list:
        assert block["type"] in {"section", "context", "actions", "context_actions"}
    for body in _texts(block_list):
        assert body.strip()


def test_idea_message_shape_online() -> None:
    text, block_list = blocks.idea(3, "Rotate hosts weekly", "gpt-4o-mini", offline=False)
    assert text == "3. Rotate hosts weekly — AI-written by gpt-4o-mini"
    assert block_list == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*3.* Rotate hosts weekly"}},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": ":robot_face: AI-written by `gpt-4o-mini` (LLM)"}
            ],
        },
        {"type": "context_actions", "elements": [{
            "type": "feedback_buttons", "action_id": "idealoop_feedback",
            "positive_button": {"text": {"type": "plain_text", "text": "👍", "emoji": True},
                                "value": "up", "accessibility_label": "Approve this"},
            "negative_button": {"text": {"type": "plain_text", "text": "👎", "emoji": True},
                                "value": "down", "accessibility_label": "Reject this"}}]},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": "idealoop_draft_this", "value": "3",
             "text": {"type": "plain_text", "text": ":memo: Draft this", "emoji": True}},
            {"type": "button", "action_id": "idealoop_more_like_this", "value": "3",
             "text": {"type": "plain_text", "text": ":sparkles: More like this",
                      "emoji": True}}]},
    ]


def test_idea_message_offline_label() -> None:
    text, block_list = blocks.idea(1, "Rotate hosts", OFFLINE_MODEL, offline=True)
    assert OFFLINE_MODEL in text
    label = block_list[1]["elements"][0]["text"]
    assert label == f":robot_face: AI-written by `{OFFLINE_MODEL}` (offline generator, no LLM)"


def test_ai_label() -> None:
    assert blocks.ai_label("llama3") == ":robot_face: AI-written by `llama3` (LLM)"
    assert "offline generator" in blocks.ai_label("x", offline=True)
    assert "offline generator" not in blocks.ai_label("x", offline=False)


def test_done_status_has_count_label_and_what_steered_it() -> None:
    status = blocks.done_status(4, "gpt-4o-mini", offline=False, steering=Steering(6, 3, 1))
    first, steered = status.split("\n")
    assert first.startswith(":thread: 4 ideas in the thread")
    assert first.endswith(blocks.ai_label("gpt-4o-mini"))
    assert steered == (":compass: Steered by 6 approved ideas and 3 rejected ideas from this "
                       "channel; 1 proposal dropped as the same as a rejected idea.")
    offline = blocks.done_status(5, OFFLINE_MODEL, offline=True, steering=Steering())
    assert blocks.ai_label(OFFLINE_MODEL, offline=True) in offline
    assert "Nothing steered this one yet" in offline
    assert "Steered by 1 approved idea and 0 rejected ideas from this channel." in \
        blocks.done_status(1, "m", offline=False, steering=Steering(1, 0, 0))


def test_thinking_and_failed_status() -> None:
    assert blocks.thinking_status("m1") == ":hourglass_flowing_sand: Thinking… (`m1`)"
    assert blocks.failed_status("Try again.") == ":warning: Try again."


def test_header_shape() -> None:
    status = blocks.thinking_status("m1")
    text, block_list = blocks.header("shorter standups", "U42", status=status)
    assert text == f"Brainstorm: shorter standups (asked by <@U42>) {status}"
    assert _sections(block_list) == [":bulb: *Brainstorm:* shorter standups\nAsked by <@U42>"]
    assert block_list[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": status}]}


def test_idea_text_and_model_neutralised() -> None:
    text, block_list = blocks.idea(1, EVIL, "<!here>model", offline=False)
    for body in [text, *_texts(block_list)]:
        _assert_inert(body)
    assert "&lt;!channel&gt;" in _sections(block_list)[0]
    assert "&amp; more" in text


def test_header_topic_neutralised() -> None:
    text, block_list = blocks.header(EVIL, "U1", status=blocks.thinking_status("<!everyone>"))
    for body in [text, *_texts(block_list)]:
        _assert_inert(body)
    assert "<@U1>" in _sections(block_list)[0]


def test_top_list_item_text_and_topic_neutralised() -> None:
    item = _item(7, EVIL, topic=EVIL)
    text, block_list = blocks.top_list([item], "day", {7: "https://slack.example/p7"})
    for body in [text, *_texts(block_list)]:
        _assert_inert(body)
    section = _sections(block_list)[1]
    assert "<https://slack.example/p7|open>" in section
    assert "<@U1>, <@U2>" in section


def test_top_list_content() -> None:
    items = [_item(1, "Rotate hosts"), _item(2, "Timebox", rejections=0, approvers=[], topic=None)]
    text, block_list = blocks.top_list(items, "week", {})
    assert text == "Top ideas — the last 7 days"
    sections = _sections(block_list)
    assert sections[0] == ":trophy: *Top ideas — the last 7 days*"
    assert sections[1] == (
        "*1.* Rotate hosts\nscore +2 · 3 :+1: · 1 :-1: · approved by <@U1>, <@U2> · from _standups_"
    )
    assert sections[2] == "*2.* Timebox\nscore +2 · 3 :+1:"


def test_top_list_empty() -> None:
    text, block_list = blocks.top_list([], "day", {})
    assert text == "No approved ideas in this channel for the last day yet. React :+1: on an idea!"
    assert _sections(block_list) == [text]


@pytest.mark.parametrize("length", [2999, 3000, 3001, 10_000])
def test_idea_section_never_exceeds_limit(length: int) -> None:
    _, block_list = blocks.idea(10, "a" * length, "m", offline=False)
    sections = _sections(block_list)
    assert all(len(section) <= SECTION_LIMIT for section in sections)
    assert sections[0].startswith("*10.* aaa")
    shown = "".join(sections).count("a")
    if length <= 3 * 2990:  # shown whole, across sections
        assert shown == length
    else:  # past three sections: clipped, and the message says so
        assert shown < length and ":scissors:" in str(block_list)


def test_escaping_growth_still_respects_limit() -> None:
    # 2000 `<` become 8000 characters once escaped; each section must still fit, and
    # the idea is shown whole across them.
    text, block_list = blocks.idea(1, "<" * 2000, "m", offline=False)
    sections = _sections(block_list)
    assert len(sections) == 3 and all(len(s) <= SECTION_LIMIT for s in sections)
    assert not any("<" in s for s in sections)
    assert "".join(sections).count("&lt;") == 2000
    assert "<" not in text


def test_header_section_never_exceeds_limit() -> None:
    _, block_list = blocks.header("x" * 5000, "U1", status="s")
    assert len(_sections(block_list)[0]) == SECTION_LIMIT


def test_top_list_sections_never_exceed_limit() -> None:
    items = [_item(1, "b" * 5000, topic="<" * 2000, approvers=[f"U{i}" for i in range(50)])]
    _, block_list = blocks.top_list(items, "all", {1: "https://slack.example/p1"})
    for section in _sections(block_list):
        assert len(section) <= SECTION_LIMIT
    body = _sections(block_list)[1]
    assert body.startswith("*1.* " + "b" * 499 + "…\n")
    assert body.count("<@U") == 10


@pytest.mark.parametrize("length", [4, 74, 75, 76, 300, 1900, 1990, 4000])
def test_the_command_or_topic_question_stays_within_slacks_button_limits(length: int) -> None:
    """Button text at most 75 characters, value at most 2,000; a topic too long to carry
    leaves its button out (the question still names it)."""
    topic = "x" * length
    shown = blocks.choice(f"Did you mean `/brainstorm stats`, or a brainstorm on {topic}?",
                          user="U0ALICE", run="stats", topic=topic, key="trig-1")
    check_blocks(shown)  # the emulator's rules, which cite Slack's reference
    buttons = [element for block in shown if block["type"] == "actions"
               for element in block["elements"]]
    assert all(len(button["text"]["text"]) <= blocks.BUTTON_TEXT_LIMIT
               and len(button["value"]) <= blocks.BUTTON_VALUE_LIMIT for button in buttons)
    ids = [button["action_id"] for button in buttons]
    fits = len(topic) < blocks.BUTTON_VALUE_LIMIT - 40
    assert ids == [blocks.CHOOSE_COMMAND_ACTION] + ([blocks.CHOOSE_TOPIC_ACTION] if fits else [])
