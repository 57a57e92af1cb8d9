"""Every SQL statement of the core loop. Plain values in, plain values out.

Writes are short transactions that take the write lock at their start (see
`storage.db` and `storage.base`), retried a few times if SQLite still reports a lock,
and idempotent: a repeated Slack delivery leaves the database as it was.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal_column,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import aliased

from storage.base import Clock, Repository, retry_locked, translated, utcnow
from storage.db import WRITE
from storage.models import (
    Brainstorm,
    ChannelGuidance,
    DigestRun,
    DigestSubscription,
    Item,
    ItemVector,
    Signal,
    Work,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemRef:
    """Enough about a posted item to attach a reaction to it."""

    id: int
    kind: str
    channel: str
    ts: str


@dataclass(frozen=True)
class Guidance:
    text: str
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class RejectedIdea:
    item_id: int
    text: str


@dataclass(frozen=True)
class Steering:
    """What steered a brainstorm: how many of the channel's approved and rejected ideas
    its prompt carried, and how many proposals were dropped as a rejected idea again."""

    approved: int = 0
    rejected: int = 0
    dropped: int = 0
    guided: bool = False  # the channel's guidance was in the prompt


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


@dataclass(frozen=True)
class NewDraft:
    channel: str
    thread_ts: str
    ts: str
    text: str
    instruction: str
    model: str
    parent_id: int | None = None
    sources: str | None = None  # which thread messages it drew on, said under it
    source_users: tuple[str, ...] = ()  # the Slack ids of the people `sources` may name
    kind: str = "draft"  # or "feedback" (a critique), "polish" (an edited version)
    prompt_tokens: int | None = None  # None: the offline generator, which uses none
    completion_tokens: int | None = None
    requester: str | None = None  # who asked for it


@dataclass(frozen=True)
class StoredDraft:
    id: int
    text: str
    ts: str
    instruction: str | None
    parent_id: int | None = None  # the draft this one revises
    sources: str | None = None
    kind: str = "draft"


@dataclass(frozen=True)
class ReactionChange:
    """A `reaction_added` (active=True) or `reaction_removed` (active=False) on an item."""

    item_id: int
    user_id: str
    emoji: str
    polarity: int
    active: bool
    event_us: int
    at: datetime


@dataclass(frozen=True)
class ButtonClick:
    """A click on one of an item's buttons, as a signal named `button`."""

    item_id: int
    user_id: str
    button: str  # stored as the signal's emoji: "button:up", "button:down", …
    polarity: int
    event_us: int  # Slack's action_ts: orders clicks, and makes a re-delivery a no-op
    at: datetime
    toggles: bool = True  # a second click takes it back ("Draft this" does not)
    exclusive: tuple[str, ...] = ()  # buttons this one turns off


@dataclass(frozen=True)
class RankedItem:
    """An item in a ranking (top, digests), with who approved it."""

    id: int
    kind: str
    text: str
    channel: str
    ts: str
    topic: str | None
    score: int
    approvals: int
    rejections: int
    approvers: list[str]


@dataclass(frozen=True)
class KindStats:
    items: int
    judged: int  # items with at least one active signal
    approved: int  # items whose net score is positive
    rejected: int  # items whose net score is negative


@dataclass(frozen=True)
class ChannelStats:
    kinds: dict[str, KindStats]
    people: int  # distinct people whose signals are active


ITEM_CACHE_SIZE = 10_000
WRITTEN = ("draft", "feedback", "polish")  # items written from a thread on a mention
REVISABLE = ("draft", "polish")
VECTOR_BATCH = 500  # item ids per IN (…) when reading embeddings
FEEDBACK_WINDOW = 2_000  # recent items weighed when steering a brainstorm
EXPORT_FIELDS = (
    "id", "kind", "channel", "ts", "thread_ts", "position", "text", "topic", "brainstorm_id",
    "model", "approvals", "rejections", "neutral", "score", "created_at", "purged", "team",
)


