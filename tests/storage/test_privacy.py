"""Retention and forgetting on SQLite and PostgreSQL: words go, rows and counts stay."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.privacy import Privacy
from storage.brainstorms import NewBrainstorm
from storage.claims import LeaseLost
from storage.db import make_engine
from storage.drafts import NewDraft
from storage.privacy import RETRY_IN, PrivacyStore, Purged
from storage.signals import ReactionChange
from storage.stores import Stores
from storage.work import NewWork
from testkit.queries import count_rows, daily_runs, lease_left

OLD = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NEW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(OLD)


@pytest.fixture
def stores(db_url: str, clock: Clock) -> Iterator[Stores]:
    engine = make_engine(db_url)
    yield Stores.open(engine, clock=clock)
    engine.dispose()


def brainstorm(stores: Stores, requester: str, ts: int, topic: str = "standups") -> list[int]:
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel="C1", requester=requester, topic=topic, model="m", ideas=("a idea", "b idea"),
        header_ts=f"{ts}.000001", inputs={"approved": ["secret approved idea"]}))
    assert saved is not None
    for n, item_id in enumerate(saved.item_ids, start=2):
        stores.brainstorms.mark_posted(item_id, f"{ts}.00000{n}")
    return saved.item_ids


def react(stores: Stores, item_id: int, user: str, polarity: int = 1) -> None:
    stores.signals.apply_reactions([ReactionChange(item_id=item_id, user_id=user,
                                                   emoji="+1" if polarity > 0 else "-1",
                                                   polarity=polarity, active=True, event_us=1,
                                                   at=stores.clock())])


def draft(stores: Stores, requester: str, ts: int) -> int:
    item_id = stores.drafts.save_draft(NewDraft(channel="C1", thread_ts=f"{ts}.000001",
                                                ts=f"{ts}.000009", text="my words, polished",
                                                instruction="polish: my words", model="m",
                                                kind="polish", requester=requester))
    assert item_id is not None
    return item_id


def purge_before(privacy: PrivacyStore, cutoff: datetime) -> Purged:
    """A purge run as the day's holder of retention (a day of its own per call)."""
    claim = privacy.claim_daily("retention-test", f"day-{next(_DAYS)}", "test")
    assert claim is not None
    return privacy.purge_before(cutoff, claim)


_DAYS = itertools.count()


def test_retention_removes_old_words_and_keeps_rows_and_counts(
        stores: Stores, clock: Clock) -> None:
    privacy, work = stores.privacy, stores.work
    old_ideas = brainstorm(stores, "U1", 100)
    react(stores, old_ideas[0], "U2")
    react(stores, old_ideas[1], "U3", -1)
    old_draft = draft(stores, "U1", 100)
    stores.steering.save_vectors("emb", {old_ideas[1]: b"\0" * 8})
    accepted = work.accept(NewWork(kind="brainstorm", delivery_key="k1", channel="C1",
                                   user_id="U1", request={"topic": "standups"}),
                           owner="me", lease=30)
    assert accepted is not None and work.finish(accepted)
    clock.at = NEW
    new_ideas = brainstorm(stores, "U1", 200, topic="reviews")
    react(stores, new_ideas[0], "U2")
    stats_before = stores.reports.channel_stats("C1")

    purged = purge_before(privacy, NEW - timedelta(days=30))
    assert (purged.items, purged.brainstorms, purged.work) == (3, 1, 1)
    rows = {row["id"]: row for row in stores.reports.export_rows()}
    assert [rows[i]["text"] for i in (*old_ideas, old_draft)] == ["", "", ""]
    assert all(rows[i]["purged"] for i in (*old_ideas, old_draft))
    assert rows[old_ideas[0]]["topic"] == "" and rows[old_ideas[0]]["approvals"] == 1
    assert rows[new_ideas[0]]["text"] == "a idea" and not rows[new_ideas[0]]["purged"]
    assert stores.reports.channel_stats("C1") == stats_before  # counts stay true
    # Purged words are nowhere the AI or people read them.
    assert [item.text for item in stores.reports.top_items("C1")] == ["a idea"]
    assert stores.steering.rejected_ideas("C1") == []
    assert stores.steering.channel_feedback("C1") == (["a idea"], [])
    assert stores.steering.vectors("emb", [old_ideas[1]]) == {}
    assert stores.drafts.latest_draft("C1", "100.000001") is None
    assert stores.brainstorms.brainstorm_inputs_at("C1", "100.000001").inputs is None  # type: ignore[union-attr]
    assert purge_before(privacy, NEW - timedelta(days=30)).items == 0  # nothing left to do


