"""When two ideas are the same idea: one rule for dedupe, rejection and the generator."""

from __future__ import annotations

import pytest

from bot.llm.similarity import NearDuplicates, dedupe, similar, without_rejected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hold a demo day", "hold a DEMO day!"),
        ("Hold a demo day", "Hold a demo-day."),
        ("Automate the weekly report", "Automate the weekly reports"),
    ],
)
def test_similar_true(a: str, b: str) -> None:
    assert similar(a, b) is True
    assert similar(b, a) is True


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hold a demo day", "Write onboarding docs"),
        ("Automate laptop setup", "Cap meetings at 25 minutes"),
    ],
)
def test_similar_false(a: str, b: str) -> None:
    assert similar(a, b) is False


def test_similar_threshold_is_respected() -> None:
    a, b = "abcdefghij", "abcdefghxy"  # ratio 0.8
    assert similar(a, b, threshold=0.8) is True
    assert similar(a, b, threshold=0.81) is False


def test_without_rejected_drops_exact_and_close_variants() -> None:
    ideas = ["Hold a demo day", "Write onboarding docs", "Automate the weekly reports"]
    rejected = ["hold a demo-day!", "Automate the weekly report"]
    assert without_rejected(ideas, rejected) == ["Write onboarding docs"]


def test_without_rejected_with_nothing_rejected_keeps_all_in_order() -> None:
    ideas = ["B idea", "A idea"]
    assert without_rejected(ideas, []) == ["B idea", "A idea"]


def test_without_rejected_keeps_unrelated() -> None:
    assert without_rejected(["Write onboarding docs"], ["Cap meetings at 25 minutes"]) == [
        "Write onboarding docs"
    ]


def test_dedupe_keeps_the_first_of_each_and_drops_empties() -> None:
    assert dedupe(["Hold a demo day", "**", "hold a demo-day!", "Write docs", ""]) == [
        "Hold a demo day", "Write docs"]


def test_near_duplicates_compare_every_form() -> None:
    without_label = NearDuplicates(forms=(lambda t: t.split(" (")[0].lower(),))
    without_label.add("Hold a demo day (analogy)")
    assert without_label.matches("hold a demo day (inversion)")
    assert not NearDuplicates(["Hold a demo day (analogy)"]).matches(
        "Hold a demo day for all our customers in spring (inversion)")


def test_long_ideas_are_compared_as_written() -> None:
    """difflib's "autojunk" heuristic ignores the characters that are frequent in a text of
    200 or more (spaces, "e"); it scored these two near-identical ideas 0.05."""
    a = ("Run a two-week experiment where every standup is capped at ten minutes, one person "
         "keeps time, blockers move to a follow-up thread, and the team reviews at the retro "
         "whether decisions got faster or slower than before")
    b = ("Try a two-week experiment in which every standup is capped at ten minutes, one "
         "person keeps the time, blockers move to a follow-up thread, and the team checks at "
         "the retro whether decisions got faster or slower than before")
    assert similar(b, a)
    assert without_rejected([b], [a]) == []
