"""Steering: what the next brainstorm is told and kept from. Every SQL statement about a
channel's standing guidance, its approved and rejected ideas, what it was already
offered, and the embeddings the rejection filter compares by meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal_column,
    select,
    update,
)

from storage.base import Repository, retry_locked
from storage.idea_words import IdeaWords
from storage.models import Brainstorm, ChannelGuidance, Decision, Item, ItemVector, Signal
from storage.scores import score_expr


@dataclass(frozen=True)
class Guidance:
    text: str
    set_by: str
    set_at: datetime


class RejectedIdea(NamedTuple):
    """A rejected idea as the filter reads it. A named tuple: a channel's 10,000 are
    made from their rows at C speed (a frozen dataclass's `__init__` took a third of
    reading them)."""

    item_id: int
    text: str
    # Its words as kept with it (`IdeaWords`, flat: 10,000 rejections make no objects
    # more); None where none are kept (before 0020).
    form: str | None = None
    words: str | None = None
    words_version: int | None = None

VECTOR_BATCH = 500  # item ids per IN (…) when reading embeddings
FEEDBACK_WINDOW = 2_000  # recent items weighed when steering a brainstorm


class SteeringStore(Repository):
    """What steers a channel's next brainstorm: guidance, feedback, rejections, vectors."""

    def guidance(self, channel: str) -> Guidance | None:
        """The channel's standing guidance to the AI, if any."""
        with self._read() as conn:
            row = conn.execute(select(ChannelGuidance.text, ChannelGuidance.set_by,
                                      ChannelGuidance.set_at)
                               .where(self._in(ChannelGuidance, channel))).first()
        return Guidance(row.text, row.set_by, row.set_at) if row else None

    @retry_locked
    def set_guidance(self, channel: str, text: str, user: str) -> None:
        stmt = self._insert(ChannelGuidance).values(team=self.team, channel=channel, text=text,
                                                    set_by=user, set_at=self.clock())
        with self._write() as conn:
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["team", "channel"],
                set_={"text": stmt.excluded.text, "set_by": stmt.excluded.set_by,
                      "set_at": stmt.excluded.set_at}))

    @retry_locked
    def clear_guidance(self, channel: str) -> bool:
        """Remove the channel's guidance; False when it had none."""
        with self._write() as conn:
            return bool(conn.execute(delete(ChannelGuidance)
                                     .where(self._in(ChannelGuidance, channel))).rowcount)

    def channel_feedback(self, channel: str, limit: int = 8, *,
                         window: int = FEEDBACK_WINDOW) -> tuple[list[str], list[str]]:
        """Texts of the channel's most approved and of its rejected items.

        Approved: net score > 0, best first. Rejected: net score < 0, worst first.
        Used to steer the next brainstorm and to keep rejected ideas from coming back.
        Only the channel's `window` most recent items are weighed, so the cost of every
        brainstorm stays flat as history grows (it grew linearly: 1 s at 1M signals).
        """
        recent = (
            select(Item.id).where(self._in(Item, channel), Item.ts.is_not(None),
                                  Item.purged_at.is_(None))
            .order_by(Item.created_at.desc()).limit(window).subquery()
        )
        score = score_expr()
        query = (
            select(Item.text, score.label("score"))
            .join(recent, recent.c.id == Item.id)
            .join(Signal, and_(Signal.item_id == Item.id, Signal.active))
            .group_by(Item.id, Item.text)
        )
        # A decision is the strongest approval: decided ideas lead the approved ones.
        decided = exists(select(Decision.id).where(Decision.item_id == Item.id,
                                                   Decision.status != "dropped"))
        with self._read() as conn:
            best = conn.execute(
                query.having(score > 0)
                .order_by(case((decided, 0), else_=1), score.desc(), Item.id.desc())
                .limit(limit)
            ).all()
            worst = conn.execute(
                query.having(score < 0).order_by(score.asc(), Item.id.desc()).limit(limit * 4)
            ).all()
        return [row.text for row in best], [row.text for row in worst]

    def decided_texts(self, channel: str, *, window: int = FEEDBACK_WINDOW) -> set[str]:
        """The texts of the channel's recent items the team made a decision on (and did
        not drop): named as decided where they steer a brainstorm."""
        recent = (select(Item.id).where(self._in(Item, channel), Item.ts.is_not(None),
                                        Item.purged_at.is_(None))
                  .order_by(Item.created_at.desc()).limit(window).subquery())
        with self._read() as conn:
            return set(conn.execute(
                select(Item.text).join(recent, recent.c.id == Item.id)
                .where(exists(select(Decision.id).where(Decision.item_id == Item.id,
                                                        Decision.status != "dropped")))
            ).scalars())

    def proposed_on(self, channel: str, topic: str, limit: int = 30,
                    recent: int = 500) -> list[str]:
        """The latest ideas proposed in the channel on `topic` (the same words, whatever
        their case), among its `recent` brainstorms: what asking again should move on
        from. Cases are folded here, not in SQL: SQLite's lower() folds only ASCII."""
        key = topic.strip().casefold()
        with self._read() as conn:
            same = [row.id for row in conn.execute(
                select(Brainstorm.id, Brainstorm.topic).where(self._in(Brainstorm, channel))
                .order_by(Brainstorm.id.desc()).limit(recent))
                if row.topic.strip().casefold() == key]
            if not same:
                return []
            return list(conn.execute(
                select(Item.text).where(Item.brainstorm_id.in_(same), Item.purged_at.is_(None))
                .order_by(Item.id.desc()).limit(limit)).scalars())

    def passed_over(self, channel: str, limit: int = 50) -> list[str]:
        """The channel's latest posted ideas that nobody reacted to (no signal at all)."""
        judged = select(Signal.item_id).where(Signal.item_id == Item.id)
        query = (
            select(Item.text)
            .where(self._in(Item, channel), Item.kind == "idea", Item.ts.is_not(None),
                   Item.purged_at.is_(None), ~judged.exists())
            .order_by(Item.created_at.desc(), Item.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def rejected_ideas(self, channel: str) -> list[RejectedIdea]:
        """Every idea the channel rejected (net score below zero), however old: a
        rejection stays a rejection. Reached through the partial index of standing
        rejections, so the cost follows how many items were ever rejected, not history.

        The net score is `score_expr`'s (distinct approvers minus distinct rejecters),
        worked out from the signals alone: each person's ±1 on an item once (DISTINCT),
        summed per item, then joined to the items. Grouping the join by item with two
        COUNT(DISTINCT …) each built two temporary B-trees per item, and grouped and
        sorted the texts with them: 10,000 rejected ideas read in about half the time
        now (`bench/similarity.py`)."""
        # -1 written into the statement, so that a prepared, generic plan still matches
        # the partial index's predicate.
        rejected_items = select(Signal.item_id).where(
            Signal.active, Signal.polarity == literal_column("-1"))
        votes = (select(Signal.item_id, Signal.user_id, Signal.polarity).distinct()
                 .where(Signal.active, Signal.polarity.in_([literal_column("1"),
                                                            literal_column("-1")]),
                        Signal.item_id.in_(rejected_items))
                 .subquery())
        standing = (select(votes.c.item_id).group_by(votes.c.item_id)
                    .having(func.sum(votes.c.polarity) < 0).subquery())
        query = (
            select(Item.id, Item.text, Item.idea_form, Item.idea_words, Item.words_version)
            .join(standing, standing.c.item_id == Item.id)
            .where(self._in(Item, channel), Item.kind == "idea", Item.purged_at.is_(None))
            .order_by(Item.id)
        )
        with self._read() as conn:
            # fetched at once: iterating a result fetches row by row
            return list(map(RejectedIdea._make, conn.execute(query).all()))

    @retry_locked
    def save_words(self, words: Mapping[int, IdeaWords]) -> None:
        """Keep ideas' words worked out again (none were kept, or by another version of
        the rule). An idea purged meanwhile stays without: its text is gone."""
        if not words:
            return
        stmt = (update(Item)
                .where(Item.id == bindparam("item_id"), Item.purged_at.is_(None))
                .values(idea_form=bindparam("form"), idea_words=bindparam("words"),
                        words_version=bindparam("version")))
        with self._write() as conn:
            conn.execute(stmt, [{"item_id": item_id, "form": kept.form, "words": kept.words,
                                 "version": kept.version} for item_id, kept in words.items()])

    def vectors(self, model: str, item_ids: Sequence[int]) -> dict[int, bytes]:
        """The stored embeddings by `model` of those of `item_ids` that have one."""
        found: dict[int, bytes] = {}
        with self._read() as conn:
            for start in range(0, len(item_ids), VECTOR_BATCH):
                batch = item_ids[start:start + VECTOR_BATCH]
                found.update((row.item_id, row.vector) for row in conn.execute(
                    select(ItemVector.item_id, ItemVector.vector)
                    .where(ItemVector.model == model, ItemVector.item_id.in_(batch))))
        return found

    @retry_locked
    def save_vectors(self, model: str, vectors: Mapping[int, bytes]) -> None:
        """Keep items' embeddings by `model`; one already kept stays (it is the same).

        An embedding is a copy of its idea's words, worked out over the network: an idea
        purged meanwhile (retention, forgetting) gets none, and its row stays locked until
        this commits, so a purge running now deletes what this writes."""
        if not vectors:
            return
        live = (select(Item.id).where(Item.id.in_(list(vectors)), Item.purged_at.is_(None))
                .with_for_update())
        stmt = self._insert(ItemVector).on_conflict_do_nothing(
            index_elements=["item_id", "model"])
        with self._write() as conn:
            kept = [item_id for (item_id,) in conn.execute(live)]
            if kept:
                conn.execute(stmt, [{"item_id": item_id, "model": model,
                                     "vector": vectors[item_id]} for item_id in kept])