def test_an_embedding_worked_out_while_its_idea_was_purged_is_not_kept(
        stores: Stores, clock: Clock) -> None:
    """The embedder answers after retention purged the idea: its vector, a copy of the
    purged words, is not written (nothing would ever delete it)."""
    ideas = brainstorm(stores, "U1", 100)
    clock.at = NEW
    assert purge_before(stores.privacy, NEW - timedelta(days=30)).items == 2
    stores.steering.save_vectors("emb", {ideas[0]: b"\0" * 8})
    assert stores.steering.vectors("emb", ideas) == {}
    assert count_rows(stores.steering.engine, "item_vectors") == 0


def test_forgetting_a_person_removes_their_signals_and_words_only(
        stores: Stores) -> None:
    privacy, work = stores.privacy, stores.work
    alices = brainstorm(stores, "U0ALICE", 100)
    bobs = brainstorm(stores, "U0BOB", 200, topic="reviews")
    react(stores, alices[0], "U0ALICE")
    react(stores, alices[0], "U0BOB")
    react(stores, bobs[0], "U0ALICE", -1)
    mine, theirs = draft(stores, "U0ALICE", 300), draft(stores, "U0BOB", 400)
    stores.steering.set_guidance("C1", "Alice's words for the AI", "U0ALICE")
    stores.steering.set_guidance("C2", "Bob's words for the AI", "U0BOB")
    asked = work.accept(NewWork(kind="brainstorm", delivery_key="k1", channel="C1",
                                user_id="U0ALICE", request={"topic": "her words"}),
                        owner="me", lease=30)
    assert asked is not None and work.finish(asked)

    forgotten = privacy.forget("U0ALICE")
    assert (forgotten.signals, forgotten.brainstorms, forgotten.drafts,
            forgotten.guidance) == (2, 1, 1, 1)
    rows = {row["id"]: row for row in stores.reports.export_rows()}
    assert rows[alices[0]]["approvals"] == 1  # Bob's approval stays
    assert rows[alices[0]]["topic"] == "" and rows[alices[0]]["text"] == "a idea"
    assert rows[bobs[0]]["rejections"] == 0 and rows[bobs[0]]["topic"] == "reviews"
    assert rows[mine]["text"] == "" and rows[theirs]["text"] == "my words, polished"
    assert stores.steering.guidance("C1") is None and stores.steering.guidance("C2") is not None
    assert stores.reports.channels_of("U0ALICE") == []
    assert stores.brainstorms.latest_brainstorm_by("C1", "U0ALICE") is None
    assert privacy.forget("U0ALICE").signals == 0
    # Her request of the day keeps counting against her daily limit, without its words.
    assert work.usage("", "U0ALICE", "C1", OLD - timedelta(hours=1)).person == 1
    with work.engine.connect() as conn:
        assert conn.execute(text("SELECT request FROM work")).scalar_one() == "{}"


def test_forgetting_a_person_in_one_workspace_leaves_the_other_alone(
        stores: Stores) -> None:
    """The same person (ids are per workspace, but may repeat) in two workspaces with the
    same channel id: "forget me" in one removes nothing of the other; the operator's
    `everywhere` removes both."""
    blue, red = stores.for_team("T0BLUE"), stores.for_team("T0RED")
    ideas = {}
    for team, scoped in (("T0BLUE", blue), ("T0RED", red)):
        ideas[team] = brainstorm(scoped, "U0ALICE", 100)
        react(scoped, ideas[team][0], "U0ALICE")
        scoped.steering.set_guidance("C1", f"Alice's words for {team}", "U0ALICE")

    forgotten = blue.privacy.forget("U0ALICE")
    assert (forgotten.signals, forgotten.brainstorms, forgotten.guidance) == (1, 1, 1)
    assert blue.steering.guidance("C1") is None and blue.reports.channels_of("U0ALICE") == []
    assert red.steering.guidance("C1") is not None
    assert red.reports.channels_of("U0ALICE") == ["C1"]
    kept = {row["id"]: row for row in red.reports.export_rows()}[ideas["T0RED"][0]]
    assert kept["approvals"] == 1 and kept["topic"] == "standups"

    everywhere = stores.privacy.forget("U0ALICE", everywhere=True)
    assert (everywhere.signals, everywhere.brainstorms, everywhere.guidance) == (1, 1, 1)
    assert red.steering.guidance("C1") is None and red.reports.channels_of("U0ALICE") == []