class Store(Repository):
    """The core repository: brainstorms, items, drafts, signals, deliveries, rankings."""

    def __init__(self, engine: Engine, *, clock: Clock = utcnow, team: str = "") -> None:
        super().__init__(engine, clock=clock, team=team)
        self._items: OrderedDict[tuple[str, str, str], ItemRef] = OrderedDict()
        self._items_lock = threading.Lock()

    @retry_locked
    def adopt_unowned(self, team: str) -> int:
        """Give rows from before workspaces were recorded (team "") to workspace `team`:
        the one workspace of a bot token. Where the workspace already has a row with the
        same key (a schedule or guidance set since), the old one is dropped: two
        schedules for one channel would post its digest twice. How many rows changed."""
        changed = 0
        with self._write() as conn:
            rows: tuple[Any, ...] = (Brainstorm, Item, Work)
            for table in rows:
                changed += conn.execute(update(table).where(table.team == "")
                                        .values(team=team)).rowcount
            keyed_rows: tuple[tuple[Any, tuple[str, ...]], ...] = (
                (ChannelGuidance, ("channel",)), (DigestSubscription, ("channel",)),
                (DigestRun, ("channel", "period_key")))
            for keyed, key in keyed_rows:
                taken = aliased(keyed)
                clash = select(taken.team).where(
                    taken.team == team,
                    *(getattr(taken, column) == getattr(keyed, column) for column in key))
                changed += conn.execute(update(keyed).where(keyed.team == "", ~clash.exists())
                                        .values(team=team)).rowcount
                conn.execute(delete(keyed).where(keyed.team == ""))  # the clashing ones
        return changed

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query (health checks)."""
        with self._read() as conn:
            conn.execute(select(1))

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
                        topic=new.topic,
                        header_ts=new.header_ts, model=new.model, prompt_tokens=new.prompt_tokens,
                        completion_tokens=new.completion_tokens, created_at=now,
                        steered_approved=new.steering.approved,
                        steered_rejected=new.steering.rejected,
                        dropped_as_rejected=new.steering.dropped,
                        inputs=json.dumps(new.inputs, ensure_ascii=False)
                        if new.inputs is not None else None,
                    ).returning(Brainstorm.id)
                ).scalar_one()
                item_ids = [
                    conn.execute(
                        insert(Item).values(
                            brainstorm_id=brainstorm_id, kind="idea", text=text,
                            team=self.team, channel=new.channel, ts=None,
                            thread_ts=new.thread_ts or new.header_ts,
                            position=position, model=new.model, created_at=now,
                        ).returning(Item.id)
                    ).scalar_one()
                    for position, text in enumerate(new.ideas, start=1)
                ]
                return SavedBrainstorm(id=brainstorm_id, item_ids=item_ids)
        except IntegrityError as exc:
            _already_saved(exc, "uq_brainstorms_channel_header")
        return None

    @retry_locked
    def add_idea(self, brainstorm_id: int, text: str, position: int,
                 thread_ts: str | None = None) -> int:
        """One more idea of a brainstorm whose ideas arrive one by one (streamed), in
        `thread_ts` (default: under its header)."""
        with self._write() as conn:
            head = conn.execute(select(Brainstorm.team, Brainstorm.channel,
                                       Brainstorm.header_ts, Brainstorm.model)
                                .where(Brainstorm.id == brainstorm_id)).one()
            return int(conn.execute(
                insert(Item).values(
                    brainstorm_id=brainstorm_id, kind="idea", text=text, team=head.team,
                    channel=head.channel,
                    ts=None, thread_ts=thread_ts or head.header_ts, position=position,
                    model=head.model,
                    created_at=self.clock(),
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

    def item_at(self, channel: str, ts: str) -> ItemRef | None:
        """The item posted as message `ts` in `channel`, if the bot posted one there.

        Found items are remembered (a bounded LRU): an item's message never changes, and
        every reaction asks. Misses are not remembered, as the item may be posted next.
        """
        key = (self.team, channel, ts)
        with self._items_lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        with self._read() as conn:
            row = conn.execute(
                select(Item.id, Item.kind, Item.channel, Item.ts).where(
                    self._in(Item, channel), Item.ts == ts
                )
            ).first()
        if row is None:
            return None
        item = ItemRef(row.id, row.kind, row.channel, row.ts)
        with self._items_lock:
            self._items[key] = item
            if len(self._items) > ITEM_CACHE_SIZE:
                self._items.popitem(last=False)
        return item

    # -- drafts ---------------------------------------------------------------------

    def latest_draft(self, channel: str, thread_ts: str) -> StoredDraft | None:
        """The newest posted draft or polished version in a thread: what a further
        mention revises (a critique is not revised: it is answered)."""
        return self._draft(self._in(Item, channel), Item.thread_ts == thread_ts,
                           Item.purged_at.is_(None), kinds=REVISABLE)

    def draft_at(self, channel: str, ts: str) -> StoredDraft | None:
        """The draft, critique or polished version saved as message `ts` (a resumed
        attempt finds it done)."""
        return self._draft(self._in(Item, channel), Item.ts == ts, kinds=WRITTEN)

    def _draft(self, *where: Any, kinds: tuple[str, ...]) -> StoredDraft | None:
        with self._read() as conn:
            row = conn.execute(
                select(Item.id, Item.text, Item.ts, Item.instruction, Item.parent_id,
                       Item.sources, Item.kind)
                .where(*where, Item.kind.in_(kinds), Item.ts.is_not(None))
                .order_by(Item.created_at.desc(), Item.id.desc())
                .limit(1)
            ).first()
        return (StoredDraft(row.id, row.text, row.ts, row.instruction, row.parent_id,
                            row.sources, row.kind) if row else None)

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

    @retry_locked
    def save_draft(self, draft: NewDraft) -> int | None:
        """Store a posted draft (one item, whatever number of messages it took). None when
        a draft is already saved under its message (saved by an attempt that lost its
        lease): the first one stands."""
        try:
            with self._write() as conn:
                return conn.execute(
                    insert(Item).values(
                        brainstorm_id=None, kind=draft.kind, text=draft.text,
                        team=self.team, channel=draft.channel,
                        ts=draft.ts, thread_ts=draft.thread_ts, position=0, model=draft.model,
                        created_at=self.clock(), instruction=draft.instruction,
                        parent_id=draft.parent_id, sources=draft.sources,
                        source_users=_ids(draft.source_users),
                        prompt_tokens=draft.prompt_tokens,
                        completion_tokens=draft.completion_tokens,
                        requester=draft.requester,
                    ).returning(Item.id)
                ).scalar_one()
        except IntegrityError as exc:
            _already_saved(exc, "uq_items_channel_ts")
        return None

    # -- signals ----------------------------------------------------------------------

    @retry_locked
    def apply_reactions(self, changes: Sequence[ReactionChange]) -> None:
        """Apply reaction changes in one transaction, each unless a newer change for the
        same person, item and emoji is already stored.

        One statement per change (`INSERT … ON CONFLICT DO UPDATE … WHERE older`) makes this
        atomic across threads and processes: retries, duplicates and out-of-order
        deliveries of added/removed all converge on the state of the newest event. Within
        the batch, changes to the same signal apply in order and the newest still wins."""
        if not changes:
            return
        with self._write() as conn:
            conn.execute(self._upsert_signal_many, [_signal_values(c) for c in changes])

    @contextmanager
    def signal_sink(self) -> Iterator[SignalSink]:
        """A connection of its own for the thread that writes signals (see `SignalSink`)."""
        sink = SignalSink(self)
        try:
            yield sink
        finally:
            sink.close()

    @cached_property
    def _upsert_signal_many(self) -> Any:
        """The statement behind `apply_reactions`, built once: it runs for every reaction,
        and building it (not compiling: SQLAlchemy caches that) was a third of its cost."""
        stmt = self._insert(Signal).values(
            {name: bindparam(name) for name in (
                "item_id", "user_id", "emoji", "polarity", "active", "event_us", "added_at",
                "removed_at")}
        )
        excluded = stmt.excluded
        return stmt.on_conflict_do_update(
            index_elements=["item_id", "user_id", "emoji"],
            set_={
                "polarity": excluded.polarity,
                "active": excluded.active,
                "event_us": excluded.event_us,
                "removed_at": excluded.removed_at,
                "added_at": case((excluded.active, excluded.added_at), else_=Signal.added_at),
            },
            where=Signal.event_us < excluded.event_us,
        )

    @retry_locked
    def click(self, click: ButtonClick) -> bool:
        """Apply a click on a message's buttons, once: the clicked signal is turned on,
        or off when it was on (a second click takes it back); the buttons named in
        `exclusive` are turned off (👍 and 👎 exclude each other). A delivery no newer
        than the last click on that signal changes nothing. True when the clicked signal
        is on afterwards."""
        values = {"item_id": click.item_id, "user_id": click.user_id, "emoji": click.button,
                  "polarity": click.polarity, "active": True, "event_us": click.event_us,
                  "added_at": click.at, "removed_at": None, "source": "button"}
        stmt = self._insert(Signal).values(values)
        toggled = stmt.on_conflict_do_update(
            index_elements=["item_id", "user_id", "emoji"],
            set_={"active": ~Signal.active if click.toggles else true(),
                  "event_us": stmt.excluded.event_us,
                  "added_at": case((Signal.active, Signal.added_at), else_=stmt.excluded.added_at),
                  "removed_at": case((Signal.active, stmt.excluded.added_at), else_=None)
                  if click.toggles else None},
            where=Signal.event_us < stmt.excluded.event_us)
        with self._write() as conn:
            conn.execute(toggled)
            if click.exclusive:
                conn.execute(
                    update(Signal)
                    .where(Signal.item_id == click.item_id, Signal.user_id == click.user_id,
                           Signal.emoji.in_(click.exclusive), Signal.active,
                           Signal.event_us < click.event_us)
                    .values(active=False, event_us=click.event_us, removed_at=click.at))
            return bool(conn.execute(
                select(Signal.active).where(Signal.item_id == click.item_id,
                                            Signal.user_id == click.user_id,
                                            Signal.emoji == click.button)).scalar())

    # -- steering -------------------------------------------------------------------

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
        score = _score_expr()
        query = (
            select(Item.text, score.label("score"))
            .join(recent, recent.c.id == Item.id)
            .join(Signal, and_(Signal.item_id == Item.id, Signal.active))
            .group_by(Item.id, Item.text)
        )
        with self._read() as conn:
            best = conn.execute(
                query.having(score > 0).order_by(score.desc(), Item.id.desc()).limit(limit)
            ).all()
            worst = conn.execute(
                query.having(score < 0).order_by(score.asc(), Item.id.desc()).limit(limit * 4)
            ).all()
        return [row.text for row in best], [row.text for row in worst]

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
        rejections, so the cost follows how many items were ever rejected, not history."""
        # -1 written into the statement, so that a prepared, generic plan still matches
        # the partial index's predicate.
        rejected_items = select(Signal.item_id).where(
            Signal.active, Signal.polarity == literal_column("-1"))
        score = _score_expr()
        query = (
            select(Item.id, Item.text)
            .join(Signal, and_(Signal.item_id == Item.id, Signal.active))
            .where(self._in(Item, channel), Item.kind == "idea", Item.id.in_(rejected_items),
                   Item.purged_at.is_(None))
            .group_by(Item.id, Item.text)
            .having(score < 0)
            .order_by(Item.id)
        )
        with self._read() as conn:
            return [RejectedIdea(row.id, row.text) for row in conn.execute(query)]

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
        """Keep items' embeddings by `model`; one already kept stays (it is the same)."""
        if not vectors:
            return
        stmt = self._insert(ItemVector).on_conflict_do_nothing(
            index_elements=["item_id", "model"])
        with self._write() as conn:
            conn.execute(stmt, [{"item_id": item_id, "model": model, "vector": vector}
                                for item_id, vector in vectors.items()])

    # -- rankings -------------------------------------------------------------------

    def top_items(self, channel: str, *, since: datetime | None = None,
                  until: datetime | None = None, limit: int = 10) -> list[RankedItem]:
        """The channel's best-approved items created in [since, until).

        Ranked by score (distinct approvers − distinct rejecters), then approvals, then
        recency; only items with a positive score. Approvers come back as user ids.
        """
        return self._ranked(top_items_query(self.team, channel, since, until, limit))

    def approved_between(self, channel: str, *, since: datetime, until: datetime,
                         limit: int = 10) -> list[RankedItem]:
        """The channel's items approved in [since, until) — an approval given then and
        still standing — ranked as `top_items` ranks them (digests: an idea approved
        long after it was proposed is in the digest of the period it was approved in)."""
        return self._ranked(top_items_query(self.team, channel, None, None, limit,
                                            approved_in=(since, until)))

    def _ranked(self, query: Any) -> list[RankedItem]:
        with self._read() as conn:
            rows = conn.execute(query).all()
            ids = [row.id for row in rows]
            approvers: dict[int, list[str]] = {item_id: [] for item_id in ids}
            if ids:
                for item_id, user in conn.execute(
                    select(Signal.item_id, Signal.user_id)
                    .where(Signal.item_id.in_(ids), Signal.active, Signal.polarity == 1)
                    .group_by(Signal.item_id, Signal.user_id)
                    .order_by(Signal.item_id, func.min(Signal.added_at))
                ):
                    approvers[item_id].append(user)
        return [
            RankedItem(id=row.id, kind=row.kind, text=row.text, channel=row.channel, ts=row.ts,
                       topic=row.topic, score=row.score, approvals=row.approvals,
                       rejections=row.rejections, approvers=approvers[row.id])
            for row in rows
        ]

    def channels_of(self, user: str, limit: int = 10) -> list[str]:
        """The channels where `user` used idealoop (brainstormed, judged an item, set
        guidance or a digest), the most recently used first: their App Home."""
        used = union_all(
            select(Brainstorm.channel.label("channel"), Brainstorm.created_at.label("at"))
            .where(Brainstorm.team == self.team, Brainstorm.requester == user),
            select(Item.channel, Signal.added_at).join(Item, Item.id == Signal.item_id)
            .where(Item.team == self.team, Signal.user_id == user),
            select(ChannelGuidance.channel, ChannelGuidance.set_at)
            .where(ChannelGuidance.team == self.team, ChannelGuidance.set_by == user),
            select(DigestSubscription.channel, DigestSubscription.updated_at)
            .where(DigestSubscription.team == self.team, DigestSubscription.created_by == user),
        ).subquery()
        latest = func.max(used.c.at)
        query = (select(used.c.channel).where(~used.c.channel.startswith("D"))  # not DMs
                 .group_by(used.c.channel)
                 .order_by(latest.desc().nulls_last(), used.c.channel).limit(limit))
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def channel_stats(self, channel: str) -> ChannelStats:
        """How the channel's people judged what the AI posted there, per kind of item."""
        approvals, rejections = _distinct_users(1), _distinct_users(-1)
        tallies = (
            select(Signal.item_id, approvals.label("approvals"),
                   rejections.label("rejections"))
            .where(Signal.active).group_by(Signal.item_id).subquery()
        )
        net = tallies.c.approvals - tallies.c.rejections
        query = (
            select(Item.kind, func.count(Item.id).label("items"),
                   func.count(tallies.c.item_id).label("judged"),
                   func.coalesce(func.sum(case((net > 0, 1), else_=0)), 0).label("approved"),
                   func.coalesce(func.sum(case((net < 0, 1), else_=0)), 0).label("rejected"))
            .outerjoin(tallies, tallies.c.item_id == Item.id)
            .where(self._in(Item, channel), Item.ts.is_not(None))
            .group_by(Item.kind)
        )
        people = (
            select(func.count(func.distinct(Signal.user_id)))
            .join(Item, Item.id == Signal.item_id)
            .where(self._in(Item, channel), Signal.active)
        )
        with self._read() as conn:
            kinds = {row.kind: KindStats(row.items, row.judged, row.approved, row.rejected)
                     for row in conn.execute(query)}
            return ChannelStats(kinds=kinds, people=conn.execute(people).scalar_one())

    # -- export ---------------------------------------------------------------------

    def knows_channel(self, channel: str, team: str | None = None) -> bool:
        """Whether idealoop has a record of `channel` (an idea, draft, schedule or
        guidance there), in workspace `team` or, when None, in any: an operator's
        `--channel` that matches nothing is a mistake to say, not an empty answer."""
        def scoped(table: Any) -> Any:
            query = select(table.channel).where(table.channel == channel)
            return query.where(table.team == team) if team is not None else query

        query = union_all(scoped(Item), scoped(DigestSubscription),
                          scoped(ChannelGuidance)).limit(1)
        with self._read() as conn:
            return conn.execute(query).first() is not None

    def export_rows(self, channel: str | None = None,
                    team: str | None = None) -> Generator[dict[str, Any]]:
        """One row per posted item with its tallies, oldest first, streamed: of every
        workspace, or of `team` (an operator's export, whatever this store's team)."""
        tallies = (
            select(Signal.item_id, *_tally_columns())
            .where(Signal.active)
            .group_by(Signal.item_id)
            .subquery()
        )
        query = (
            select(
                Item.id, Item.kind, Item.team, Item.channel, Item.ts, Item.thread_ts,
                Item.position,
                Item.text, Brainstorm.topic, Item.brainstorm_id, Item.model, Item.created_at,
                Item.purged_at.is_not(None).label("purged"),
                func.coalesce(tallies.c.approvals, 0).label("approvals"),
                func.coalesce(tallies.c.rejections, 0).label("rejections"),
                func.coalesce(tallies.c.neutral, 0).label("neutral"),
            )
            .outerjoin(Brainstorm, Brainstorm.id == Item.brainstorm_id)
            .outerjoin(tallies, tallies.c.item_id == Item.id)
            .where(Item.ts.is_not(None))
            .order_by(Item.created_at, Item.id)
        )
        if team is not None:
            query = query.where(Item.team == team)
        if channel:
            query = query.where(Item.channel == channel)
        # The result is closed with the connection even when a caller stops early
        # (`idealoop export | head`), so no server-side cursor is left open.
        with self.engine.connect() as conn, \
                conn.execution_options(stream_results=True, yield_per=500).execute(query) \
                as result:
            for row in result:
                out = dict(row._mapping)
                out["score"] = out["approvals"] - out["rejections"]
                created = out["created_at"]
                if created.tzinfo is None:  # SQLite hands back naive UTC
                    created = created.replace(tzinfo=UTC)
                out["created_at"] = created.isoformat()
                out["purged"] = bool(out["purged"])
                yield {name: out[name] for name in EXPORT_FIELDS}


