"""Retention and forgetting: every SQL statement that removes people's words.

Texts are removed, rows are kept: an item whose texts were purged keeps its kind, its
channel, its time and every signal on it, so counts, `stats` and the learning history
stay true; `purged_at` says when its words went. What counts as words:

- an item's `text` (an idea, a draft, a critique, a polished version), the `instruction`
  it was asked with and the `sources` line under it;
- a brainstorm's `topic` and its `inputs` (the approved and rejected ideas, guidance and
  seed its prompt carried);
- finished work's `request` (the topic or mention text it was accepted with);
- an item's embedding (a vector can be turned back into words).

A daily job runs once across replicas through `maintenance_runs`: the first process to
insert the row of (job, day) runs it. A purge is one transaction: one that fails gives
its claim back for the next hourly attempt; a process killed half-way leaves nothing
half-purged, and the next day's run catches up (it covers everything older than the
cut-off).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select, true, update

from storage.base import Repository, retry_locked
from storage.models import (
    Brainstorm,
    ChannelGuidance,
    DigestSubscription,
    Item,
    ItemVector,
    MaintenanceRun,
    Signal,
    Work,
)

PURGED = ""  # what a purged text reads as


@dataclass(frozen=True)
class Purged:
    """What one retention run removed."""

    items: int  # items whose texts were removed
    brainstorms: int  # brainstorms whose topic and inputs were removed
    work: int  # finished work forgotten

    @property
    def total(self) -> int:
        return self.items + self.brainstorms + self.work


@dataclass(frozen=True)
class Forgotten:
    """What forgetting one person removed."""

    signals: int  # their reactions and clicks
    brainstorms: int  # brainstorms they asked for: topic and inputs removed
    drafts: int  # drafts, critiques and polished versions they asked for: texts removed
    guidance: int  # channels whose standing guidance they wrote: removed
    work: int  # their finished requests (their words removed)


class PrivacyStore(Repository):
    @retry_locked
    def claim_daily(self, job: str, day: str, owner: str) -> bool:
        """True for the one process that runs `job` on `day`; False for every other."""
        stmt = self._insert(MaintenanceRun).values(
            job=job, day=day, owner=owner, started_at=self.clock()
        ).on_conflict_do_nothing(index_elements=["job", "day"]).returning(MaintenanceRun.job)
        with self._write() as conn:
            return conn.execute(stmt).first() is not None

    @retry_locked
    def release_daily(self, job: str, day: str) -> None:
        """Give back a claim whose job failed, for a later attempt the same day."""
        with self._write() as conn:
            conn.execute(delete(MaintenanceRun).where(MaintenanceRun.job == job,
                                                      MaintenanceRun.day == day,
                                                      MaintenanceRun.finished_at.is_(None)))

    @retry_locked
    def finish_daily(self, job: str, day: str, affected: int) -> None:
        with self._write() as conn:
            conn.execute(update(MaintenanceRun)
                         .where(MaintenanceRun.job == job, MaintenanceRun.day == day)
                         .values(finished_at=self.clock(), affected=affected))

    @retry_locked
    def purge_before(self, cutoff: datetime) -> Purged:
        """Remove the words of everything created before `cutoff`; keep the rows."""
        with self._write() as conn:
            items = select(Item.id).where(Item.created_at < cutoff, Item.purged_at.is_(None))
            conn.execute(delete(ItemVector).where(ItemVector.item_id.in_(items)))
            purged_items = conn.execute(_purge_items(Item.created_at < cutoff,
                                                     now=self.clock())).rowcount
            purged_brainstorms = conn.execute(_purge_brainstorms(
                Brainstorm.created_at < cutoff, now=self.clock())).rowcount
            work = conn.execute(delete(Work).where(Work.created_at < cutoff,
                                                   Work.state != "pending")).rowcount
        return Purged(purged_items, purged_brainstorms, work)

    @retry_locked
    def forget(self, user: str, *, everywhere: bool = False) -> Forgotten:
        """Remove one person's signals and the words they wrote or asked for in this
        workspace (or, `everywhere`, in every workspace: an operator who names only the
        person), in one transaction. The AI's ideas in brainstorms they asked for stay
        (the channel judged them), without the topic and without their name."""
        now = self.clock()

        def here(table: Any) -> Any:
            return true() if everywhere else table.team == self.team

        with self._write() as conn:
            signals = conn.execute(delete(Signal).where(
                Signal.user_id == user,
                Signal.item_id.in_(select(Item.id).where(here(Item))))).rowcount
            theirs = and_(here(Item), Item.requester == user)
            conn.execute(delete(ItemVector).where(
                ItemVector.item_id.in_(select(Item.id).where(theirs))))
            drafts = conn.execute(_purge_items(theirs, now=now, any_state=True)
                                  .values(requester=None)).rowcount
            brainstorms = conn.execute(
                _purge_brainstorms(and_(here(Brainstorm), Brainstorm.requester == user),
                                   now=now, any_state=True)
                .values(requester=PURGED)).rowcount
            guidance = conn.execute(delete(ChannelGuidance).where(
                here(ChannelGuidance), ChannelGuidance.set_by == user)).rowcount
            conn.execute(update(DigestSubscription)
                         .where(here(DigestSubscription),
                                DigestSubscription.created_by == user)
                         .values(created_by=PURGED))
            # Finished requests lose their words; the rows stay until they are pruned (a
            # day), since the daily limits count them.
            work = conn.execute(update(Work).where(here(Work), Work.user_id == user,
                                                   Work.state != "pending")
                                .values(request="{}")).rowcount
        return Forgotten(signals, brainstorms, drafts, guidance, work)


def _purge_items(where: Any, *, now: datetime, any_state: bool = False) -> Any:
    stmt = update(Item).where(where)
    if not any_state:
        stmt = stmt.where(Item.purged_at.is_(None))
    return stmt.values(text=PURGED, instruction=None, sources=None, purged_at=now)


def _purge_brainstorms(where: Any, *, now: datetime, any_state: bool = False) -> Any:
    stmt = update(Brainstorm).where(where)
    if not any_state:
        stmt = stmt.where(Brainstorm.purged_at.is_(None))
    return stmt.values(topic=PURGED, inputs=None, purged_at=now)
