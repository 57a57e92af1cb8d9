"""Fitting threads into a budget, and splitting long drafts for Slack."""

from __future__ import annotations

import pytest

from bot.drafts import instruction_from, referenced_ideas, split_for_slack
from bot.threads import ThreadMessage, estimate_tokens, fit_thread


def thread(n: int, size: int = 120) -> list[ThreadMessage]:
    body = "word " * (size // 5)
    return [ThreadMessage(author=f"user{i % 5}", text=f"m{i}. {body}", ts=f"{i}.000000")
            for i in range(n)]


def test_estimate_is_never_below_a_chars_over_four_count() -> None:
    for text in ("hello world", "x" * 1000, "naïve café 東京", "a b c d e f g"):
        assert estimate_tokens(text) >= len(text) / 4
    assert estimate_tokens("") == 0


def test_a_short_thread_is_kept_verbatim() -> None:
    fitted = fit_thread(thread(10), budget=6000)
    assert fitted.verbatim == 10 and fitted.condensed == fitted.omitted == 0
    assert fitted.text.splitlines()[0].startswith("[user0] m0.")


@pytest.mark.parametrize("count", [100, 1000, 5000])
def test_long_threads_fit_keeping_root_and_newest(count: int) -> None:
    messages = thread(count)
    fitted = fit_thread(messages, budget=4000)
    assert fitted.tokens <= 4000
    assert fitted.text.startswith("[user0] m0.")
    assert f"m{count - 1}." in fitted.text and f"m{count - 2}." in fitted.text
    assert fitted.condensed + fitted.omitted + fitted.verbatim == count
    assert "condensed" in fitted.text


def test_one_enormous_message_is_clipped_not_fatal() -> None:
    messages = [ThreadMessage("a", "root", "1"), ThreadMessage("b", "z" * 100_000, "2")]
    fitted = fit_thread(messages, budget=2000)
    assert fitted.tokens <= 2000 and fitted.text.startswith("[a] root")


def test_split_keeps_every_character_and_respects_the_limit() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "Sentence here. " * 40 for n in range(20))
    parts = split_for_slack(text, limit=3000)
    assert all(len(p) <= 3000 for p in parts) and len(parts) > 1
    assert "".join(parts).replace(" ", "").replace("\n", "") == \
        text.replace(" ", "").replace("\n", "")
    assert all(p.startswith("Paragraph") for p in parts)  # cut at paragraph breaks


def test_split_cuts_a_giant_word_hard() -> None:
    parts = split_for_slack("x" * 7000, limit=3000)
    assert [len(p) for p in parts] == [3000, 3000, 1000]
    assert split_for_slack("   ") == []


def test_instruction_and_idea_references() -> None:
    assert instruction_from("<@U0BOT> shorter please") == "shorter please"
    assert instruction_from("<@U0BOT>").startswith("Summarise this thread")
    ideas = ["a", "b", "c", "d", "e"]
    assert referenced_ideas("expand idea 3", ideas) == [(3, "c")]
    assert referenced_ideas("draft a plan for 2 and 5 in 200 words", ideas) == [(2, "b"), (5, "e")]
    assert referenced_ideas("meet at 10:30 on 2.5", ideas) == []
