"""The loop learns: a simulated team's tastes (`testkit/learning.py`) show in what the
offline generator proposes next, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.config import Settings
from bot.ideas import Brainstormer
from bot.llm.offline_model import OfflineModel
from storage.repository import Store
from testkit.learning import simulate


def test_the_share_of_approved_ideas_rises_and_rejected_kinds_fade(store: Store) -> None:
    rounds = simulate(Brainstormer(Settings(), OfflineModel(), store), store, "C0LEARN")
    first, last = rounds[:3], rounds[-3:]
    assert sum(r.approved for r in last) >= sum(r.approved for r in first) + 3
    assert sum(r.rejected for r in last) == 0


def test_the_same_topic_twice_moves_on_to_fresh_ideas(store: Store) -> None:
    brainstormer = Brainstormer(Settings(), OfflineModel(), store)
    first = brainstormer.run(channel="C1", requester="U1", topic="shorter standups",
                             header_ts="1.000001")
    for idea in first.ideas:
        brainstormer.mark_posted(idea.item_id, f"1.{idea.position + 1:06d}")
    again = brainstormer.run(channel="C1", requester="U1", topic="Shorter standups",
                             header_ts="2.000001")
    assert len(again.ideas) == 5
    assert not {i.text for i in first.ideas} & {i.text for i in again.ideas}