def _already_saved(exc: IntegrityError, constraint: str) -> None:
    """A second save of the same message hit its unique key `constraint`: the first one
    stands. Any other integrity error is a defect, and raised."""
    detail = str(exc.orig or exc)
    table, columns = _UNIQUE_KEYS[constraint]
    if constraint not in detail and f"UNIQUE constraint failed: {columns}" not in detail:
        raise exc
    log.info("a %s row was already saved under the same key; the first one stands", table)


# PostgreSQL names the constraint; SQLite names the columns.
_UNIQUE_KEYS = {
    "uq_brainstorms_channel_header": (
        "brainstorms", "brainstorms.team, brainstorms.channel, brainstorms.header_ts"),
    "uq_items_channel_ts": ("items", "items.team, items.channel, items.ts"),
}


class SignalSink:
    """`Store.apply_reactions` on one connection kept open between batches.

    The signal writer commits a small batch every few milliseconds under load; checking a
    connection out of the pool and back in for each was a fifth of its cost. The
    connection is dropped after a failure, and a new one is opened for the next batch.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._conn: Connection | None = None

    def apply(self, changes: Sequence[ReactionChange]) -> None:
        """Apply `changes` in one transaction (as `Store.apply_reactions` does)."""
        if not changes:
            return
        rows = [_signal_values(change) for change in changes]
        for attempt in (1, 2):  # a dropped connection is retried once, on a new one
            with translated(), self.store._write_lock:
                conn = self._connection()
                try:
                    with conn.begin():
                        conn.execute(self.store._upsert_signal_many, rows)
                    return
                except SQLAlchemyError as exc:
                    self.close()
                    stale = isinstance(exc, DBAPIError) and exc.connection_invalidated
                    if attempt == 2 or not stale:
                        raise

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.store.engine.connect().execution_options(**WRITE)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._conn.close()
            self._conn = None


def _signal_values(change: ReactionChange) -> dict[str, Any]:
    return {
        "item_id": change.item_id, "user_id": change.user_id, "emoji": change.emoji,
        "polarity": change.polarity, "active": change.active, "event_us": change.event_us,
        "added_at": change.at if change.active else None,
        "removed_at": None if change.active else change.at,
    }


_STEERING = (Brainstorm.steered_approved, Brainstorm.steered_rejected,
             Brainstorm.dropped_as_rejected)


def _steering(row: Any) -> Steering:
    """What steered a brainstorm, from a row with the `_STEERING` columns and its inputs
    (empty before they were kept)."""
    return Steering(row.steered_approved or 0, row.steered_rejected or 0,
                    row.dropped_as_rejected or 0, bool(_inputs_of(row).get("guidance")))


def _inputs_of(row: Any) -> dict[str, Any]:
    """A brainstorm row's inputs JSON as a dict ({} when none were kept)."""
    inputs = json.loads(row.inputs) if row.inputs else {}
    return inputs if isinstance(inputs, dict) else {}


