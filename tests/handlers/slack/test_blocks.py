"""Tests for the Block Kit builders (`handlers/slack/blocks.py`).

Why these cases: every message the bot posts needs a non-empty fallback `text` (shown in
notifications and to screen readers), every AI-written message must say so and name the
model, nothing from the LLM or a person may reach Slack as markup, and Slack rejects
sections longer than 3000 characters.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.decisions import Proposal
from bot.emulator.block_limits import check_blocks
from bot.home import ChannelCard
from bot.ideas import BrainstormInputs, Guidance, Steering
from bot.llm.offline.generator import OFFLINE_MODEL
from bot.ranking import RankedItem
from bot.rejections import BY_MEANING
from handlers.slack import blocks
from handlers.slack.mrkdwn import SECTION_LIMIT
from storage.decisions import StoredDecision

EVIL = "<!channel> @here <@U999> <https://evil.example|docs> & more"
# Slack markup the builders themselves may emit: mentions of the requester or approvers
# (U1 and U2 in these tests; EVIL's <@U999> is a person's text), and permalinks. Anything
# else in angle brackets came from untrusted text.
_OWN_MARKUP = re.compile(r"<@U[12]>|<https://slack\.example/[^|>]+\|open>")


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


# Every argument that may carry a person's or the LLM's words gets all of Slack's pings.
PINGS = "<!here> <!channel> <!everyone> @here @channel <@U999> <!subteam^S1> " + EVIL
OWN_USER, APPROVER, OWN_CHANNEL = "U0OWN", "U0APPROVER", "C0OWN"
# What the builders themselves may write: the requester, approvers in `/brainstorm top`,
# the channel a card or modal is about, permalinks to the app's own messages, and the
# placeholders of the usage they show (`/brainstorm <topic>`).
_BUILDERS_OWN = re.compile(rf"<@(?:{OWN_USER}|{APPROVER})>|<#{OWN_CHANNEL}>|<(?:text|topic)>"
                           r"|<https://slack\.example/[^|>]+\|(?:open|open the discussion)>")
_APP_WORDS = "The AI could not answer (it took too long). Try again in a minute."


def _evil_item(item_id: int) -> RankedItem:
    return _item(item_id, PINGS, topic=PINGS, approvers=[APPROVER])


def _evil_inputs() -> BrainstormInputs:
    return BrainstormInputs(
        topic=PINGS, model=PINGS, steering=Steering(2, 1, 1, guided=True),
        inputs={"guidance": PINGS, "approved": [PINGS], "rejected": [PINGS, ""],
                "seed": PINGS, "proposed": 3, "passed_over": 2, "offline": True,
                "matcher": BY_MEANING + PINGS})


def _evil_proposal() -> Proposal:
    return Proposal(item_id=1, kind="idea", channel=OWN_CHANNEL, thread_ts="1.000001",
                    text=PINGS)


def _evil_decision() -> StoredDecision:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    return StoredDecision(
        id=1, team="T1", channel=OWN_CHANNEL, item_id=1, thread_ts="1.000001", text=PINGS,
        note=PINGS, decider=OWN_USER, owner=APPROVER, due=date(2026, 12, 14),
        status="planned", closed_by=None, created_at=at, updated_at=at,
        remind_on=date(2026, 12, 14), reminded_on=None, reminder_channel=None,
        reminder_ts=None)


def _evil_card() -> ChannelCard:
    return ChannelCard(channel=OWN_CHANNEL, approved=2, rejected=1, judged=3, posted=5,
                       top=[_evil_item(1)], digest=PINGS,
                       guidance=Guidance(PINGS, OWN_USER, datetime(2026, 1, 2, tzinfo=UTC)))


# Each public builder of `handlers.slack.blocks`, called with people's and the LLM's words
# wherever it takes them (the app's own words where only those are passed). A builder
# added without a line here fails `test_every_builder_is_checked_for_pings`.
SAMPLES: dict[str, Callable[[], list[object]]] = {
    "feedback_buttons": lambda: [blocks.feedback_buttons()],
    "next_steps": lambda: [blocks.next_steps(3)],
    "forget_ask": lambda: [blocks.forget_ask(_APP_WORDS)],
    "choice": lambda: [blocks.choice(PINGS, user=OWN_USER, run="top", topic=PINGS, key="k")],
    "ai_label": lambda: [blocks.ai_label(PINGS), blocks.ai_label(PINGS, offline=True)],
    "header": lambda: [blocks.header(PINGS, OWN_USER, status=blocks.thinking_status(PINGS),
                                     explains=True, more_like=2)],
    "thinking_status": lambda: [blocks.thinking_status(PINGS)],
    "done_status": lambda: [blocks.done_status(5, PINGS, offline=False,
                                               steering=Steering(1, 2, 3), note=_APP_WORDS)],
    "steered_by": lambda: [blocks.steered_by(Steering(4, 5, 6, guided=True))],
    "failed_status": lambda: [blocks.failed_status(_APP_WORDS)],
    "stopped_by": lambda: [blocks.stopped_by(OWN_USER)],
    "stopped_status": lambda: [blocks.stopped_status(blocks.stopped_by(OWN_USER), 2)],
    "idea": lambda: [blocks.idea(1, PINGS, PINGS, offline=False),
                     blocks.idea(2, PINGS * 200, PINGS, offline=True)],
    "draft": lambda: [blocks.draft(PINGS, PINGS, offline=False, state=state, note=note,
                                   sources=PINGS, part=(1, 2))
                      for state, note in (("writing", ""), ("done", ""), ("failed", PINGS),
                                          ("stopped", blocks.stopped_by(OWN_USER)))],
    "stream_opening": lambda: [blocks.stream_opening(PINGS, mode)
                               for mode in ("draft", "feedback", "polish")],
    "drafting_placeholder": lambda: [blocks.drafting_placeholder(PINGS, mode)
                                     for mode in ("draft", "feedback", "polish")],
    "digest": lambda: [blocks.digest([_evil_item(1), _evil_item(2)], period, "week 49",
                                     {1: "https://slack.example/p1"}, lambda user: PINGS,
                                     decided=[_evil_decision()])
                       for period in ("day", "week")],
    "stats": lambda: [blocks.stats([_APP_WORDS, _APP_WORDS])],
    "why": lambda: [blocks.why(_evil_inputs()), blocks.why(_evil_inputs(), latest=False),
                    blocks.why(BrainstormInputs(PINGS, PINGS, None, Steering())),
                    blocks.why(None)],
    "top_list": lambda: [blocks.top_list([_evil_item(1)], "week",
                                         {1: "https://slack.example/p1"})],
    "guidance_shown": lambda: [blocks.guidance_shown(_evil_card().guidance),
                               blocks.guidance_shown(None)],
    "guidance_set": lambda: [blocks.guidance_set(OWN_USER, PINGS)],
    "guidance_cleared": lambda: [blocks.guidance_cleared(OWN_USER)],
    "home_view": lambda: [blocks.home_view([_evil_card()], offline=True,
                                           yours=[_evil_decision()], due=[_evil_decision()]),
                          blocks.home_view([], offline=False)],
    "schedule_modal": lambda: [blocks.schedule_modal(OWN_CHANNEL, PINGS)],
    "guidance_modal": lambda: [blocks.guidance_modal(OWN_CHANNEL, _evil_card().guidance)],
    "home_unavailable": lambda: [blocks.home_unavailable(_APP_WORDS)],
    "decide_modal": lambda: [blocks.decide_modal(_evil_proposal(), decider=OWN_USER,
                                                 due="2026-12-14", metadata=PINGS)],
    "decision_announced": lambda: [blocks.decision_announced(_evil_decision())],
    "reminder": lambda: [blocks.reminder(_evil_decision()),
                         blocks.reminder(_evil_decision(), "https://slack.example/p1")],
    "reminder_answered": lambda: [blocks.reminder_answered(_evil_decision(), _APP_WORDS,
                                                           OWN_USER)],
    "decision_list": lambda: [blocks.decision_list("Yours", [_evil_decision()], "none"),
                              blocks.decision_list("Yours", [], "none")],
}


def _public_builders() -> set[str]:
    return {name for name, value in vars(blocks).items()
            if inspect.isfunction(value) and value.__module__ == blocks.__name__
            and not name.startswith("_")}


def _mrkdwn(payload: Any) -> Iterator[str]:
    """The texts Slack reads as mrkdwn (and so as pings): mrkdwn text objects, a
    message's fallback `text`, and what the status builders return for them."""
    if isinstance(payload, str):
        yield payload
    elif isinstance(payload, tuple):
        for part in payload:
            yield from _mrkdwn(part)
    elif isinstance(payload, dict):
        if payload.get("type") == "mrkdwn":
            yield str(payload["text"])
        for value in payload.values():
            if isinstance(value, (dict, list)):
                yield from _mrkdwn(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _mrkdwn(value)


def test_every_builder_is_checked_for_pings() -> None:
    assert _public_builders() == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_no_builder_lets_peoples_words_ping_anyone(name: str) -> None:
    for built in SAMPLES[name]():
        for text in _mrkdwn(built):
            rest = _BUILDERS_OWN.sub("", text)
            assert "<" not in rest, (name, text)  # no markup: a lone ">" is a quote
            assert not re.search(r"@(channel|here|everyone)\b", rest, re.IGNORECASE), \
                (name, text)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_builder_returns_fallback_and_blocks(name: str) -> None:
    """Messages have a fallback and valid blocks; views and block lists valid blocks;
    the status lines they put in a block some words."""
    for built in SAMPLES[name]():
        if isinstance(built, tuple):
            text, block_list = built
            assert isinstance(text, str) and text.strip()
            assert isinstance(block_list, list) and block_list
            check_blocks(block_list)
        elif isinstance(built, list):
            assert built
            check_blocks(built)
        elif isinstance(built, dict) and "blocks" in built:
            assert built["type"] in {"home", "modal"} and built["blocks"]
            check_blocks(built["blocks"], view=True)
        elif isinstance(built, dict):  # one block
            check_blocks([built])
        else:
            assert isinstance(built, str) and built.strip()
        for body in _texts(built):
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
                      "emoji": True}},
            {"type": "button", "action_id": "idealoop_decide", "value": "3",
             "text": {"type": "plain_text", "text": ":white_check_mark: Decide…",
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
