"""Offline drafts take the shape the instruction asks for, and say they are templates."""

from __future__ import annotations

import re

import pytest

from bot.llm.model import DraftRequest
from bot.llm.offline import drafting
from bot.llm.offline_model import OfflineModel

THREAD = ("[ana] Standups run 40 minutes now, far too long\n"
          "[ben] We could try 15 minutes from next Monday\n"
          "[cy] Who keeps time?")


def _body(text: str) -> str:
    body, _, closing = text.rpartition("\n\n")
    assert closing == drafting.CLOSING  # every draft says it is a template, by whom
    return body


@pytest.mark.parametrize(("instruction", "kind"), [
    ("Draft a short announcement of what we discussed", drafting.ANNOUNCEMENT),
    ("announce the new on-call rota", drafting.ANNOUNCEMENT),
    ("write a plan for shorter standups", drafting.PLAN),
    ("a rollout for the new laptops", drafting.PLAN),
    ("list the options", drafting.LIST),
    ("a checklist for the release", drafting.LIST),
    ("reply to Cy", drafting.REPLY),
    ("draft a polite answer to the customer", drafting.REPLY),
    ("Summarise this thread: the question, what was said, and what is open.",
     drafting.SUMMARY),
    ("tl;dr please", drafting.SUMMARY),
    ("make it better", drafting.NOTE),
])
def test_the_instruction_names_the_shape(instruction: str, kind: str) -> None:
    assert drafting.kind_of(instruction) == kind


def test_an_announcement_says_what_changes_from_when_and_what_to_do() -> None:
    body = _body(drafting.draft("Draft a short announcement of what we discussed", THREAD))
    assert body.startswith("*📣 ")
    assert "Heads-up, everyone" in body
    assert "• What changes: We could try 15 minutes from next Monday" in body
    assert "• From when: next Monday" in body  # a date the thread gave, not an invented one
    assert "What you need to do: [" in body
    assert "Goal:" not in body
    asked = drafting.draft("announce the new rota starting next month", "")
    assert "• From when: next month" in asked  # the instruction's own date comes first


def test_a_plan_has_numbered_steps_each_with_an_owner_and_a_date() -> None:
    body = _body(drafting.draft("write a plan for shorter standups", THREAD))
    assert body.startswith("*Plan: Shorter standups*")
    steps = re.findall(r"^\d+\. .+ — owner: \[name\], by \[date\]$", body, re.MULTILINE)
    assert len(steps) == 3  # two statements from the thread, then the check
    assert "Who keeps time?" not in body  # a question is not a step
    assert _body(drafting.draft("write a plan for shorter standups", "")).count("[") >= 4


def test_a_list_is_a_list_of_the_thread_lines() -> None:
    body = _body(drafting.draft("list the options", THREAD))
    assert body.splitlines()[0] == "*The options*"
    assert [line for line in body.splitlines() if line.startswith("• ")] == [
        "• Standups run 40 minutes now, far too long",
        "• We could try 15 minutes from next Monday", "• Who keeps time?"]


def test_a_reply_answers_the_last_message_and_its_question() -> None:
    body = _body(drafting.draft("reply to Cy", THREAD))
    assert body.startswith("Thanks cy, on “Who keeps time?”")
    assert "To your question “Who keeps time?”: [your answer]." in body


def test_a_summary_says_who_said_what_and_what_is_open() -> None:
    body = _body(drafting.draft("Summarise this thread", THREAD))
    assert body.splitlines()[0] == "*Summary of the thread*"
    assert "• Started with: ana: Standups run 40 minutes now" in body
    assert "• Then: ben: We could try 15 minutes" in body
    assert "• Open: Who keeps time?" in body
    assert "nothing in the thread" in drafting.draft("summarise", "")


def test_the_shapes_differ() -> None:
    firsts = {drafting.draft(i, THREAD).splitlines()[0] for i in (
        "announce it", "a plan for it", "list it", "reply to it", "summarise it")}
    assert len(firsts) == 5


def test_shorter_keeps_half_the_points() -> None:
    first = drafting.draft("list the options", THREAD)
    shorter = drafting.draft("make it shorter", THREAD, previous=first)
    assert shorter.count("\n• ") == 1 and shorter.endswith(drafting.CLOSING)


def test_the_offline_model_drafts_in_shape_and_draft_this_is_a_plan() -> None:
    model = OfflineModel()
    text = "".join(model.draft_stream(DraftRequest(instruction="announce the trial",
                                                   thread_text=THREAD)))
    assert text.startswith("*📣 The trial*")
    idea = "".join(model.draft_stream(DraftRequest(
        instruction="x", thread_text="", ideas=[(1, "Fifteen-minute standups")],
        about_idea=True)))
    assert idea.startswith("*Plan: ")
