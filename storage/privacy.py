"""Retention and forgetting: every SQL statement that removes people's words.

Texts are removed, rows are kept: an item whose texts were purged keeps its kind, its
channel, its time and every signal on it, so counts, `stats` and the learning history
stay true; `purged_at` says when its words went. What counts as words:

- an item's `text` (an idea, a draft, a critique, a polished version), the `instruction`
  it was asked with and the `sources` line under it;
- a brainstorm's `topic` and its `inputs` (the approved and rejected ideas, guidance and
  seed its prompt carried);
- finished work's `request` (the topic or mention text it was accepted with);
- an item's embedding (a vector can be turned back into words), and the normal form and
  content words kept with an idea for the rejection filter (`items.idea_form`,
  `idea_words`: its words, lower-cased and stemmed);
- forgetting: the ideas of the person's brainstorms in a direct message (nobody else
  judged them; a channel's ideas stay, without the topic);
- a decision's `text` and `note` ("Decide…"): retention purges those of old decisions,
  forgetting those of the decisions the person made, and of any decision whose text is
  a copy of words the forget removed (the row, its owner, dates and status stay);
- forgetting: the words of their messages that others brought in with a message
  shortcut (`author`: feedback on and polished versions of them, brainstorm topics taken
  from them, and the requests that carried those topics);
- every copy of those words in other rows: a topic copied into a follow-up ("More like
  this" asks with the topic of the idea's brainstorm), the approved and rejected idea
  texts, seed and guidance carried in later brainstorms' `inputs`, the idea texts a
  "Draft this" carried in its `work.request` (`_Copies`);
- forgetting also removes the person from the OAuth installation rows that name them
  (`slack_installations`: installer id, user token and scopes).

Copies are found two ways. A copy of an item's text (an idea in `inputs`, a seed, a
"Draft this" idea) goes with the texts a forget removes, and retention keeps one only
while an unpurged item of its channel still has that text: whatever removed the
original (a purge, a forget, a run before copies were tracked) the next purge removes
the copy. A copy of a person's own words (a topic, guidance, an instruction) is found
by the words themselves, as a whole value, in every column that can carry one (topics,
inputs, finished requests, instructions), in the workspace.

On SQLite, deleted text would survive in free space of the database file and in the
write-ahead log: connections run with `secure_delete` (freed space is zeroed), and after
a purge or a forget the log is checkpointed into the file and truncated
(`checkpoint`).

A daily job runs once across replicas through `maintenance_runs`: the first process to
insert the row of (job, day) runs it, under a fenced lease (`storage.claims`). A purge
runs in batches (`PURGE_BATCH` rows a transaction), and each batch first renews the
lease, fenced: a purge longer than the lease keeps it, and a holder whose lease passed
to another process (it ran out, say while the process stalled) raises `LeaseLost` and
deletes nothing more, so two replicas never purge at once. A purge that fails gives its
claim back with a retry time (`RETRY_IN`), not free at once: the replica that failed
and the others all try again at a later hourly offer, not the next second. A process
killed half-way leaves its finished batches purged (each batch is whole) and, once its
lease runs out, the next hourly attempt of any process runs the day's job again: it
covers everything older than the cut-off, so it does the rest.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    column,
    delete,
    false,
    or_,
    select,
    table,
    true,
    update,
)

from storage.base import Repository, retry_locked, translated
from storage.claims import FencedLease, Held, LeaseLost
from storage.db import SQLITE_BUSY_TIMEOUT_MS
from storage.models import (
    Brainstorm,
    ChannelGuidance,
    Decision,
    DigestSubscription,
    Item,
    ItemVector,
    MaintenanceRun,
    Signal,
    Work,
)

log = logging.getLogger(__name__)
PURGED = ""  # what a purged text reads as
CHECKPOINT_TRIES = 3
DAILY_LEASE = 3600.0  # seconds a daily job's claim is held, renewed by each purge batch
RETRY_IN = 3600.0  # seconds before a claim given back (its job failed) may be taken again
PURGE_BATCH = 1_000  # rows of a table a purge changes per transaction


@dataclass(frozen=True)
class DailyClaim:
    """The right to run `job` on `day`, as its holder sees it."""

    job: str
    day: str
    owner: str
    fence: int  # 1 the first time; more when an earlier holder gave it back or died


@dataclass(frozen=True)
class Purged:
    """What one retention run removed."""

    items: int  # items whose texts were removed
    brainstorms: int  # brainstorms whose topic and inputs were removed
    work: int  # finished work forgotten
    copies: int = 0  # other rows that carried a copy of a removed text, cleared of it
    log_cleared: bool = True  # SQLite: the write-ahead log was emptied (see `checkpoint`)
    decisions: int = 0  # decisions whose text and note were removed

    @property
    def total(self) -> int:
        return self.items + self.brainstorms + self.work + self.copies + self.decisions


@dataclass(frozen=True)
class Forgotten:
    """What forgetting one person removed."""

    signals: int  # their reactions and clicks
    brainstorms: int  # brainstorms they asked for: topic and inputs removed
    drafts: int  # drafts, critiques and polished versions they asked for: texts removed
    guidance: int  # channels whose standing guidance they wrote: removed
    work: int  # their finished requests (their words removed)
    copies: int = 0  # other rows that carried a copy of their words, cleared of it
    installations: int = 0  # OAuth installation rows that named them, cleared of them
    dm_ideas: int = 0  # ideas of the brainstorms they asked for in a direct message
    # others' feedback on, polished versions of, and brainstorms from their messages
    # (a message shortcut): texts and topics removed
    reworked: int = 0
    log_cleared: bool = True  # SQLite: the write-ahead log was emptied (see `checkpoint`)
    decisions: int = 0  # decisions they made: text and note removed


class PrivacyStore(Repository):
    @cached_property
    def _lease(self) -> FencedLease:
        """A daily job's lease: held by a process (`owner`), fenced by its `attempts`."""
        return FencedLease(MaintenanceRun.owner, MaintenanceRun.lease_until,
                           MaintenanceRun.attempts, self.engine.dialect.name)

    @staticmethod
    def _run(job: str, day: str) -> tuple[Any, ...]:
        return MaintenanceRun.job == job, MaintenanceRun.day == day

    @retry_locked
    def claim_daily(self, job: str, day: str, owner: str, *,
                    lease: float = DAILY_LEASE) -> DailyClaim | None:
        """The claim of the one process that runs `job` on `day`; None for every other:
        while a process holds it, and once the job finished. A claim given back, or
        whose holder's lease ran out (it died), is taken over under a bumped fence."""
        insert = self._insert(MaintenanceRun).values(
            job=job, day=day, owner=owner, started_at=self.clock(),
            lease_until=self._lease.after(lease), attempts=1,
        ).on_conflict_do_nothing(index_elements=["job", "day"])
        take_over = (update(MaintenanceRun)
                     .where(*self._run(job, day), MaintenanceRun.finished_at.is_(None),
                            self._lease.lapsed())
                     .values(started_at=self.clock(), **self._lease.take(owner, lease)))
        with self._write() as conn:
            fence = (conn.execute(insert.returning(MaintenanceRun.attempts)).scalar()
                     or conn.execute(take_over.returning(MaintenanceRun.attempts)).scalar())
        return DailyClaim(job, day, owner, fence) if fence else None

    @retry_locked
    def release_daily(self, claim: DailyClaim, *, retry_in: float = RETRY_IN) -> bool:
        """Give back a claim whose job failed, for any process to take again in
        `retry_in` seconds (a later hourly offer the same day, not this second); False
        when it was no longer its holder's, or the job had finished."""
        with self._write() as conn:
            return conn.execute(
                update(MaintenanceRun)
                .where(*self._held(claim), MaintenanceRun.finished_at.is_(None))
                .values(**self._lease.release(retry_in))).rowcount == 1

    def _renew(self, conn: Connection, claim: DailyClaim, lease: float) -> None:
        """Within a purge's transaction: extend `claim` by `lease` seconds, or LeaseLost
        when it ran out or passed to another process (the transaction then writes
        nothing). On PostgreSQL the renewal locks the run's row until the transaction
        commits: a takeover waits for it, then finds the lease alive."""
        renewed = conn.execute(
            update(MaintenanceRun)
            .where(*self._run(claim.job, claim.day), MaintenanceRun.finished_at.is_(None),
                   self._lease.still_held(Held(claim.owner, claim.fence)))
            .values(**self._lease.renew(lease))).rowcount
        if renewed != 1:
            raise LeaseLost(f"{claim.job} of {claim.day} is no longer {claim.owner}'s")

    @retry_locked
    def finish_daily(self, claim: DailyClaim, affected: int) -> bool:
        """Record the job as done, with how many rows it changed; False when the claim
        had passed to another process (its lease ran out): that one records its run."""
        with self._write() as conn:
            return conn.execute(
                update(MaintenanceRun).where(*self._held(claim))
                .values(finished_at=self.clock(), affected=affected, lease_until=None)
            ).rowcount == 1

    def _held(self, claim: DailyClaim) -> tuple[Any, ...]:
        return (*self._run(claim.job, claim.day),
                self._lease.held(Held(claim.owner, claim.fence)))

    def purge_before(self, cutoff: datetime, claim: DailyClaim, *,
                     lease: float = DAILY_LEASE, batch: int = PURGE_BATCH) -> Purged:
        """Remove the words of everything created before `cutoff`; keep the rows. Runs
        under `claim`, in batches of `batch` rows, each renewing the claim by `lease`
        seconds first: LeaseLost (and nothing more removed) once it is no longer held."""
        now = self.clock()

        def in_batches(pick: Any, purge: Callable[[Connection, list[int], datetime], int]
                       ) -> int:
            done = 0
            while True:
                picked = self._purge_batch(claim, lease, pick, purge, now)
                done += picked
                if picked < batch:
                    return done

        items = in_batches(_old(Item, cutoff, batch, Item.purged_at.is_(None)), _items_batch)
        brainstorms = in_batches(
            _old(Brainstorm, cutoff, batch, Brainstorm.purged_at.is_(None)),
            lambda conn, ids, now: int(conn.execute(_purge_brainstorms(
                Brainstorm.id.in_(ids), now=now)).rowcount))
        work = in_batches(_old(Work, cutoff, batch, Work.state != "pending"),
                          lambda conn, ids, now: int(conn.execute(
                              delete(Work).where(Work.id.in_(ids))).rowcount))
        decisions = in_batches(
            _old(Decision, cutoff, batch, Decision.purged_at.is_(None)),
            lambda conn, ids, now: int(conn.execute(_purge_decisions(
                Decision.id.in_(ids), now=now)).rowcount))
        copies = self._scrub_copies(claim, lease)
        return Purged(items, brainstorms, work, copies, decisions=decisions)

    @retry_locked
    def _purge_batch(self, claim: DailyClaim, lease: float, pick: Any,
                     purge: Callable[[Connection, list[int], datetime], int],
                     now: datetime) -> int:
        """One fenced transaction: renew `claim`, then `purge` the rows `pick` names;
        how many it picked (fewer than a batch: none are left)."""
        with self._write() as conn:
            self._renew(conn, claim, lease)
            ids = list(conn.execute(pick).scalars())
            if ids:
                purge(conn, ids, now)
        return len(ids)

    @retry_locked
    def _scrub_copies(self, claim: DailyClaim, lease: float) -> int:
        with self._write() as conn:
            self._renew(conn, claim, lease)
            return _Copies(conn, lambda table: true(), now=self.clock()).scrub()

    @retry_locked
    def forget(self, user: str, *, everywhere: bool = False) -> Forgotten:
        """Remove one person's signals and the words they wrote or asked for in this
        workspace (or, `everywhere`, in every workspace: an operator who names only the
        person), in one transaction, with every copy of them elsewhere. The AI's ideas in
        brainstorms they asked for in a channel stay (the channel judged them), without
        the topic and without their name; those in a direct message go."""
        now = self.clock()

        def here(table: Any) -> Any:
            return true() if everywhere else table.team == self.team

        with self._write() as conn:
            words = _words_of(conn, user, here)
            signals = conn.execute(delete(Signal).where(
                Signal.user_id == user,
                Signal.item_id.in_(select(Item.id).where(here(Item))))).rowcount
            theirs = and_(here(Item), Item.requester == user)
            # Feedback on, or a polished version of, their message that someone else
            # asked for: their words too (a polished text is mostly theirs).
            authored = and_(here(Item), Item.author == user)
            # The ideas of their brainstorms in a direct message: nobody else saw or
            # judged them (a channel's ideas stay, since the channel judged them).
            in_dm = and_(here(Item), Item.brainstorm_id.in_(select(Brainstorm.id).where(
                here(Brainstorm), Brainstorm.requester == user,
                Brainstorm.channel.startswith("D"))))
            removed = frozenset(conn.execute(select(Item.text).where(
                or_(theirs, in_dm, authored), Item.text != PURGED)).scalars())
            conn.execute(delete(ItemVector).where(
                ItemVector.item_id.in_(select(Item.id).where(or_(theirs, in_dm, authored)))))
            drafts = conn.execute(_purge_items(theirs, now=now, any_state=True)
                                  .values(requester=None)).rowcount
            dm_ideas = conn.execute(_purge_items(in_dm, now=now, any_state=True)).rowcount
            reworked = conn.execute(_purge_items(authored, now=now, any_state=True)).rowcount
            # "Brainstorm from this" on their message: its topic is their words (the ideas
            # stay, as for their own brainstorms in a channel).
            reworked += conn.execute(_purge_brainstorms(
                and_(here(Brainstorm), Brainstorm.author == user), now=now,
                any_state=True)).rowcount
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
            copies = conn.execute(_unname(user, here)).rowcount
            installations = conn.execute(_forget_installer(
                user, None if everywhere else self.team)).rowcount
            decisions = conn.execute(_purge_decisions(
                and_(here(Decision), Decision.decider == user), now=now)).rowcount
            # A decision worded as words this forget removes (a topic, an idea of theirs
            # its text was prefilled from) is a copy of them.
            copied = words | removed
            if copied:
                copies += conn.execute(_purge_decisions(
                    and_(here(Decision), Decision.text.in_(sorted(copied))), now=now)).rowcount
            copies += _Copies(conn, here, words, removed, now=now).scrub()
        return Forgotten(signals, brainstorms, drafts, guidance, work, copies, installations,
                         dm_ideas, reworked, decisions=decisions)

    def checkpoint(self, *, tries: int = CHECKPOINT_TRIES, wait: float = 0.1) -> bool:
        """SQLite: copy the write-ahead log into the database file and truncate it to
        nothing, so that text a purge or a forget removed survives in neither
        (`secure_delete`, set on every connection by `storage.db`, zeroes the space it
        leaves in the file). False when the log could not be emptied: a reader in the
        middle of a transaction in any process pins the log until it ends. Each of the
        `tries` waits up to `wait` seconds for such readers (short: "forget me" answers
        Slack after this); `bot.privacy` tries again every hour. Always True elsewhere
        (PostgreSQL: see the edges in docs/configuration.md)."""
        if self.engine.dialect.name != "sqlite":
            return True
        for attempt in range(tries):
            if attempt:
                time.sleep(wait * attempt)
            with translated(), self._write_lock:  # this process's writers wait meanwhile
                raw = self.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    cursor.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
                    try:
                        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                        busy = (cursor.fetchone() or (1,))[0]
                    finally:
                        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                        cursor.close()
                finally:
                    raw.close()
            if not busy:
                return True
        return False


