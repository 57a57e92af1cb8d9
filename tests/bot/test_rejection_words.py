"""The rejection filter by words reads each rejected idea's words as kept with it, and
works out again (and saves back) those none were kept for or made by another version of
the rule: the decisions are the ones the texts give, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.config import Settings
from bot.ideas import Brainstormer
from bot.llm.offline_model import OfflineModel
from bot.llm.similarity import WORDS_VERSION
from bot.rejections import RejectionFilter, words_to_keep
from storage.brainstorms import NewBrainstorm
from storage.idea_words import IdeaWords
from storage.signals import ReactionChange
from storage.stores import Stores

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REJECTED = ("Walking standups around the block", "A shared lunch on Fridays",
            "Pair every newcomer with a buddy")


def _reject_all(stores: Stores, kept: list[IdeaWords]) -> list[int]:
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel="C1", requester="U1", topic="team habits", model="m", header_ts="1.000001",
        ideas=REJECTED, words=kept))
    assert saved is not None
    stores.signals.apply_reactions([ReactionChange(
        item_id=item_id, user_id="U2", emoji="-1", polarity=-1, active=True, event_us=1,
        at=AT) for item_id in saved.item_ids])
    return saved.item_ids


def test_ideas_are_judged_by_their_kept_words_as_by_their_texts(stores: Stores) -> None:
    _reject_all(stores, [words_to_keep(idea) for idea in REJECTED])
    check = RejectionFilter(stores.steering).check("C1", "team habits")
    assert not check.keeps("Standups walking around the block")[0]  # reworded
    assert not check.keeps("a shared lunch on fridays!")[0]  # the same normal form
    assert check.keeps("A book club at lunch")[0]
    assert check.keeps("Rotate who runs the retro")[0]


def test_words_missing_or_of_another_version_are_worked_out_again_to_be_saved(
        stores: Stores) -> None:
    stale = IdeaWords("zz", "zz", WORDS_VERSION - 1)  # what an older rule made of them
    ids = _reject_all(stores, [stale, stale, stale])
    with stores.engine.begin() as conn:  # one saved before 0020: nothing kept
        conn.execute(text("UPDATE items SET idea_form = NULL, idea_words = NULL, "
                          "words_version = NULL WHERE id = :id"), {"id": ids[2]})
    check = RejectionFilter(stores.steering).check("C1", "team habits")
    assert check.keeps("zz")[0]  # the stale words judge nothing
    assert not check.keeps("Standups walking around the block")[0]
    assert not check.keeps("Pair each newcomer with a buddy")[0]
    assert check.refreshed == {item_id: words_to_keep(idea)
                               for item_id, idea in zip(ids, REJECTED, strict=True)}
    stores.steering.save_words(check.refreshed)  # as the brainstorm does
    assert RejectionFilter(stores.steering).check("C1", "team habits").refreshed == {}
    assert [IdeaWords(r.form, r.words, r.words_version)  # type: ignore[arg-type]
            for r in stores.steering.rejected_ideas("C1")] == [
        words_to_keep(idea) for idea in REJECTED]


def test_a_brainstorm_saves_back_the_words_worked_out_again_and_keeps_its_ideas_words(
        stores: Stores) -> None:
    ids = _reject_all(stores, [IdeaWords("zz", "zz", WORDS_VERSION - 1)] * 3)
    done = Brainstormer(Settings(), OfflineModel(), stores).run(
        channel="C1", requester="U1", topic="team habits", header_ts="2.000001")
    kept = {r.item_id: IdeaWords(r.form, r.words, r.words_version)  # type: ignore[arg-type]
            for r in stores.steering.rejected_ideas("C1")}
    assert kept == {item_id: words_to_keep(idea)
                    for item_id, idea in zip(ids, REJECTED, strict=True)}
    with stores.engine.connect() as conn:
        saved = conn.execute(text("SELECT id, text, idea_form, idea_words, words_version "
                                  "FROM items WHERE id > :last ORDER BY id"),
                             {"last": ids[-1]}).all()
    assert [row.id for row in saved] == [idea.item_id for idea in done.ideas]
    assert all(IdeaWords(row.idea_form, row.idea_words, row.words_version)
               == words_to_keep(row.text) for row in saved)
