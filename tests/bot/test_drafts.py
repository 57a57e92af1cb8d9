"""What a mention asks for: the instruction, and the brainstorm ideas it refers to."""

from __future__ import annotations

from bot.drafts import instruction_from, missing_ideas, referenced_ideas


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
