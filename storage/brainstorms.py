"""Brainstorms and their ideas: every SQL statement that saves, resumes and reads them.

A brainstorm is saved with its ideas in one transaction (or idea by idea when the model
streams them), before any of them is posted: a resumed attempt finds what an earlier
one saved and posts only what is missing.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.base import Clock, Repository, already_saved, retry_locked, utcnow
from storage.idea_words import IdeaWords
from storage.models import Brainstorm, Item


@dataclass(frozen=True)
class Steering:
    """What steered a brainstorm: how many of the channel's approved and rejected ideas
    its prompt carried, and how many proposals were dropped as a rejected idea again."""

    approved: int = 0
    rejected: int = 0
    dropped: int = 0
    guided: bool = False  # the channel's guidance was in the prompt
    decided: int = 0  # of the approved ideas, how many the team decided on ("Decide…")


@dataclass(frozen=True)
class NewBrainstorm:
    channel: str
    requester: str
    topic: str
    model: str
    ideas: Sequence[str]
    header_ts: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    steering: Steering = Steering()
    inputs: Mapping[str, Any] | None = None  # what the model was given, for `why`
    thread_ts: str | None = None  # where its ideas go, when not under its own header
    # Each idea's words for the rejection filter, in the order of `ideas` (the app works
    # them out: `bot.llm.similarity.kept_words`); none given, they are worked out when
    # first read.
    words: Sequence[IdeaWords] | None = None
    author: str | None = None  # whose message the topic is ("Brainstorm from this")


@dataclass(frozen=True)
class SavedBrainstorm:
    id: int
    item_ids: list[int]


@dataclass(frozen=True)
class StoredIdea:
    item_id: int
    position: int
    text: str
    ts: str | None  # None until its message is posted


@dataclass(frozen=True)
class StoredBrainstorm:
    """A brainstorm as saved under its header: what a resumed attempt picks up."""

    id: int
    topic: str
    model: str
    ideas: list[StoredIdea]
    steering: Steering
    note: str | None = None  # said in the header (e.g. the offline generator writes English)
    complete: bool = True  # False while (or if) a streamed answer did not finish
    stopped: str | None = None  # why the model stopped part-way, when it did


@dataclass(frozen=True)
class IdeaInContext:
    item_id: int
    position: int
    text: str
    topic: str


@dataclass(frozen=True)
class BrainstormInputs:
    """A brainstorm's inputs as they were: `/brainstorm why` shows them."""

    topic: str
    model: str
    inputs: dict[str, Any] | None  # None for brainstorms saved before they were kept
    steering: Steering


HEADS_KEPT = 1024  # brainstorms whose head `add_idea` remembers (those streaming now)


@dataclass(frozen=True)
class _Head:
    """What each idea of a brainstorm repeats from it (never changes once saved)."""

    team: str
    channel: str
    header_ts: str | None
    model: str | None