def _old(table: Any, cutoff: datetime, batch: int, *where: Any) -> Any:
    """The ids of the next `batch` rows of `table` created before `cutoff` (and `where`)."""
    return (select(table.id).where(table.created_at < cutoff, *where)
            .order_by(table.id).limit(batch))


def _items_batch(conn: Connection, ids: list[int], now: datetime) -> int:
    conn.execute(delete(ItemVector).where(ItemVector.item_id.in_(ids)))
    return int(conn.execute(_purge_items(Item.id.in_(ids), now=now)).rowcount)


def _purge_items(where: Any, *, now: datetime, any_state: bool = False) -> Any:
    stmt = update(Item).where(where)
    if not any_state:
        stmt = stmt.where(Item.purged_at.is_(None))
    return stmt.values(text=PURGED, instruction=None, sources=None, source_users=None,
                       idea_form=None, idea_words=None, words_version=None, author=None,
                       purged_at=now)


def _purge_decisions(where: Any, *, now: datetime) -> Any:
    return (update(Decision).where(where, Decision.purged_at.is_(None))
            .values(text=PURGED, note=None, purged_at=now))


def _purge_brainstorms(where: Any, *, now: datetime, any_state: bool = False) -> Any:
    stmt = update(Brainstorm).where(where)
    if not any_state:
        stmt = stmt.where(Brainstorm.purged_at.is_(None))
    return stmt.values(topic=PURGED, inputs=None, author=None, purged_at=now)


