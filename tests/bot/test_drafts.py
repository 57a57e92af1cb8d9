"""What a mention asks for: the instruction, and the brainstorm ideas it refers to."""

from __future__ import annotations

from bot.drafts import instruction_from, referenced_ideas


def test_instruction_and_idea_references() -> None:
    assert instruction_from("<@U0BOT> shorter please") == "shorter please"
    assert instruction_from("<@U0BOT>").startswith("Summarise this thread")
    ideas = ["a", "b", "c", "d", "e"]
    assert referenced_ideas("expand idea 3", ideas) == [(3, "c")]
    assert referenced_ideas("draft a plan for 2 and 5 in 200 words", ideas) == [(2, "b"), (5, "e")]
    assert referenced_ideas("meet at 10:30 on 2.5", ideas) == []