def test_a_daily_job_is_claimed_by_exactly_one_process(
        stores: Stores) -> None:
    privacy = stores.privacy
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda n: privacy.claim_daily("retention", "2026-11-30", f"p{n}"),
                            range(16)))
    claims = [claim for claim in won if claim is not None]
    assert len(claims) == 1
    winner = claims[0]
    assert privacy.release_daily(winner, retry_in=0)  # its purge failed: given back
    again = privacy.claim_daily("retention", "2026-11-30", "p99")
    assert again is not None and again.fence == winner.fence + 1
    assert not privacy.finish_daily(winner, 3)  # the earlier holder is refused
    assert privacy.finish_daily(again, 7)
    assert not privacy.release_daily(again)  # a finished run is not given back
    assert privacy.claim_daily("retention", "2026-11-30", winner.owner) is None
    assert daily_runs(privacy.engine, "retention") == [("2026-11-30", "p99", 7)]
    assert count_rows(privacy.engine, "maintenance_runs") == 1


def test_a_claim_given_back_waits_for_its_retry_time_before_anyone_takes_it(
        stores: Stores) -> None:
    """A purge that failed gives its claim back for a later hourly offer: during a
    rolling deploy a second replica does not run the same day's purge the next second."""
    privacy = stores.privacy
    failed = privacy.claim_daily("retention", "2026-11-30", "p1")
    assert failed is not None and privacy.release_daily(failed)
    assert privacy.claim_daily("retention", "2026-11-30", "p2") is None  # not yet
    assert privacy.claim_daily("retention", "2026-11-30", "p1") is None
    assert lease_left(privacy.engine, "retention", "2026-11-30") > RETRY_IN - 60


def test_a_purge_renews_its_claim_batch_by_batch_and_stops_once_it_lost_it(
        stores: Stores, clock: Clock) -> None:
    """Each batch renews the claim first: a purge longer than the lease keeps it, and a
    holder whose lease ran out and passed to another process deletes nothing more; the
    new holder purges what is left."""
    privacy = stores.privacy
    ideas = [item for ts in (100, 200, 300) for item in brainstorm(stores, "U1", ts)]
    clock.at = NEW
    cutoff = NEW - timedelta(days=30)
    slow = privacy.claim_daily("retention", "2026-11-30", "p1", lease=60)
    assert slow is not None
    assert privacy.purge_before(cutoff, slow, lease=3600, batch=2).items == 6  # 4 batches
    assert lease_left(privacy.engine, "retention", "2026-11-30") > 3000  # renewed

    clock.at = OLD
    for ts in (400, 500):
        brainstorm(stores, "U1", ts)
    clock.at = NEW + timedelta(days=1)
    stalled = privacy.claim_daily("retention", "2026-12-01", "p1")
    assert stalled is not None
    with pytest.raises(LeaseLost):  # its lease runs out after its first batch
        privacy.purge_before(cutoff, stalled, lease=-1.0, batch=2)
    assert _texts_left(stores) == 2  # one batch of two went; it touched nothing after
    taker = privacy.claim_daily("retention", "2026-12-01", "p2")
    assert taker is not None and taker.fence == stalled.fence + 1
    with pytest.raises(LeaseLost):  # the lease is p2's now: p1 is fenced off at once
        privacy.purge_before(cutoff, stalled, batch=2)
    assert _texts_left(stores) == 2
    assert privacy.purge_before(cutoff, taker, batch=2).items == 2
    assert _texts_left(stores) == 0 and len(ideas) == 6
    assert privacy.finish_daily(taker, 2) and not privacy.finish_daily(stalled, 2)