_INSTALLATIONS = table("slack_installations", column("team_id"), column("user_id"),
                       column("user_token"), column("user_refresh_token"),
                       column("user_scopes"), column("user_token_expires_at"))


def _forget_installer(user: str, team: str | None) -> Any:
    """slack_sdk's installation rows (`slack_installations`) name the person who installed
    the app and keep their user token: both go; the bot's token and the row stay."""
    stmt = update(_INSTALLATIONS).where(_INSTALLATIONS.c.user_id == user)
    if team is not None:
        stmt = stmt.where(_INSTALLATIONS.c.team_id == team)
    return stmt.values(user_id=PURGED, user_token=None, user_refresh_token=None,
                       user_scopes=None, user_token_expires_at=None)


def _words_of(conn: Connection, user: str, here: Callable[[Any], Any]) -> frozenset[str]:
    """The words `user` wrote themselves, as other rows may have copied them whole: the
    topics they asked about (not those of their "More like this", which are someone
    else's topic), the guidance they set, the instructions and mention texts they gave."""
    words: set[str] = set()
    for topic, inputs in conn.execute(select(Brainstorm.topic, Brainstorm.inputs).where(
            here(Brainstorm), Brainstorm.requester == user)):
        if "seed" not in _json(inputs):
            words.add(topic)
    # Topics taken from their message by someone else's "Brainstorm from this", and the
    # requests that carried them (also when the brainstorm was never saved).
    words.update(conn.execute(select(Brainstorm.topic).where(
        here(Brainstorm), Brainstorm.author == user)).scalars())
    for request in conn.execute(select(Work.request).where(
            here(Work), Work.request.contains(json.dumps({"author": user})[1:-1],
                                              autoescape=True))).scalars():
        asked = _json(request)
        if asked.get("author") == user and isinstance(asked.get("topic"), str):
            words.add(asked["topic"])
    words.update(conn.execute(select(ChannelGuidance.text).where(
        here(ChannelGuidance), ChannelGuidance.set_by == user)).scalars())
    words.update(instruction for instruction in conn.execute(select(Item.instruction).where(
        here(Item), Item.requester == user)).scalars() if instruction)
    for request in conn.execute(select(Work.request).where(here(Work), Work.user_id == user))\
            .scalars():
        asked = _json(request)
        if "seed" not in asked and isinstance(asked.get("topic"), str):
            words.add(asked["topic"])
        if "ideas" not in asked and isinstance(asked.get("text"), str):  # not "Draft this"
            words.add(asked["text"])
    return frozenset(word for word in words if word and word.strip())


