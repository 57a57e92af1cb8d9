"""A simulated team with hidden tastes, judging brainstorms round after round: what
`bench/learning.py` prints and `tests/bot/test_learning.py` checks.

The team approves ideas of some kinds (the offline generator's techniques) and rejects
others; two people react to each idea they have a view on, and ignore the rest. Given
`decisions`, a third person also records a decision ("Decide…") on the round's first
idea of a kind the team likes: the strongest approval (`bot.decisions`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from bot.decisions import DecisionForm, Decisions
from bot.ideas import Brainstormer
from bot.llm.offline.techniques import technique_of
from storage.signals import ReactionChange
from storage.stores import Stores

LIKED = frozenset({"smallest experiment", "automate", "measure first"})
DISLIKED = frozenset({"gamify", "10x thinking"})
TOPICS = ("shorter standups", "cheaper CI", "better onboarding", "faster code review",
          "fewer meetings", "clearer release notes", "a calmer on-call", "better retros",
          "a tidier wiki", "quicker hiring")
PEOPLE = ("U0ANA", "U0BEN")
DECIDER = "U0CAT"


@dataclass(frozen=True)
class Round:
    topic: str
    ideas: int
    approved: int
    rejected: int
    decided: int = 0


def simulate(brainstormer: Brainstormer, stores: Stores, channel: str,
             topics: Iterable[str] = TOPICS, *,
             decisions: Decisions | None = None) -> list[Round]:
    """One brainstorm per topic, each judged by the team before the next."""
    clock = itertools.count(1)
    rounds = []
    for n, topic in enumerate(topics, start=1):
        result = brainstormer.run(channel=channel, requester=PEOPLE[0], topic=topic,
                                  header_ts=f"{n}.000001")
        verdicts = []
        for idea in result.ideas:
            brainstormer.mark_posted(idea.item_id, f"{n}.{idea.position + 1:06d}")
            technique = technique_of(idea.text)
            polarity = 1 if technique in LIKED else -1 if technique in DISLIKED else 0
            if polarity:
                stores.signals.apply_reactions([
                    ReactionChange(idea.item_id, person, "+1" if polarity > 0 else "-1",
                                   polarity, True, event_us=next(clock), at=stores.clock())
                    for person in PEOPLE])
            verdicts.append(polarity)
        liked = [idea for idea, verdict in zip(result.ideas, verdicts, strict=True)
                 if verdict > 0]
        if decisions is not None and liked:
            decisions.decide(DecisionForm(
                channel=channel, message_ts=f"{n}.{liked[0].position + 1:06d}",
                view_id=f"V{n}", decider=DECIDER, text=liked[0].text, owner=PEOPLE[0],
                due=decisions.today().isoformat(), note=None),
                action_ts=f"{next(clock)}.000000")
        rounds.append(Round(topic, len(verdicts), verdicts.count(1), verdicts.count(-1),
                            decided=int(decisions is not None and bool(liked))))
    return rounds