def top_items_query(team: str, channel: str, since: datetime | None, until: datetime | None,
                    limit: int, *,
                    approved_in: tuple[datetime, datetime] | None = None) -> Any:
    """The best-approved items of a channel: created in [since, until) (`/brainstorm
    top`), or with an approval given in `approved_in` (digests)."""
    score = _score_expr()
    approvals = _distinct_users(1)
    query = (
        select(Item.id, Item.kind, Item.text, Item.channel, Item.ts, Item.created_at,
               Brainstorm.topic, score.label("score"), approvals.label("approvals"),
               _distinct_users(-1).label("rejections"))
        .join(Signal, and_(Signal.item_id == Item.id, Signal.active))
        .outerjoin(Brainstorm, Brainstorm.id == Item.brainstorm_id)
        .where(Item.team == team, Item.channel == channel, Item.ts.is_not(None),
               Item.purged_at.is_(None))
        .group_by(Item.id, Item.kind, Item.text, Item.channel, Item.ts, Item.created_at,
                  Brainstorm.topic)
        .having(score > 0)
        .order_by(score.desc(), approvals.desc(), Item.created_at.desc(), Item.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Item.created_at >= since)
    if until is not None:
        query = query.where(Item.created_at < until)
    if approved_in is not None:
        query = query.where(Item.id.in_(_newly_approved(*approved_in)))
    return query


def _newly_approved(start: datetime, end: datetime) -> Any:
    """Ids of the items someone approved in [start, end) who had not already approved
    them before (with another emoji, still standing): a second approving emoji does not
    bring an item back into a later digest. An approval withdrawn and given again is
    new, and does."""
    earlier = aliased(Signal)
    return select(Signal.item_id).where(
        Signal.active, Signal.polarity == 1, Signal.added_at >= start, Signal.added_at < end,
        ~exists().where(earlier.item_id == Signal.item_id, earlier.user_id == Signal.user_id,
                        earlier.active, earlier.polarity == 1, earlier.added_at < start))


def _distinct_users(polarity: int) -> Any:
    return func.count(func.distinct(case((Signal.polarity == polarity, Signal.user_id))))


def _tally_columns() -> list[Any]:
    return [
        _distinct_users(1).label("approvals"),
        _distinct_users(-1).label("rejections"),
        _distinct_users(0).label("neutral"),
    ]


def _score_expr() -> Any:
    """Net score: distinct approvers minus distinct rejecters (active signals only)."""
    return _distinct_users(1) - _distinct_users(-1)


def _ids(users: tuple[str, ...]) -> str | None:
    """Slack ids as `items.source_users` keeps them: ",U1,U2," (one LIKE finds each)."""
    return "," + ",".join(users) + "," if users else None