class _Copies:
    """Clears the rows in scope of copies of removed texts (see the module's docstring):
    `words` (a forgotten person's own) wherever a whole text value equals one of them,
    and item texts carried as copies (ideas in inputs, seeds, "Draft this" ideas) once
    their item's text is gone.

    Retention (`removed` None) checks every copy against the items still unpurged in its
    channel, which catches copies of items purged at any time; it reads every brainstorm
    with inputs (all younger than the cut-off), once a day: 0.35 s for 10,000 on SQLite.
    A forget names the item texts it just `removed` and reads only the brainstorms whose
    inputs hold one of them or of the words (a LIKE in the database): "forget me" answers
    Slack after it."""

    def __init__(self, conn: Connection, here: Callable[[Any], Any],
                 words: frozenset[str] = frozenset(),
                 removed: frozenset[str] | None = None, *, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self.here = here
        self.words = words
        self.removed = removed
        self._live: dict[tuple[str, str], set[str]] = {}

    def scrub(self) -> int:
        """How many rows changed."""
        return self._brainstorms() + self._work() + self._items() + self._decisions()

    def _decisions(self) -> int:
        """Decisions worded as their item's words unchanged (`Decision.copied`: the
        prefill, which `show_links` and one line make unlike the item's text) go once
        the item's words are gone, however new the decision."""
        gone = select(Item.id).where(self.here(Item), Item.purged_at.is_not(None))
        return int(self.conn.execute(_purge_decisions(
            and_(self.here(Decision), Decision.copied, Decision.item_id.in_(gone)),
            now=self.now)).rowcount)

    def _alive(self, team: str, channel: str, text_: Any) -> bool:
        """True when the copy `text_` of an item's text may stay: an unpurged item of the
        channel still has it (retention), or it is not one the forget removed."""
        if self.removed is not None:
            return not (isinstance(text_, str) and text_ in self.removed)
        key = (team, channel)
        if key not in self._live:
            self._live[key] = set(self.conn.execute(select(Item.text).where(
                Item.team == team, Item.channel == channel, Item.purged_at.is_(None)))
                .scalars())
        return isinstance(text_, str) and text_ in self._live[key]

    def _value(self, value: Any) -> Any:
        """`value` (JSON) with every string equal to a forgotten word cleared."""
        if isinstance(value, str):
            return PURGED if value in self.words else value
        if isinstance(value, list):
            return [self._value(entry) for entry in value]
        if isinstance(value, dict):
            return {key: self._value(entry) for key, entry in value.items()}
        return value

    def _ideas(self, team: str, channel: str, data: dict[str, Any]) -> None:
        """Idea texts carried by reference to their items: cleared once the item's are."""
        for key in ("approved", "rejected"):
            if isinstance(data.get(key), list):
                data[key] = [entry if self._alive(team, channel, entry) else PURGED
                             for entry in data[key]]
        if data.get("seed") and not self._alive(team, channel, data["seed"]):
            data["seed"] = PURGED
        if isinstance(data.get("ideas"), list):  # "Draft this": [[position, text]]
            data["ideas"] = [[entry[0], entry[1] if self._alive(team, channel, entry[1])
                              else PURGED] if isinstance(entry, list) and len(entry) == 2
                             else entry for entry in data["ideas"]]

    def _candidates(self) -> Any:
        """Which brainstorms may hold a copy."""
        if self.removed is None:
            return or_(Brainstorm.inputs.is_not(None), Brainstorm.topic.in_(self.words))
        fragments = {fragment for text_ in self.words | self.removed
                     for fragment in (json.dumps(text_, ensure_ascii=False)[1:-1],
                                      json.dumps(text_)[1:-1])}
        if not fragments:
            return false()
        return or_(Brainstorm.topic.in_(self.words),
                   *(Brainstorm.inputs.contains(fragment, autoescape=True)
                     for fragment in sorted(fragments)))

    def _brainstorms(self) -> int:
        changed = 0
        rows = self.conn.execute(select(Brainstorm.id, Brainstorm.team, Brainstorm.channel,
                                        Brainstorm.topic, Brainstorm.inputs)
                                 .where(self.here(Brainstorm), self._candidates()))
        for row in rows.all():
            values: dict[str, Any] = {}
            if row.topic in self.words:
                values["topic"] = PURGED
            if row.inputs:
                data = self._value(_json(row.inputs))
                self._ideas(row.team, row.channel, data)
                if data != _json(row.inputs):
                    values["inputs"] = json.dumps(data, ensure_ascii=False)
            if values:
                self.conn.execute(update(Brainstorm).where(Brainstorm.id == row.id)
                                  .values(**values))
                changed += 1
        return changed

    def _work(self) -> int:
        """Finished work only: work in progress finishes with what it was given (its
        results are in the rows above for the next purge or forget to find)."""
        changed = 0
        rows = self.conn.execute(select(Work.id, Work.team, Work.channel, Work.request)
                                 .where(self.here(Work), Work.state != "pending"))
        for row in rows.all():
            before = _json(row.request)
            data = self._value(before)
            self._ideas(row.team, row.channel, data)
            if data != before:
                self.conn.execute(update(Work).where(Work.id == row.id)
                                  .values(request=json.dumps(data)))
                changed += 1
        return changed

    def _items(self) -> int:
        if not self.words:
            return 0
        return int(self.conn.execute(update(Item).where(
            self.here(Item), Item.instruction.in_(self.words)).values(instruction=None))
            .rowcount)


def _unname(user: str, here: Callable[[Any], Any]) -> Any:
    """Drafts' "drew on" lines that name `user` (by display name, which idealoop does not
    keep: `source_users` says whose they may be) lose the line."""
    return update(Item).where(here(Item), Item.source_users.contains(
        f",{user},", autoescape=True)).values(sources=None, source_users=None)


def _json(raw: str | None) -> dict[str, Any]:
    """A JSON object column's value ({} when empty or not an object)."""
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
