"""The repositories of the core loop (`storage.stores.Stores`) on SQLite and PostgreSQL:
idempotent writes, tallies, export rows."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, inspect, text, update
from sqlalchemy.exc import IntegrityError

from storage.brainstorms import NewBrainstorm, Steering
from storage.db import make_engine, upgrade
from storage.drafts import NewDraft
from storage.idea_words import IdeaWords
from storage.models import Item
from storage.signals import ButtonClick, ReactionChange
from storage.steering import RejectedIdea
from storage.stores import Stores
from testkit.queries import score_of, signals_of

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _brainstorm(stores: Stores, ideas: tuple[str, ...] = ("a", "b", "c"),
                channel: str = "C1", ts_base: int = 100) -> list[int]:
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel=channel, requester="U1", topic="standups", model="m", ideas=ideas,
        header_ts=f"{ts_base}.000001", prompt_tokens=12, completion_tokens=30,
    ))
    if len(ideas) > 10:  # as mark_posted records each, in one transaction (2,100 took 2 s)
        with stores.engine.begin() as conn:
            conn.execute(update(Item).where(Item.id == bindparam("item")).values(
                ts=bindparam("ts")), [{"item": item_id, "ts": f"{ts_base}.00000{n + 1}"}
                                      for n, item_id in enumerate(saved.item_ids, start=1)])
        return saved.item_ids
    for n, item_id in enumerate(saved.item_ids, start=1):
        stores.brainstorms.mark_posted(item_id, f"{ts_base}.00000{n + 1}")
    return saved.item_ids


def _react(stores: Stores, item_id: int, user: str, emoji: str = "+1", *, polarity: int = 1,
           active: bool = True, at_us: int = 1) -> None:
    stores.signals.apply_reactions([ReactionChange(
        item_id=item_id, user_id=user, emoji=emoji, polarity=polarity, active=active,
        event_us=at_us, at=AT,
    )])


def test_migrations_create_every_table(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)  # a second upgrade is a no-op
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"brainstorms", "items", "signals", "work", "alembic_version"} <= tables
    assert "deliveries" not in tables  # work rows make retried deliveries no-ops now


def test_brainstorm_items_are_found_by_message(stores: Stores) -> None:
    ids = _brainstorm(stores)
    item = stores.signals.item_at("C1", "100.000003")
    assert item is not None and item.id == ids[1] and item.kind == "idea"
    assert stores.signals.item_at("C1", "100.000001") is None  # the header is not an item
    assert stores.signals.item_at("C2", "100.000003") is None


def test_score_counts_distinct_people(stores: Stores) -> None:
    item = _brainstorm(stores)[0]
    _react(stores, item, "U1", "+1")
    _react(stores, item, "U1", "fire")  # same person, second approval emoji
    _react(stores, item, "U2", "heart")
    _react(stores, item, "U3", "-1", polarity=-1)
    _react(stores, item, "U4", "eyes", polarity=0)
    assert score_of(stores, item) == {"approvals": 2, "rejections": 1, "neutral": 1, "score": 1}


def test_reaction_state_converges_whatever_the_delivery_order(stores: Stores) -> None:
    item = _brainstorm(stores)[0]
    # added(1) → removed(2) → added(3), delivered 3, 1, 2 and then all again.
    events = [(True, 3), (True, 1), (False, 2), (True, 3), (False, 2), (True, 1)]
    states = []
    for active, at in events:
        _react(stores, item, "U1", active=active, at_us=at)
        [row] = signals_of(stores.engine, item)
        states.append((row["active"], row["event_us"]))
    assert states == [(True, 3)] * len(events)
    assert score_of(stores, item)["approvals"] == 1
    [row] = signals_of(stores.engine, item)
    assert row["active"] is True and row["event_us"] == 3


def test_removal_retracts_and_keeps_the_row(stores: Stores) -> None:
    item = _brainstorm(stores)[0]
    _react(stores, item, "U1", at_us=1)
    _react(stores, item, "U1", active=False, at_us=2)
    assert score_of(stores, item)["approvals"] == 0
    [row] = signals_of(stores.engine, item)
    assert row["active"] is False and row["removed_at"] is not None
    assert row["added_at"] is not None  # when it was added is kept


def test_removed_before_added_arrives_stays_removed(stores: Stores) -> None:
    item = _brainstorm(stores)[0]
    _react(stores, item, "U1", active=False, at_us=20)
    _react(stores, item, "U1", active=True, at_us=10)
    assert score_of(stores, item)["approvals"] == 0


def test_burst_of_concurrent_reactions_is_all_stored(stores: Stores) -> None:
    items = _brainstorm(stores, ideas=tuple(f"idea {n}" for n in range(5)))

    def react(n: int) -> None:
        _react(stores, items[n % 5], f"U{n}", at_us=n + 1)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(react, range(200)))
    assert sum(score_of(stores, item)["approvals"] for item in items) == 200


def test_channel_feedback_orders_approved_and_rejected(stores: Stores) -> None:
    good, meh, bad = _brainstorm(stores, ideas=("good", "meh", "bad"))
    for user in ("U1", "U2"):
        _react(stores, good, user)
    _react(stores, meh, "U1")
    _react(stores, bad, "U1", "-1", polarity=-1)
    _brainstorm(stores, ideas=("elsewhere",), channel="C2")
    approved, rejected = stores.steering.channel_feedback("C1")
    assert approved == ["good", "meh"]
    assert rejected == ["bad"]
    assert stores.steering.channel_feedback("C2") == ([], [])


def test_export_rows_carry_tallies_and_topic(stores: Stores) -> None:
    first, second, _ = _brainstorm(stores)
    _react(stores, first, "U1")
    _react(stores, first, "U2", "-1", polarity=-1)
    _react(stores, second, "U1", active=False, at_us=5)
    rows = list(stores.reports.export_rows())
    assert [row["text"] for row in rows] == ["a", "b", "c"]
    assert rows[0]["approvals"] == 1 and rows[0]["rejections"] == 1 and rows[0]["score"] == 0
    assert rows[1]["approvals"] == 0
    assert rows[0]["topic"] == "standups" and rows[0]["kind"] == "idea"
    assert rows[0]["created_at"].endswith("+00:00")
    assert list(stores.reports.export_rows(channel="C9")) == []


def test_unposted_items_are_not_exported(stores: Stores) -> None:
    stores.brainstorms.save_brainstorm(NewBrainstorm(channel="C1", requester="U1", topic="t",
                                                     model="m", ideas=("never posted",)))
    assert list(stores.reports.export_rows()) == []


def test_a_batch_of_reaction_changes_converges_like_one_by_one(stores: Stores) -> None:
    item = _brainstorm(stores)[0]

    def change(user: str, active: bool, at_us: int) -> ReactionChange:
        return ReactionChange(item_id=item, user_id=user, emoji="+1", polarity=1,
                              active=active, event_us=at_us, at=AT)

    stores.signals.apply_reactions([change("U1", True, 3), change("U1", False, 2),
                                    change("U1", True, 1), change("U2", True, 1),
                                    change("U2", False, 2)])
    assert score_of(stores, item)["approvals"] == 1
    assert {row["user_id"]: row["active"] for row in signals_of(stores.engine, item)} == \
        {"U1": True, "U2": False}


def test_channel_feedback_weighs_only_the_recent_window(stores: Stores) -> None:
    now = [AT]
    stores = Stores.open(stores.engine, clock=lambda: now[0])
    old, = _brainstorm(stores, ideas=("old rejected",))
    now[0] = AT + timedelta(days=1)
    new_good, new_bad = _brainstorm(stores, ideas=("new approved", "new rejected"), ts_base=200)
    _react(stores, old, "U1", "-1", polarity=-1)
    _react(stores, new_good, "U1")
    _react(stores, new_bad, "U1", "-1", polarity=-1)
    assert stores.steering.channel_feedback("C1", window=2) == (["new approved"], ["new rejected"])
    assert stores.steering.channel_feedback("C1")[1] == ["new rejected", "old rejected"]


def test_every_rejection_of_the_channel_is_kept_however_old(stores: Stores) -> None:
    now = [AT]
    stores = Stores.open(stores.engine, clock=lambda: now[0])
    old_bad, disputed, withdrawn = _brainstorm(
        stores, ideas=("old rejected", "disputed", "withdrawn rejection"))
    now[0] = AT + timedelta(days=400)
    newer = _brainstorm(stores, ideas=tuple(f"newer {n}" for n in range(2_100)), ts_base=300)
    _react(stores, old_bad, "U1", "-1", polarity=-1)
    _react(stores, old_bad, "U2", "thumbsdown", polarity=-1)
    _react(stores, disputed, "U1", "-1", polarity=-1)
    _react(stores, disputed, "U2")  # net zero: not rejected
    _react(stores, withdrawn, "U1", "-1", polarity=-1, at_us=1)
    _react(stores, withdrawn, "U1", "-1", polarity=-1, active=False, at_us=2)
    _react(stores, newer[-1], "U3", "x", polarity=-1)
    [other] = _brainstorm(stores, ideas=("elsewhere",), channel="C2", ts_base=900)
    _react(stores, other, "U1", "-1", polarity=-1)
    # beyond the 2,000 recent items that steer the prompt, and still blocked
    assert "old rejected" not in stores.steering.channel_feedback("C1")[1]
    assert [(r.item_id, r.text) for r in stores.steering.rejected_ideas("C1")] == [
        (old_bad, "old rejected"), (newer[-1], "newer 2099")]
    assert [r.text for r in stores.steering.rejected_ideas("C2")] == ["elsewhere"]


def test_a_rejection_counts_people_not_emoji_as_the_score_does(stores: Stores) -> None:
    """`rejected_ideas` nets distinct people as `score_expr` does: two 👎 emoji of one
    person are one rejection; someone both approving and rejecting counts on both sides;
    neutral emoji and removed reactions count for nothing."""
    ideas = _brainstorm(stores, ideas=("twice by one", "both sides", "one each", "neutral",
                                       "removed approval"))
    twice, both, even, neutral, removed = ideas
    _react(stores, twice, "U1", "-1", polarity=-1)
    _react(stores, twice, "U1", "thumbsdown", polarity=-1)
    _react(stores, twice, "U2")  # one approver, one rejecter (with two emoji): net zero
    _react(stores, both, "U1")
    _react(stores, both, "U1", "-1", polarity=-1)
    _react(stores, both, "U2", "-1", polarity=-1)  # approvers {U1}, rejecters {U1, U2}
    _react(stores, even, "U1", "-1", polarity=-1)
    _react(stores, even, "U2", "+1")
    _react(stores, even, "U3", "heart")  # a second approving emoji, by another person
    _react(stores, neutral, "U1", "-1", polarity=-1)
    _react(stores, neutral, "U2", "eyes", polarity=0)
    _react(stores, removed, "U1", "-1", polarity=-1)
    _react(stores, removed, "U2", at_us=1)
    _react(stores, removed, "U2", active=False, at_us=2)
    expected = [item for item in ideas if score_of(stores, item)["score"] < 0]
    assert [r.item_id for r in stores.steering.rejected_ideas("C1")] == expected \
        == [both, neutral, removed]


def test_vectors_are_kept_once_per_item_and_model(stores: Stores) -> None:
    first, second = _brainstorm(stores, ideas=("one", "two"))
    stores.steering.save_vectors("emb-a", {first: b"\x01\x02", second: b"\x03"})
    stores.steering.save_vectors("emb-a", {first: b"\xff"})  # the same item again: the first stays
    stores.steering.save_vectors("emb-b", {first: b"\x09"})
    assert stores.steering.vectors("emb-a", [first, second, 999]) == {first: b"\x01\x02",
                                                                       second: b"\x03"}
    assert stores.steering.vectors("emb-b", [first, second]) == {first: b"\x09"}
    many = list(range(1, 1_200))  # more ids than one IN (…) carries
    assert stores.steering.vectors("emb-a", many) == {first: b"\x01\x02", second: b"\x03"}


def test_what_steered_a_brainstorm_is_kept_with_it(stores: Stores) -> None:
    stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel="C1", requester="U1", topic="t", model="m", ideas=["x"], header_ts="5.1",
        steering=Steering(approved=6, rejected=3, dropped=1)))
    saved = stores.brainstorms.brainstorm_at("C1", "5.1")
    assert saved is not None and saved.steering == Steering(6, 3, 1)


def test_ideas_proposed_on_a_topic_are_found_whatever_its_case(stores: Stores) -> None:
    for n, topic in enumerate(("Équipe offsite", "other topic")):
        saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
            channel="C1", requester="U1", topic=topic, model="m", ideas=[f"idea {n}"],
            header_ts=f"{n}.1"))
        assert saved is not None
    # SQLite folds ASCII only
    assert stores.steering.proposed_on("C1", "  équipe OFFSITE ") == ["idea 0"]
    assert stores.steering.proposed_on("C2", "Équipe offsite") == []


def test_a_second_save_of_the_same_message_leaves_the_first(stores: Stores) -> None:
    """Two attempts at one piece of work (one lost its lease) may both save: the first
    brainstorm and the first draft under a message stand; other integrity errors raise."""
    first = NewBrainstorm(channel="C1", requester="U1", topic="t", model="m",
                          ideas=("first",), header_ts="1700000000.000001")
    assert stores.brainstorms.save_brainstorm(first) is not None
    assert stores.brainstorms.save_brainstorm(dataclasses.replace(first, ideas=("second",))) is None
    saved = stores.brainstorms.brainstorm_at("C1", "1700000000.000001")
    assert saved is not None and [idea.text for idea in saved.ideas] == ["first"]
    draft = NewDraft(channel="C1", thread_ts="1700000000.000001", ts="1700000000.000009",
                     text="first draft", instruction="summarise", model="m", parent_id=None)
    assert stores.drafts.save_draft(draft) is not None
    assert stores.drafts.save_draft(dataclasses.replace(draft, text="second draft")) is None
    kept = stores.drafts.draft_at("C1", "1700000000.000009")
    assert kept is not None and kept.text == "first draft"
    with pytest.raises(IntegrityError):  # not a second save: a defect, said loudly
        stores.drafts.save_draft(dataclasses.replace(draft, ts="1700000000.000010",
                                                     text=None))  # type: ignore[arg-type]


def _click(stores: Stores, item_id: int, button: str, at_us: int, *, user: str = "U1",
           polarity: int = 1, toggles: bool = True) -> bool:
    other = {"button:up": ("button:down",), "button:down": ("button:up",)}.get(button, ())
    return stores.signals.click(ButtonClick(item_id=item_id, user_id=user, button=button,
                                            polarity=polarity, event_us=at_us, at=AT,
                                            toggles=toggles, exclusive=other))


def _tally(stores: Stores) -> tuple[int, int]:
    [row] = [r for r in stores.reports.export_rows() if r["kind"] == "idea"][:1]
    return row["approvals"], row["rejections"]


def test_a_click_toggles_and_thumbs_exclude_each_other_and_redeliveries_change_nothing(
        stores: Stores) -> None:
    idea, *_ = _brainstorm(stores)
    assert _click(stores, idea, "button:up", 10) is True
    assert _click(stores, idea, "button:up", 10) is True  # the same click delivered again
    assert _tally(stores) == (1, 0)
    assert _click(stores, idea, "button:up", 11) is False  # a second click takes it back
    assert _tally(stores) == (0, 0)
    assert _click(stores, idea, "button:up", 12) is True
    assert _click(stores, idea, "button:down", 13, polarity=-1) is True  # 👎 replaces 👍
    assert _tally(stores) == (0, 1)
    assert _click(stores, idea, "button:up", 9) is False  # an older click arriving late
    assert _tally(stores) == (0, 1)


def test_a_thumbs_down_click_takes_back_the_same_persons_button_approvals(
        stores: Stores) -> None:
    idea, *_ = _brainstorm(stores)
    stores.signals.click(ButtonClick(item_id=idea, user_id="U1", button="button:draft", polarity=1,
                                     event_us=10, at=AT, toggles=False))
    stores.signals.click(ButtonClick(item_id=idea, user_id="U1", button="button:down", polarity=-1,
                                     event_us=11, at=AT,
                                     exclusive=("button:up", "button:draft", "button:more")))
    assert _tally(stores) == (0, 1)


def test_a_person_who_reacts_and_clicks_counts_once(stores: Stores) -> None:
    idea, *_ = _brainstorm(stores)
    _react(stores, idea, "U1", "+1")
    _click(stores, idea, "button:up", 10)
    _click(stores, idea, "button:draft", 11, toggles=False)
    _click(stores, idea, "button:draft", 12, toggles=False)  # clicked again: still on
    assert _tally(stores) == (1, 0)
    _click(stores, idea, "button:up", 20, user="U2")
    assert _tally(stores) == (2, 0)
    with stores.engine.connect() as conn:
        sources = conn.execute(text("SELECT emoji, source, active FROM signals "
                                    "ORDER BY emoji, user_id")).all()
    assert [tuple(row) for row in sources] == [
        ("+1", "reaction", True), ("button:draft", "button", True),
        ("button:up", "button", True), ("button:up", "button", True)]


def test_ideas_keep_the_words_they_are_given_and_rejected_ones_are_read_with_them(
        stores: Stores) -> None:
    walking, sitting = IdeaWords("walking standups", "standup walk", 1), \
        IdeaWords("sitting standups", "sit standup", 1)
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel="C1", requester="U1", topic="standups", model="m", header_ts="1.000001",
        ideas=("Walking standups", "Sitting standups"), words=(walking, sitting)))
    assert saved is not None
    first, second = saved.item_ids
    third = stores.brainstorms.add_idea(saved.id, "Async standups", 3,
                                        words=IdeaWords("async standups", "async standup", 1))
    unkept = stores.brainstorms.add_idea(saved.id, "Standups by video", 4)  # no words given
    for item_id in (first, second, third, unkept):
        _react(stores, item_id, "U2", "-1", polarity=-1)
    assert [(r.text, _kept(r)) for r in stores.steering.rejected_ideas("C1")] == [
        ("Walking standups", walking), ("Sitting standups", sitting),
        ("Async standups", IdeaWords("async standups", "async standup", 1)),
        ("Standups by video", IdeaWords(None, None, None))]  # type: ignore[arg-type]
    later = IdeaWords("standups by video", "standup video", 2)
    stores.steering.save_words({unkept: later, second: IdeaWords("x", "x", 2)})
    read = {r.item_id: _kept(r) for r in stores.steering.rejected_ideas("C1")}
    assert read[unkept] == later and read[second] == IdeaWords("x", "x", 2)


def _kept(idea: RejectedIdea) -> IdeaWords:
    return IdeaWords(idea.form, idea.words, idea.words_version)  # type: ignore[arg-type]


def test_a_purge_clears_the_kept_words_and_they_are_not_saved_back(stores: Stores) -> None:
    now = [AT]
    stores = Stores.open(stores.engine, clock=lambda: now[0])
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel="C1", requester="U1", topic="t", model="m", header_ts="1.000001",
        ideas=("Walking standups",), words=(IdeaWords("walking standups", "standup walk", 1),)))
    assert saved is not None
    now[0] = AT + timedelta(days=30)
    claim = stores.privacy.claim_daily("retention", "2026-12-01", "test")
    assert claim is not None
    assert stores.privacy.purge_before(AT + timedelta(days=1), claim).items == 1
    stores.steering.save_words({saved.item_ids[0]: IdeaWords("walking standups", "walk", 1)})
    with stores.engine.connect() as conn:
        assert conn.execute(text("SELECT idea_form, idea_words, words_version FROM items"))\
            .all() == [(None, None, None)]


def test_a_private_draft_is_claimed_for_posting_once_then_found_by_its_posted_message(
        stores: Stores) -> None:
    """[Post in thread]: one claim at a time across every process (a claim given back, or
    run out, may be taken again); once posted, the draft is the posted message."""
    stores.drafts.save_draft(NewDraft(channel="C1", thread_ts="1.000001", ts="2.000001",
                                      text="polished", instruction="polish: tighten",
                                      model="m", kind="polish", requester="U1"))
    assert stores.drafts.claim_post("C1", "2.000001") is True
    assert stores.drafts.claim_post("C1", "2.000001") is False  # held
    stores.drafts.release_post("C1", "2.000001")
    assert stores.drafts.claim_post("C1", "2.000001", lease=-1) is True  # ran out at once
    assert stores.drafts.claim_post("C1", "2.000001") is True
    assert stores.drafts.claim_post("C9", "2.000001") is False  # not kept there
    assert stores.drafts.posted_privately_shown("C1", "2.000001", "3.000001") is True
    assert stores.drafts.claim_post("C1", "2.000001") is False  # posted
    shown = stores.drafts.private_draft("C1", "2.000001")
    assert shown is not None and shown.posted_ts == "3.000001"
    assert stores.signals.item_at("C1", "3.000001") is not None  # reactions find it
    assert stores.drafts.posted_privately_shown("C1", "2.000001", "4.000001") is False
