"""When two ideas are the same idea (rewordings included), and when texts are worded alike.

The labelled pairs in tests/data/idea_pairs.jsonl are rewordings an LLM produces and
distinct ideas on a shared topic; the rule's precision and recall on them are measured
here (and printed by `bench/similarity.py`, next to the character rule used before)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.llm import similarity
from bot.llm.similarity import (
    NearDuplicates,
    SameIdeas,
    dedupe,
    kept_words,
    normalise,
    same_idea,
    without_rejected,
)
from bot.privacy import Privacy
from storage.db import make_engine
from storage.privacy import PrivacyStore
from testkit.idea_pairs import false_drops

PAIRS = [json.loads(line) for line in
         (Path(__file__).parents[2] / "data" / "idea_pairs.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(("a", "b"), [
    ("Hold a demo day", "hold a DEMO day!"),
    ("Hold a demo day", "Hold a demo-day."),
    ("Automate the weekly report", "Automate the weekly reports"),
    ("Ask how a sports team would improve onboarding…, short huddle…",
     "Borrow from a sports team and bring their habit of holding a short huddle…"),
])
def test_the_same_idea_in_other_words(a: str, b: str) -> None:
    assert same_idea(a, b, topic="onboarding") and same_idea(b, a, topic="onboarding")


@pytest.mark.parametrize(("a", "b"), [
    ("Hold a demo day", "Write onboarding docs"),
    ("Automate laptop setup", "Cap meetings at 25 minutes"),
])
def test_different_ideas(a: str, b: str) -> None:
    assert not same_idea(a, b)


def test_the_topics_own_words_do_not_make_ideas_the_same() -> None:
    a = "Shorter onboarding checklist for new hires in the sales team"
    b = "Shorter onboarding buddy pairing for new hires in the sales team"
    assert same_idea(a, b)  # without the topic, the shared phrase dominates
    assert not same_idea(a, b, topic="shorter onboarding for new hires in the sales team")
    assert dedupe([a, b], topic="shorter onboarding for new hires in the sales team") == [a, b]


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    """45 rewordings and 44 distinct ideas: the rule catches at least 65% of rewordings,
    and at least 90% of what it calls the same is the same."""
    assert sum(p["same"] for p in PAIRS) >= 40 and sum(not p["same"] for p in PAIRS) >= 40
    said = [(same_idea(p["a"], p["b"], topic=p["topic"]), p["same"]) for p in PAIRS]
    true_positives = sum(1 for guess, truth in said if guess and truth)
    precision = true_positives / sum(1 for guess, _ in said if guess)
    recall = true_positives / sum(1 for _, truth in said if truth)
    assert precision >= 0.90 and recall >= 0.65, (precision, recall)


def test_few_ideas_are_dropped_when_every_other_idea_of_their_topic_was_rejected() -> None:
    """The filter compares a new idea with every rejection: one loose match drops it. With
    each labelled idea as new and the other ideas of its topic (not its rewordings) as
    rejected, at most 12% are dropped."""
    assert false_drops(PAIRS) <= 0.12


def test_without_rejected_drops_rewordings_and_keeps_the_rest_in_order() -> None:
    ideas = ["Hold a demo day", "Write onboarding docs", "Automate the weekly reports",
             "Borrow from a sports team and bring their habit of holding a short huddle"]
    rejected = ["hold a demo-day!", "Automate the weekly report",
                "Ask how a sports team would improve onboarding, and try their short huddle"]
    assert without_rejected(ideas, rejected, topic="onboarding") == ["Write onboarding docs"]
    assert without_rejected(["B idea", "A idea"], []) == ["B idea", "A idea"]


def test_dedupe_keeps_the_first_of_each_and_drops_empties() -> None:
    assert dedupe(["Hold a demo day", "**", "hold a demo-day!", "Write docs", ""]) == [
        "Hold a demo day", "Write docs"]


def test_ideas_of_stop_words_only_compare_as_written() -> None:
    assert same_idea("Do it now", "do it, now!")
    assert not same_idea("Do it now", "Do it then")


def test_worded_alike_compares_every_form() -> None:
    without_label = NearDuplicates(forms=(lambda t: t.split(" (")[0].lower(),))
    without_label.add("Hold a demo day (analogy)")
    assert without_label.matches("hold a demo day (inversion)")
    assert not NearDuplicates(["Hold a demo day (analogy)"]).matches(
        "Hold a demo day for all our customers in spring (inversion)")
    assert NearDuplicates(["abcdefghij"], forms=(normalise,)).matches("abcdefghxy")  # 0.8


def test_long_texts_are_compared_as_written() -> None:
    """difflib's "autojunk" heuristic ignores the characters that are frequent in a text of
    200 or more (spaces, "e"); it scored these two near-identical texts 0.05."""
    a = ("Run a two-week experiment where every standup is capped at ten minutes, one person "
         "keeps time, blockers move to a follow-up thread, and the team reviews at the retro "
         "whether decisions got faster or slower than before")
    b = ("Try a two-week experiment in which every standup is capped at ten minutes, one "
         "person keeps the time, blockers move to a follow-up thread, and the team checks at "
         "the retro whether decisions got faster or slower than before")
    assert NearDuplicates([a]).matches(b)
    assert same_idea(b, a)


def _held_as_kept(texts: list[str], topic: str) -> SameIdeas:
    """Ideas held by what `kept_words` made of them, as the rejection filter reads them."""
    held = SameIdeas(topic=topic)
    kept = [kept_words(text) for text in texts]
    held.add_kept([form for form, _ in kept], [words for _, words in kept])
    return held


def test_ideas_held_by_their_kept_words_are_judged_as_by_their_texts() -> None:
    """Every labelled idea against all the others of its topic held at once (the filter's
    case: many rejections), and against each one alone: the same decisions both ways."""
    for topic in {p["topic"] for p in PAIRS}:
        texts = sorted({p[k] for p in PAIRS if p["topic"] == topic for k in ("a", "b")})
        by_text, by_kept = SameIdeas(texts[1:], topic=topic), _held_as_kept(texts[1:], topic)
        decisions = []
        for text in texts[:1] + [p["a"] for p in PAIRS]:
            decisions.append(by_text.matches(text))
            assert decisions[-1] == by_kept.matches(text), text
        assert any(decisions) and not all(decisions)  # both kinds of decision are made
    for p in PAIRS:
        assert _held_as_kept([p["b"]], p["topic"]).matches(p["a"]) == same_idea(
            p["a"], p["b"], topic=p["topic"])


def test_kept_words_are_the_normal_form_and_the_sorted_stems() -> None:
    assert kept_words("Walking standups, AROUND the block!") == (
        "walking standups around the block", "block standup walk")
    assert kept_words("") == ("", "")
    held = _held_as_kept(["Walking standups", "Café à Paris"], topic="")
    assert held.matches("standups walking") and held.matches("café paris")
    assert not held.matches("walking") and not held.matches("") and not held.matches("block")


def test_words_stemmed_on_many_threads_at_once_get_their_own_stems() -> None:
    """Brainstorms run on a pool: stems taken on many threads at once (each word new to
    the cache) are each word's own, as one stemmer alone gives them."""
    import threading

    import snowballstemmer

    stems = ("walk", "talk", "connect", "relat", "gener", "organiz", "hope", "meet")
    endings = ("", "ation", "ness", "fulness", "ization", "ational", "ement", "ously")
    words = [f"{stem}{ending}{tail}" for stem in stems for ending in endings
             for tail in ("", "ing", "s", "ed", "ers", "ity", "ies", "ly")]
    alone = snowballstemmer.stemmer("english")
    expected = {word: str(alone.stemWord(word)) for word in words}
    similarity.clear_caches()
    seen: list[tuple[str, frozenset[str]]] = []
    failed: list[BaseException] = []

    def stem_all(offset: int) -> None:
        try:
            for n in range(len(words)):
                word = words[(n * 7 + offset) % len(words)]
                seen.append((word, similarity.content_words(word)))
        except BaseException as exc:  # an IndexError from a stemmer mid-word elsewhere
            failed.append(exc)

    threads = [threading.Thread(target=stem_all, args=(k * 61,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    assert [(word, got) for word, got in seen if got != {expected[word]}] == []


def test_working_out_an_ideas_words_keeps_no_reference_to_its_text() -> None:
    """After "forget me" or a purge, nobody's words may stay in this process's memory:
    `content_words` is not cached by its text (the stored words make a cache moot)."""
    text = "".join(["a zanzibarquokka ", "retro with ", "snacks"])  # a new, uninterned str
    before = sys.getrefcount(text)
    assert similarity.content_words(text) == {"zanzibarquokka", "retro", "snack"}
    similarity.SameIdeas([text], topic=text).matches(text)
    assert sys.getrefcount(text) == before


def test_forgetting_a_person_empties_the_cache_of_stemmed_words(sqlite_url: str) -> None:
    similarity.content_words("a zanzibarquokka retro")
    assert similarity._stem.cache_info().currsize > 0
    engine = make_engine(sqlite_url)
    try:
        Privacy(Settings(), PrivacyStore(engine), owner="test").forget("U0ALICE")
    finally:
        engine.dispose()
    assert similarity._stem.cache_info().currsize == 0
