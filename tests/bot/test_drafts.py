"""What a mention asks for: the instruction, and the brainstorm ideas it refers to."""

from __future__ import annotations

import pytest

from bot.drafts import (
    Asked,
    asked_for,
    instruction_from,
    is_small_talk,
    missing_ideas,
    referenced_ideas,
    text_to_review,
)
from bot.llm.thread_fitting import ThreadMessage


def test_instruction_and_idea_references() -> None:
    assert instruction_from("<@U0BOT> shorter please") == "shorter please"
    assert instruction_from("<@U0BOT>").startswith("Summarise this thread")
    ideas = ["a", "b", "c", "d", "e"]
    assert referenced_ideas("expand idea 3", ideas) == [(3, "c")]
    assert referenced_ideas("draft a plan for 2 and 5 in 200 words", ideas) == [(2, "b"), (5, "e")]
    assert referenced_ideas("meet at 10:30 on 2.5", ideas) == []


def test_ideas_named_that_the_brainstorm_does_not_have() -> None:
    assert missing_ideas("expand idea 9", 5) == [9]
    assert missing_ideas("a plan for ideas 2 and 7, and idea #12", 5) == [7, 12]
    assert missing_ideas("expand idea 3 in 200 words by 5 May", 5) == []  # not ideas
    assert missing_ideas("make it 2 paragraphs", 5) == []


@pytest.mark.parametrize(("text", "asked"), [
    ("<@U0BOT> summarise", Asked("draft", "summarise")),
    ("<@U0BOT> feedback", Asked("feedback", "")),
    ("<@U0BOT> Feedback on the tone", Asked("feedback", "on the tone")),
    ("<@U0BOT> critique: We ship Friday.", Asked("feedback", "", "We ship Friday.")),
    ("<@U0BOT> polish my note: We ship Friday.", Asked("polish", "my note", "We ship Friday.")),
    ("<@U0BOT> proofread this\nWe ship\non Friday.", Asked("polish", "this",
                                                           "We ship\non Friday.")),
    ("<@U0BOT> polish " + "word " * 30, Asked("polish", "", ("word " * 30).strip())),
    ("<@U0BOT> polished drafts please", Asked("draft", "polished drafts please")),
    ("<@U0BOT> feedbacks", Asked("draft", "feedbacks")),
])
def test_what_a_mention_asks_for(text: str, asked: Asked) -> None:
    assert asked_for(text) == asked


def _message(ts: str, text: str, user: str | None = "U0ALICE") -> ThreadMessage:
    return ThreadMessage(author=user or "idealoop (AI)", text=text, ts=ts, user=user)


def test_the_text_under_review_is_the_persons_latest_not_a_request_to_the_bot() -> None:
    thread = [_message("1", "Root by Bob", "U0BOB"), _message("2", "My first try"),
              _message("3", "The AI's draft", None), _message("4", "My second try"),
              _message("5", "<@U0BOT> feedback"), _message("6", "<@U0BOT> polish")]
    assert text_to_review(thread, "U0ALICE", "6", "U0BOT").text == "My second try"
    # nothing of hers: the first message, when a person wrote it
    assert text_to_review(thread, "U0CAROL", "6", "U0BOT").text == "Root by Bob"
    assert text_to_review(thread[2:3], "U0CAROL", "9", "U0BOT") is None


@pytest.mark.parametrize("text", [
    "hi", "hello!", "hi, what can you do?", "what is this?", "help", "Hey there 👋",
    "Good morning :wave:", "<@U0BOT> hi", "hi! what is idealoop?", "Help?", "who are you?",
    "how does this work?"])
def test_small_talk_is_recognised(text: str) -> None:
    assert is_small_talk(text)


@pytest.mark.parametrize("text", [
    "help me plan the offsite", "hi, can you draft an announcement for the launch",
    "hello world program ideas", "what is our plan for Q3?", "brainstorm names", "thanks",
    "Draft a short announcement of what we discussed", "", "   "])
def test_a_request_is_not_small_talk(text: str) -> None:
    assert not is_small_talk(text)
