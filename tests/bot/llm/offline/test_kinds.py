"""The offline generator picks techniques that fit the kind of topic, and never pastes a
topic into a sentence it cannot be part of."""

from __future__ import annotations

import pytest

from bot.llm.model import IdeaRequest
from bot.llm.offline.generator import OfflineGenerator
from bot.llm.offline.kinds import looks_english, only_symbols, quoted
from bot.llm.offline.techniques import (
    DIAGNOSIS_TECHNIQUES,
    NAMING_TECHNIQUES,
    PEOPLE_TECHNIQUES,
    QUESTION_TECHNIQUES,
    TECHNIQUES,
    WRITING_TECHNIQUES,
    technique_of,
)
from bot.llm.offline.topics import parse_topic
from bot.llm.offline_model import OfflineModel


@pytest.mark.parametrize(("topic", "kind", "techniques"), [
    ("shorter standups", "process", TECHNIQUES),
    ("speed up our CI pipeline", "technical", TECHNIQUES),
    ("a name for our new analytics dashboard", "naming", NAMING_TECHNIQUES),
    ("announcement for the office move", "writing", WRITING_TECHNIQUES),
    ("what should we get Sarah for her leaving gift", "people", PEOPLE_TECHNIQUES),
    ("team lunch ideas", "people", PEOPLE_TECHNIQUES),
    ("What is blocking our releases?", "question", QUESTION_TECHNIQUES),
    ("Wie können wir unsere Meetings verkürzen", "question", QUESTION_TECHNIQUES),
])
def test_five_ideas_come_from_the_techniques_of_their_kind(topic: str, kind: str,
                                                           techniques: tuple) -> None:
    assert parse_topic(topic).kind == kind
    names = {t.name for t in techniques}
    ideas = OfflineGenerator().ideas(topic, 5)
    assert len(ideas) == 5 and all(technique_of(idea) in names for idea in ideas), ideas


def test_a_naming_topic_gets_names_first() -> None:
    ideas = OfflineGenerator().ideas("a name for our new analytics dashboard", 5)
    assert sum(idea.startswith("Call our new analytics dashboard “") for idea in ideas) >= 4


def test_people_topics_read_as_noun_phrases() -> None:
    ideas = " ".join(OfflineGenerator().ideas("what should we get Sarah for her leaving gift",
                                              10))
    assert "Sarah's leaving gift" in ideas and "the what should" not in ideas
    assert "the team lunch" in " ".join(OfflineGenerator().ideas("team lunch ideas", 5))


@pytest.mark.parametrize("topic", [
    "Wie können wir unsere Meetings verkürzen", "会議を短くする方法",
    "ideas para la fiesta de fin de año", "Comment rendre nos réunions plus courtes"])
def test_topics_in_other_languages_are_quoted_never_pasted(topic: str) -> None:
    assert not looks_english(topic)
    for idea in OfflineGenerator().ideas(topic, 5):
        assert "“" in idea and f"the {topic}" not in idea


@pytest.mark.parametrize("topic", [
    "team lunch ideas", "shorter standups", "Kubernetes migration", "a name for the bot",
    "how can we make onboarding better", "CI/CD", "x", "Q3 OKRs"])
def test_english_topics_are_english(topic: str) -> None:
    assert looks_english(topic)


@pytest.mark.parametrize("topic", ["team offsite in spring", "a name for the bot",
                                   "announcement for the office move"])
def test_a_repeated_topic_of_any_kind_keeps_finding_fresh_ideas(topic: str) -> None:
    seen: list[str] = []
    for _ in range(4):
        batch = OfflineGenerator().ideas(topic, 10, proposed=seen)
        assert len(batch) == 10 and not set(batch) & set(seen)
        seen += batch


PROCESS_APPROVED = [
    "Give the standups one named owner for a quarter with the freedom to change how things "
    "work (ownership)",
    "Try the smallest experiment first by changing one recurring meeting for two weeks and "
    "comparing it with the rest (smallest experiment)",
]


def test_the_teams_taste_never_puts_process_techniques_into_a_naming_topic() -> None:
    ideas = OfflineGenerator().ideas("a name for our new analytics dashboard", 5,
                                     favour=PROCESS_APPROVED * 5)
    assert ideas == OfflineGenerator().ideas("a name for our new analytics dashboard", 5)
    assert all(idea.startswith("Call our new analytics dashboard “") for idea in ideas[:4])


def test_the_teams_taste_never_puts_naming_techniques_into_a_process_topic() -> None:
    named = ["Call the bot “Lens”, a short image of what it does for people that is easy to "
             "say in a meeting (metaphor)"] * 5
    names = {t.name for t in NAMING_TECHNIQUES}
    ideas = OfflineGenerator().ideas("shorter standups", 10, favour=named)
    assert not {technique_of(idea) for idea in ideas} & names, ideas


def test_the_teams_taste_still_reorders_inside_the_kind() -> None:
    plain = OfflineGenerator().ideas("shorter standups", 5)
    liked = OfflineGenerator().ideas("shorter standups", 5, favour=PROCESS_APPROVED)
    assert {technique_of(i) for i in liked[:2]} == {"ownership", "smallest experiment"}
    assert liked != plain


@pytest.mark.parametrize("topic", [
    "why do our builds fail so often", "Why are our deploys so slow?",
    "what keeps breaking the nightly data import", "why does the staging server crash"])
def test_a_why_does_it_fail_topic_gets_diagnosis_techniques(topic: str) -> None:
    assert parse_topic(topic).kind == "diagnosis"
    names = {t.name for t in DIAGNOSIS_TECHNIQUES}
    ideas = OfflineGenerator().ideas(topic, 5)
    assert all(technique_of(idea) in names for idea in ideas), ideas
    meetings = ("meeting", "silent brainstorm", "vote", "survey")
    assert not any(word in idea for idea in ideas for word in meetings), ideas


def test_the_reported_why_topic_names_the_failing_thing() -> None:
    text = " ".join(OfflineGenerator().ideas("why do our builds fail so often", 10))
    assert "our builds" in text and "why do our builds" not in text
    assert "five" in text or "timeline" in text or "last time" in text


@pytest.mark.parametrize("topic", [":rocket: :tada:", "🚀🔥💡", "🎉", ":+1: :fire:"])
def test_topics_of_only_emoji_are_quoted_never_pasted(topic: str) -> None:
    assert only_symbols(topic)
    ideas = OfflineGenerator().ideas(topic, 5)
    quote = quoted(topic)
    assert len(ideas) == 5
    for idea in ideas:
        assert f"the topic {quote}" in idea, idea
        rest = idea.replace(quote, "")  # nothing of the topic outside its quotation
        assert not any(part in rest for part in ("rocket", "tada", "fire", ":+1")), idea
        assert not any(ch in rest for ch in "🚀🔥💡🎉"), idea


def test_an_emoji_topic_asks_for_words() -> None:
    generation = OfflineModel().ideas(IdeaRequest("🚀🔥💡", 5, [], []))
    assert generation.note and "no words" in generation.note


@pytest.mark.parametrize("topic", ["???", "", "a 🚀 launch party", "ship :rocket: faster"])
def test_topics_with_words_or_without_emoji_are_not_symbol_topics(topic: str) -> None:
    assert not only_symbols(topic)