def _texts_left(stores: Stores) -> int:
    with stores.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM items WHERE purged_at IS NULL"))
                   .scalar_one())


def test_the_sqlite_log_is_emptied_after_a_forget_unless_a_reader_holds_it(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """The edge: a reader mid-transaction (any process) pins the write-ahead log, so the
    forget cannot empty it; it says so, and the hourly offer empties it once it is free."""
    engine = make_engine(sqlite_url)
    stores, privacy = Stores.open(engine), Privacy(Settings(), PrivacyStore(engine), owner="test")
    wal = Path(sqlite_url.removeprefix("sqlite:///") + "-wal")
    brainstorm(stores, "U0ALICE", 1700000000, topic="zqsecret standups")
    reader = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM brainstorms").fetchone() == (1,)
    try:
        assert privacy.forget("U0ALICE").log_cleared is False
        assert b"zqsecret" in wal.read_bytes()  # the old frames are still there
        assert "still holds removed text" in caplog.text
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert privacy.purge_if_due() is None  # retention is off; the log is emptied anyway
    assert wal.stat().st_size == 0
    assert b"zqsecret" not in Path(sqlite_url.removeprefix("sqlite:///")).read_bytes()
    assert privacy.forget("U0BOB").log_cleared is True
    engine.dispose()


def test_copies_go_by_the_same_words_or_with_their_item_and_nothing_else_does(
        stores: Stores, clock: Clock) -> None:
    """A person's own words are removed where a value is exactly them (a topic copied by
    "More like this"), not where they are part of someone else's. Retention clears an
    idea's text in a later brainstorm's inputs once no unpurged item of the channel has
    it, which also catches copies of items purged before copies were tracked."""
    privacy = stores.privacy
    brainstorm(stores, "U0ALICE", 100, topic="standups")
    for requester, ts, topic, inputs in (
            ("U0BOB", 200, "standups", {"seed": "a idea", "approved": ["b idea"]}),
            ("U0CAROL", 300, "faster standups", {"approved": ["a idea"],
                                                  "guidance": "standups"})):
        assert stores.brainstorms.save_brainstorm(NewBrainstorm(
            channel="C1", requester=requester, topic=topic, model="m", ideas=("c idea",),
            header_ts=f"{ts}.000001", inputs=inputs)) is not None

    forgotten = privacy.forget("U0ALICE")
    assert forgotten.copies == 2  # Bob's topic; Carol's inputs (her guidance, copied)
    bob = stores.brainstorms.latest_brainstorm_by("C1", "U0BOB")
    carol = stores.brainstorms.latest_brainstorm_by("C1", "U0CAROL")
    assert bob is not None and carol is not None
    assert (bob.topic, bob.inputs) == ("", {"seed": "a idea", "approved": ["b idea"]})
    assert carol.topic == "faster standups"  # contains her words, but is not a copy
    assert carol.inputs == {"approved": ["a idea"], "guidance": ""}

    clock.at = NEW  # everything above is older than the cut-off but Carol's next one
    assert stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel="C1", requester="U0CAROL", topic="offsite", model="m", ideas=("d idea",),
        header_ts="400.000001",
        inputs={"approved": ["c idea", "long gone idea"], "rejected": ["b idea", "d idea"]}))
    assert purge_before(privacy, NEW - timedelta(days=1)).copies == 1
    latest = stores.brainstorms.latest_brainstorm_by("C1", "U0CAROL")
    assert latest is not None
    assert latest.inputs == {"approved": ["", ""], "rejected": ["", "d idea"]}


def test_a_daily_claim_whose_holder_died_is_taken_over_the_same_day(stores: Stores) -> None:
    privacy = stores.privacy
    dead = privacy.claim_daily("retention", "2026-11-30", "p1", lease=-1.0)  # ran out
    assert dead is not None
    held = privacy.claim_daily("retention", "2026-11-30", "p2")
    assert held is not None and held.fence == dead.fence + 1
    assert privacy.claim_daily("retention", "2026-11-30", "p3") is None  # p2's, alive
    assert not privacy.finish_daily(dead, 1) and not privacy.release_daily(dead)
    assert privacy.finish_daily(held, 2)
    assert daily_runs(privacy.engine, "retention") == [("2026-11-30", "p2", 2)]
