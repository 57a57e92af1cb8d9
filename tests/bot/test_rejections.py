"""The rejection filter by words reads each rejected idea's words as kept with it, and
works out again (and saves back) those none were kept for or made by another version of
the rule: the decisions are the ones the texts give, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

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


def test_words_missing_or_of_another_version_are_worked_out_again_and_saved(
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
    assert [IdeaWords(r.form, r.words, r.words_version)  # type: ignore[arg-type]
            for r in stores.steering.rejected_ideas("C1")] == [
        words_to_keep(idea) for idea in REJECTED]
