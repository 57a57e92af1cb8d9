"""Drafts, critiques and polished versions written from a thread: every SQL statement
about them. Each is one item saved once its message is posted; a revision points at the
draft it revises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.base import Repository, already_saved, db_now, retry_locked
from storage.models import Item


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
    author: str | None = None  # feedback, polish: whose message it reworks


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
class PrivateDraft:
    """A draft shown privately first ("Polish this"), and where it was posted since."""

    draft: StoredDraft
    posted_ts: str | None  # None: not posted in the thread yet

WRITTEN = ("draft", "feedback", "polish")  # items written from a thread on a mention
POST_LEASE = 60.0  # seconds one click holds the right to post a private draft
REVISABLE = ("draft", "polish")


class DraftStore(Repository):
    """The drafts of a workspace's threads: what a further mention revises."""

    def latest_draft(self, channel: str, thread_ts: str) -> StoredDraft | None:
        """The newest posted draft or polished version in a thread: what a further
        mention revises (a critique is not revised: it is answered)."""
        return self._draft(self._in(Item, channel), Item.thread_ts == thread_ts,
                           Item.purged_at.is_(None), kinds=REVISABLE)

    def draft_at(self, channel: str, ts: str) -> StoredDraft | None:
        """The draft, critique or polished version saved as message `ts` (a resumed
        attempt finds it done)."""
        return self._draft(self._in(Item, channel), Item.ts == ts, kinds=WRITTEN)

    def private_draft(self, channel: str, private_ts: str) -> PrivateDraft | None:
        """The draft first shown privately as message `private_ts`, posted or not; None
        once its words were purged or forgotten (nothing is left to post)."""
        with self._read() as conn:
            row = conn.execute(
                select(Item.id, Item.text, Item.ts, Item.instruction, Item.parent_id,
                       Item.sources, Item.kind, Item.private_ts)
                .where(self._in(Item, channel), Item.kind.in_(WRITTEN),
                       Item.purged_at.is_(None),
                       or_(Item.ts == private_ts, Item.private_ts == private_ts))
                .limit(1)
            ).first()
        if row is None:
            return None
        posted = row.ts if row.private_ts == private_ts and row.ts != private_ts else None
        return PrivateDraft(StoredDraft(row.id, row.text, row.ts, row.instruction,
                                        row.parent_id, row.sources, row.kind), posted)

    @retry_locked
    def claim_post(self, channel: str, private_ts: str, *,
                   lease: float = POST_LEASE) -> bool:
        """The right to post the draft shown privately as `private_ts`, for `lease`
        seconds: True for one caller across every process (two clicks at once, handled
        by two replicas); False while another holds it, once it is posted, or when it is
        not kept (its words purged or forgotten). A holder that died loses it when
        `lease` runs out."""
        now = db_now(self.engine.dialect.name)
        with self._write() as conn:
            return conn.execute(
                update(Item).where(self._in(Item, channel), Item.ts == private_ts,
                                   Item.kind.in_(WRITTEN), Item.purged_at.is_(None),
                                   or_(Item.post_until.is_(None), Item.post_until < now))
                .values(post_until=now + bindparam("lease", float(lease), type_=Float))
            ).rowcount == 1

    @retry_locked
    def release_post(self, channel: str, private_ts: str) -> None:
        """Give back the claim to post it (Slack refused the post): a click may try again."""
        with self._write() as conn:
            conn.execute(update(Item).where(self._in(Item, channel), Item.ts == private_ts,
                                            Item.kind.in_(WRITTEN)).values(post_until=None))

    @retry_locked
    def posted_privately_shown(self, channel: str, private_ts: str, posted_ts: str) -> bool:
        """The draft shown privately as `private_ts` is now posted as `posted_ts`: it is
        found (reactions, feedback clicks) by the posted message from now on. False when
        it was not found there (posted already, or no longer kept)."""
        with self._write() as conn:
            return conn.execute(
                update(Item).where(self._in(Item, channel), Item.ts == private_ts,
                                   Item.kind.in_(WRITTEN))
                .values(ts=posted_ts, private_ts=private_ts, post_until=None)
            ).rowcount == 1

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
                        requester=draft.requester, author=draft.author,
                    ).returning(Item.id)
                ).scalar_one()
        except IntegrityError as exc:
            already_saved(exc, "uq_items_channel_ts")
        return None

def _ids(users: tuple[str, ...]) -> str | None:
    """Slack ids as `items.source_users` keeps them: ",U1,U2," (one LIKE finds each)."""
    return "," + ",".join(users) + "," if users else None
