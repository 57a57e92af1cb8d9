"""Fitting threads into a prompt budget, with tokens estimated offline."""

from __future__ import annotations

import pytest

from bot.llm.thread_fitting import ThreadMessage, estimate_tokens, fit_thread


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


def test_a_draft_says_which_messages_it_drew_on() -> None:
    from bot.drafts import drew_on
    from bot.llm.thread_fitting import AI_AUTHOR

    short = [ThreadMessage("ana", "Should we move standups?", "1.0"),
             ThreadMessage(AI_AUTHOR, "A draft", "2.0"),
             ThreadMessage("ben", "Yes", "3.0")]
    assert drew_on(fit_thread(short, budget=6000)) == "drew on 3 messages from ana and ben"
    long = fit_thread(thread(1000), budget=2000)
    said = drew_on(long)
    assert said.startswith("drew on 1000 messages from user0, ")
    assert f"({long.verbatim} in full, {long.condensed} condensed, {long.omitted} left out)" \
        in said
    assert drew_on(fit_thread([], budget=10)) == "drew on your instruction alone"
