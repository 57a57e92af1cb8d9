"""Offline feedback and polish: about the person's text, and never touching Slack markup."""

from __future__ import annotations

from bot.llm.offline.review import feedback, polish

LONG = ("hey team i wanted to let everyone know that we will maybe need to move the launch "
        "because design is not done and there are various things still open with legal and "
        "with support and with the people who write the docs")


def test_feedback_has_the_four_parts_and_names_what_it_measured() -> None:
    text = feedback(LONG)
    parts = [line for line in text.splitlines() if line.startswith("*")]
    assert parts == ["*What works*", "*Risks*", "*Open questions*", "*Suggested next step*"]
    assert "Its longest sentence runs to 42 words" in text
    assert "Hedges (maybe)" in text and "Vague words (various, things)" in text
    assert "• Split the sentence that starts “hey team i wanted to let…”" in text
    assert "What should readers do once they have read it?" in text


def test_feedback_on_a_clear_message_finds_no_risk_and_answers_the_focus_honestly() -> None:
    text = feedback("Launch is Friday 12 June.\n- Ana owns QA.\n- Ben owns docs.\n"
                    "Can you review by Thursday?", "on the tone")
    assert "• None these rules can see." in text
    assert "Who owns the next step?" not in text
    assert "You asked about “on the tone”: an LLM can judge that" in text


def test_polish_makes_safe_edits_lists_each_and_leaves_slack_markup_alone() -> None:
    text = polish("i just   wanted to say that in order to ship we need the the review "
                  "from <@U0BOB> really soon, see <https://x.test/a_just_b|the doc> and "
                  "`just run it`")
    edited, changed = text.split("\n\n*What changed*\n")
    assert edited == ("I wanted to say that to ship we need the review from <@U0BOB> soon, "
                      "see <https://x.test/a_just_b|the doc> and `just run it`")
    assert "• “in order to” → “to”" in changed
    assert "• Removed 2 filler words (just, really)" in changed
    assert "• Removed 1 doubled word" in changed


def test_polish_says_so_when_its_rules_find_nothing() -> None:
    text = polish("Launch is Friday.\n- Ana owns QA.")
    assert text.startswith("Launch is Friday.\n- Ana owns QA.\n\n*What changed*\n• Nothing")
