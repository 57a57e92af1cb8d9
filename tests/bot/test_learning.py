"""The loop learns: a simulated team's tastes (`testkit/learning.py`) show in what the
offline generator proposes next, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.config import Settings
from bot.decisions import Decisions
from bot.ideas import Brainstormer
from bot.llm.offline.names import name_in
from bot.llm.offline.techniques import NAME_TECHNIQUES, NAMING_TECHNIQUES, technique_of
from bot.llm.offline_model import OfflineModel
from storage.signals import ReactionChange
from storage.stores import Stores
from testkit.learning import simulate


def test_the_share_of_approved_ideas_rises_and_rejected_kinds_fade(stores: Stores) -> None:
    rounds = simulate(Brainstormer(Settings(), OfflineModel(), stores), stores, "C0LEARN")
    first, last = rounds[:3], rounds[-3:]
    assert sum(r.approved for r in last) >= sum(r.approved for r in first) + 3
    assert sum(r.rejected for r in last) == 0


def test_a_decision_counts_as_a_strong_approval_and_leads_the_next_prompt(
        stores: Stores) -> None:
    rounds = simulate(Brainstormer(Settings(), OfflineModel(), stores), stores, "C0LEARN",
                      decisions=Decisions(Settings(), stores))
    made = stores.decisions.export_rows()
    assert sum(r.decided for r in rounds) == len(made) >= 8
    tallies = {row["text"]: row["approvals"] for row in stores.reports.export_rows()}
    assert all(tallies[d.text] == 3 for d in made)  # two reactions and the decision
    # the recent decided ideas lead the approved ones the next prompt carries
    recent = stores.steering.decided_texts("C0LEARN")
    approved, _ = stores.steering.channel_feedback("C0LEARN")
    assert recent and all(text in recent for text in approved[:len(recent)])


def test_the_same_topic_twice_moves_on_to_fresh_ideas(stores: Stores) -> None:
    brainstormer = Brainstormer(Settings(), OfflineModel(), stores)
    first = brainstormer.run(channel="C1", requester="U1", topic="shorter standups",
                             header_ts="1.000001")
    for idea in first.ideas:
        brainstormer.mark_posted(idea.item_id, f"1.{idea.position + 1:06d}")
    again = brainstormer.run(channel="C1", requester="U1", topic="Shorter standups",
                             header_ts="2.000001")
    assert len(again.ideas) == 5
    assert not {i.text for i in first.ideas} & {i.text for i in again.ideas}


def _approve(stores: Stores, item_id: int, at: int) -> None:
    stores.signals.apply_reactions([
        ReactionChange(item_id, person, "+1", 1, True, event_us=at + n, at=stores.clock())
        for n, person in enumerate(("U0ANA", "U0BEN"))])


def test_after_approving_process_ideas_a_naming_topic_still_opens_with_names(
        stores: Stores) -> None:
    brainstormer = Brainstormer(Settings(), OfflineModel(), stores)
    process = brainstormer.run(channel="C2", requester="U1", topic="shorter standups",
                               header_ts="1.000001")
    for idea in process.ideas:
        brainstormer.mark_posted(idea.item_id, f"1.{idea.position + 1:06d}")
    for n, idea in enumerate(process.ideas[:2]):
        _approve(stores, idea.item_id, 10 * (n + 1))
    assert len(stores.steering.channel_feedback("C2")[0]) == 2
    named = brainstormer.run(channel="C2", requester="U1",
                             topic="a name for our new analytics dashboard",
                             header_ts="2.000001")
    names = {t.name for t in NAMING_TECHNIQUES}
    assert named.ideas[0].text.startswith("Call our new analytics dashboard “"), named.ideas
    assert all(technique_of(i.text) in names for i in named.ideas), named.ideas


def test_more_like_this_on_a_name_gets_names(stores: Stores) -> None:
    brainstormer = Brainstormer(Settings(), OfflineModel(), stores)
    topic = "a name for our new analytics dashboard"
    first = brainstormer.run(channel="C3", requester="U1", topic=topic, header_ts="1.000001")
    for idea in first.ideas:
        brainstormer.mark_posted(idea.item_id, f"1.{idea.position + 1:06d}")
    seed = next(i.text for i in first.ideas if technique_of(i.text) == "metaphor")
    more = brainstormer.run(channel="C3", requester="U1", topic=topic, header_ts="2.000001",
                            seed=seed)
    assert len(more.ideas) == 5
    assert all(name_in(i.text) and technique_of(i.text) in NAME_TECHNIQUES
               for i in more.ideas), [i.text for i in more.ideas]
    assert {technique_of(i.text) for i in more.ideas[:3]} == {
        "same image", "same sound", "variation"}
