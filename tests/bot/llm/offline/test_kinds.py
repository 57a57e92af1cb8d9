"""The offline generator picks techniques that fit the kind of topic, and never pastes a
topic into a sentence it cannot be part of."""

from __future__ import annotations

import pytest

from bot.llm.offline.generator import OfflineGenerator
from bot.llm.offline.kinds import looks_english
from bot.llm.offline.techniques import (
    NAMING_TECHNIQUES,
    PEOPLE_TECHNIQUES,
    QUESTION_TECHNIQUES,
    TECHNIQUES,
    WRITING_TECHNIQUES,
    technique_of,
)
from bot.llm.offline.topics import parse_topic


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