class BrainstormStore(Repository):
    """The brainstorms of a workspace, the ideas they proposed, and what steered them."""

    def __init__(self, engine: Engine, *, clock: Clock = utcnow, team: str = "") -> None:
        super().__init__(engine, clock=clock, team=team)
        # Shared by the copies `for_team` makes: a brainstorm's id says whose it is.
        self._heads: OrderedDict[int, _Head] = OrderedDict()
        self._heads_lock = threading.Lock()

    def _remember(self, brainstorm_id: int, head: _Head) -> None:
        with self._heads_lock:
            self._heads[brainstorm_id] = head
            self._heads.move_to_end(brainstorm_id)
            if len(self._heads) > HEADS_KEPT:
                self._heads.popitem(last=False)

    @retry_locked
    def save_brainstorm(self, new: NewBrainstorm) -> SavedBrainstorm | None:
        """Store a brainstorm and its ideas in one transaction: all of it or nothing.
        None when one is already saved under this header: an attempt that lost its lease
        got there first, and the first one stands."""
        now = self.clock()
        try:
            with self._write() as conn:
                brainstorm_id = conn.execute(
                    insert(Brainstorm).values(
                        team=self.team, channel=new.channel, requester=new.requester,
                        topic=new.topic, author=new.author,
                        header_ts=new.header_ts, model=new.model, prompt_tokens=new.prompt_tokens,
                        completion_tokens=new.completion_tokens, created_at=now,
                        steered_approved=new.steering.approved,
                        steered_rejected=new.steering.rejected,
                        dropped_as_rejected=new.steering.dropped,
                        inputs=json.dumps(new.inputs, ensure_ascii=False)
                        if new.inputs is not None else None,
                    ).returning(Brainstorm.id)
                ).scalar_one()
                words = new.words if new.words is not None else [None] * len(new.ideas)
                item_ids = [
                    conn.execute(
                        insert(Item).values(
                            brainstorm_id=brainstorm_id, kind="idea", text=text,
                            team=self.team, channel=new.channel, ts=None,
                            thread_ts=new.thread_ts or new.header_ts,
                            position=position, model=new.model, created_at=now,
                            **_kept(kept),
                        ).returning(Item.id)
                    ).scalar_one()
                    for position, (text, kept) in enumerate(
                        zip(new.ideas, words, strict=True), start=1)
                ]
            self._remember(brainstorm_id, _Head(self.team, new.channel, new.header_ts,
                                                new.model))
            return SavedBrainstorm(id=brainstorm_id, item_ids=item_ids)
        except IntegrityError as exc:
            already_saved(exc, "uq_brainstorms_channel_header")
        return None

    @retry_locked
    def add_idea(self, brainstorm_id: int, text: str, position: int,
                 thread_ts: str | None = None, words: IdeaWords | None = None) -> int:
        """One more idea of a brainstorm whose ideas arrive one by one (streamed), in
        `thread_ts` (default: under its header), with its `words` for the rejection
        filter. The brainstorm's head is remembered from `save_brainstorm` (its first
        idea), so a streamed idea is one statement, not a read and a write."""
        with self._heads_lock:
            head = self._heads.get(brainstorm_id)
        with self._write() as conn:
            if head is None:  # saved by another process, or before a restart
                row = conn.execute(select(Brainstorm.team, Brainstorm.channel,
                                          Brainstorm.header_ts, Brainstorm.model)
                                   .where(Brainstorm.id == brainstorm_id)).one()
                head = _Head(row.team, row.channel, row.header_ts, row.model)
            return int(conn.execute(
                insert(Item).values(
                    brainstorm_id=brainstorm_id, kind="idea", text=text, team=head.team,
                    channel=head.channel,
                    ts=None, thread_ts=thread_ts or head.header_ts, position=position,
                    model=head.model,
                    created_at=self.clock(), **_kept(words),
                ).returning(Item.id)
            ).scalar_one())

    @retry_locked
    def finish_brainstorm(self, brainstorm_id: int, *, prompt_tokens: int | None,
                          completion_tokens: int | None, dropped: int,
                          inputs: Mapping[str, Any]) -> None:
        """What is only known once a streamed answer is complete."""
        with self._write() as conn:
            conn.execute(update(Brainstorm).where(Brainstorm.id == brainstorm_id).values(
                prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                dropped_as_rejected=dropped, inputs=json.dumps(inputs, ensure_ascii=False)))

    def brainstorm_at(self, channel: str, header_ts: str) -> StoredBrainstorm | None:
        """The brainstorm saved under the header `header_ts`, with its ideas in order."""
        with self._read() as conn:
            head = conn.execute(
                select(Brainstorm.id, Brainstorm.topic, Brainstorm.model, Brainstorm.inputs,
                       *_STEERING)
                .where(self._in(Brainstorm, channel), Brainstorm.header_ts == header_ts)
            ).first()
            if head is None:
                return None
            ideas = [StoredIdea(row.id, row.position, row.text, row.ts) for row in conn.execute(
                select(Item.id, Item.position, Item.text, Item.ts)
                .where(Item.brainstorm_id == head.id).order_by(Item.position))]
        inputs = _inputs_of(head)
        note = inputs.get("note")
        return StoredBrainstorm(head.id, head.topic, head.model, ideas, _steering(head),
                                note if isinstance(note, str) else None,
                                complete=not inputs.get("streamed") or bool(
                                    inputs.get("complete")),
                                stopped=str(inputs["stopped"]) if inputs.get("stopped")
                                else None)

    def latest_brainstorm_by(self, channel: str, requester: str) -> BrainstormInputs | None:
        """What the requester's latest brainstorm in the channel was given, if any."""
        return self._inputs(self._in(Brainstorm, channel), Brainstorm.requester == requester)

    def idea_at(self, item_id: int) -> IdeaInContext:
        """An idea with its position and its brainstorm's topic ("Draft this", "More like
        this")."""
        with self._read() as conn:
            row = conn.execute(
                select(Item.position, Item.text, Brainstorm.topic)
                .join(Brainstorm, Brainstorm.id == Item.brainstorm_id)
                .where(Item.id == item_id)).one()
        return IdeaInContext(item_id, row.position, row.text, row.topic)

    def brainstorm_inputs_at(self, channel: str, header_ts: str) -> BrainstormInputs | None:
        """What the brainstorm under the header `header_ts` was given, if it is one."""
        return self._inputs(self._in(Brainstorm, channel), Brainstorm.header_ts == header_ts)

    def _inputs(self, *where: Any) -> BrainstormInputs | None:
        with self._read() as conn:
            row = conn.execute(
                select(Brainstorm.topic, Brainstorm.model, Brainstorm.inputs, *_STEERING)
                .where(*where).order_by(Brainstorm.id.desc()).limit(1)
            ).first()
        if row is None:
            return None
        return BrainstormInputs(topic=row.topic, model=row.model,
                                inputs=_inputs_of(row) if row.inputs else None,
                                steering=_steering(row))

    @retry_locked
    def mark_posted(self, item_id: int, ts: str) -> None:
        """Record the Slack ts of an item once its message exists."""
        with self._write() as conn:
            conn.execute(update(Item).where(Item.id == item_id).values(ts=ts))
    def brainstorm_ideas(self, channel: str, thread_ts: str) -> list[str] | None:
        """The ideas of the thread's brainstorm, in order: the one whose header is
        `thread_ts`, else the latest one posted in that thread (a follow-up, or the
        assistant pane's); None when the thread has none."""
        with self._read() as conn:
            brainstorm_id = conn.execute(
                select(Brainstorm.id).where(self._in(Brainstorm, channel),
                                            Brainstorm.header_ts == thread_ts)
            ).scalar() or conn.execute(
                select(Item.brainstorm_id).where(
                    self._in(Item, channel), Item.thread_ts == thread_ts,
                    Item.brainstorm_id.is_not(None))
                .order_by(Item.brainstorm_id.desc()).limit(1)
            ).scalar()
            if brainstorm_id is None:
                return None
            return list(conn.execute(
                select(Item.text).where(Item.brainstorm_id == brainstorm_id)
                .order_by(Item.position)
            ).scalars())

_STEERING = (Brainstorm.steered_approved, Brainstorm.steered_rejected,
             Brainstorm.dropped_as_rejected)


def _steering(row: Any) -> Steering:
    """What steered a brainstorm, from a row with the `_STEERING` columns and its inputs
    (empty before they were kept)."""
    inputs = _inputs_of(row)
    decided = inputs.get("decided")
    return Steering(row.steered_approved or 0, row.steered_rejected or 0,
                    row.dropped_as_rejected or 0, bool(inputs.get("guidance")),
                    decided=len(decided) if isinstance(decided, list) else 0)


def _kept(words: IdeaWords | None) -> dict[str, Any]:
    """The columns of an idea's words (none when the app gave none)."""
    if words is None:
        return {}
    return {"idea_form": words.form, "idea_words": words.words,
            "words_version": words.version}


def _inputs_of(row: Any) -> dict[str, Any]:
    """A brainstorm row's inputs JSON as a dict ({} when none were kept)."""
    inputs = json.loads(row.inputs) if row.inputs else {}
    return inputs if isinstance(inputs, dict) else {}

