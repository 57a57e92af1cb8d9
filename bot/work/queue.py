"""Accepted work: what a brainstorm or a draft promised, and which process keeps the promise.

The queue: work is enqueued (`Work.accept`), claimed, held and ended here, over the rows of
`storage.work`. Slack is answered only after the work is stored, so an acknowledged
request survives a crash. The process that accepted it holds a lease on it and renews
it while alive (`bot.work.worker`); a lease that runs out means the process died, and
any process — another replica, or the same one after a restart — takes the work over.
Runners (`bot.work.runs`) are written to be resumed: each step checks what an earlier
attempt already did (a header already posted, ideas already saved or posted) before
doing it. Every change a holder makes to the work's row (its placeholder, its outcome,
giving it back) is fenced by the holder's name and attempt, so one that lost the work —
even to a later attempt of its own process — changes nothing there; before each message
it posts, a holder confirms the same way (`confirm`). What the work saves elsewhere (ideas,
a draft) is keyed by its message, so a second save leaves the first.

A restarted process need not wait for the old leases to run out: an owner on the same
host whose process is gone (`bot.work.owners.is_dead`) is released at start-up.
Elsewhere, and in any doubt, the lease decides.

A web process with worker processes beside it (`idealoop serve --workers N`) accepts work
without holding it (`hand_off`): the row is stored free to claim, the listening workers
are woken in the same transaction, and the first worker to claim it runs it
(`bot.work.worker`, `storage.wakeups`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any, Protocol

from bot.limits import Limits
from bot.work.backoff import backoff
from bot.work.owners import is_dead, process_name
from storage.claims import LeaseLost as LeaseLost  # another process took the work over
from storage.errors import DatabaseUnavailable, QuotaReached
from storage.wakeups import WorkWakeups
from storage.work import NewWork, WorkStore
from storage.work import WorkItem as WorkItem  # for handlers/

log = logging.getLogger(__name__)

# From the fifth attempt on, a run settles whatever is unfinished with a clear note instead
# of trying it again; only showing that final state, while Slack cannot be reached, goes
# on being tried, with pauses that grow to MAX_PAUSE leases, until GIVE_UP_AFTER attempts
# (about four hours with the default 30 s lease).
MAX_ATTEMPTS = 5
GIVE_UP_AFTER = 30
MAX_PAUSE = 20  # leases (10 minutes with the default)
STOPS_REMEMBERED = 1000  # work stopped through this process, kept for its runs to see


class RetryLater(Exception):
    """A step failed in a way a later attempt may fix (Slack or the database was down);
    the work stays pending and is tried again."""


class Stopped(LeaseLost):
    """A person stopped this work (Slack's stop button): nothing more is posted for it;
    its message is settled with `note` ("Stopped by @person")."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


class Runner(Protocol):
    """Carries out one kind of work, resumably (`bot.work.runs`)."""

    def run(self, item: WorkItem, last: bool) -> str | None:
        """Do the work: None when done, or the note the person was shown when it ended in
        failure. On a `last` attempt, settle what is unfinished instead of trying it again;
        RetryLater then means only that the settled state could not be shown yet."""
        ...

    def settle(self, item: WorkItem, note: str) -> None:
        """Show `note` where the person waits (the work is given up); best effort."""
        ...


class Work:
    """Accepting, holding and ending work, as this process (`owner`). With `hand_off`,
    work accepted here is left to worker processes (held by nobody, they are woken)."""

    def __init__(self, store: WorkStore, *, lease: float, limits: Limits,
                 owner: str | None = None, hand_off: bool = False) -> None:
        self.store = store
        self.lease = lease
        self.owner = owner or process_name()
        self.limits = limits
        self.hand_off = hand_off
        self._stopped: dict[int, str] = {}  # work stopped through this process -> note

    def accept(self, kind: str, *, team: str, delivery_key: str, channel: str, user: str,
               request: dict[str, Any], thread_ts: str | None = None) -> WorkItem | None:
        """Store the work before Slack is answered; None for a repeated delivery.
        Raises `storage.errors.DatabaseUnavailable` when it cannot be stored, and
        `bot.limits.NotHere` or `LimitReached` (both BadInput) when the operator's limits
        refuse it: then nothing is stored."""
        self.limits.check_channel(channel)
        try:
            return self.store.accept(
                NewWork(kind=kind, delivery_key=delivery_key, channel=channel, user_id=user,
                        request=request, thread_ts=thread_ts, team=team),
                owner=None if self.hand_off else self.owner, lease=self.lease,
                quota=self.limits.quota())
        except QuotaReached as exc:
            raise self.limits.reached(exc) from None

    def schedule(self, kind: str, *, team: str, delivery_key: str, channel: str, user: str,
                 request: dict[str, Any]) -> WorkItem | None:
        """Store work the app gives itself (a decision's reminder or announcement), held
        by this process — or, with `hand_off`, free for the worker processes, woken at
        once, like accepted work; None when its key was taken before (by this or another
        replica: it runs once). No person asked for it, so no daily limit counts it."""
        return self.store.accept(
            NewWork(kind=kind, delivery_key=delivery_key, channel=channel, user_id=user,
                    request=request, team=team),
            owner=None if self.hand_off else self.owner, lease=self.lease)

    def spent(self, item: WorkItem, tokens: int) -> None:
        """Count the LLM tokens an attempt spent against the day's budget, whatever came
        of it; best effort (a database that is away loses this attempt's count, said in
        the log)."""
        if not tokens:
            return
        try:
            self.store.spent(item.id, tokens)
        except DatabaseUnavailable:
            log.warning("could not count the %d tokens %s %d spent", tokens, item.kind,
                        item.id)

    def usage(self, team: str, user: str, channel: str) -> str:
        """`/brainstorm usage`: today's use against the limits, to show the person."""
        since = self.limits.today().start
        return self.limits.report(self.store.usage(team, user, channel, since), channel)

    def claim_next(self) -> WorkItem | None:
        return self.store.claim_next(owner=self.owner, lease=self.lease)

    def wakeups(self) -> WorkWakeups:
        """What a worker process waits on between looks for work: woken when work is
        stored or given back (`storage.wakeups`)."""
        return self.store.wakeups()

    def renew(self, ids: Collection[int]) -> set[int]:
        """Keep the leases on `ids`; the ids still held."""
        return self.store.renew(owner=self.owner, lease=self.lease, ids=ids)

    def confirm(self, item: WorkItem) -> None:
        """Before a step others can see: renew the lease, or LeaseLost if it was lost
        (Stopped if a person stopped the work)."""
        self.check_stopped(item)
        if not self.store.hold(item, lease=self.lease):
            note = self.store.cancelled_note(item.id)
            if note is not None:
                raise Stopped(note)
            raise LeaseLost(f"{item.kind} {item.id} is held by another process now")

    def in_agent_session(self, team: str, channel: str, thread_ts: str) -> bool:
        """True when this DM thread is one of Slack's agent sessions (work was asked in
        it as one), not an assistant pane's thread."""
        return self.store.in_agent_session(team, channel, thread_ts)

    def check_stopped(self, item: WorkItem) -> None:
        """Stopped if the work was stopped through this process; no database round trip,
        so a run can ask between any two pieces of the model's answer."""
        note = self._stopped.get(item.id)
        if note is not None:
            raise Stopped(note)

    def stop(self, team: str, channel: str, thread_ts: str, *, note: str) -> list[WorkItem]:
        """A person stopped the work of a thread: it is cancelled (whoever holds it learns
        so at its next step; a run in this process, at its next piece). The work that was
        running, as it was."""
        stopped = self.store.cancel(team, channel, thread_ts, note=note)
        for item in stopped:
            self._stopped[item.id] = note
        while len(self._stopped) > STOPS_REMEMBERED:  # the oldest ended long ago
            self._stopped.pop(next(iter(self._stopped)), None)
        return stopped

    def pending_in(self, team: str, channel: str, message_ts: str) -> bool:
        """True while work in `channel` of workspace `team` runs that may still record
        message `message_ts` as one of its items (its own header or placeholder never is
        one)."""
        return self.store.has_pending(team, channel, besides=message_ts)

    def set_placeholder(self, item: WorkItem, ts: str) -> None:
        """Record the message the person sees while the work runs (LeaseLost if lost)."""
        if not self.store.set_placeholder(item, ts):
            raise LeaseLost(f"{item.kind} {item.id} is held by another process now")

    def finish(self, item: WorkItem, note: str | None = None) -> bool:
        return self.store.finish(item, failed=note is not None, note=note)

    def give_back(self, item: WorkItem) -> bool:
        """Let any process (this one included) take the work now."""
        return self.store.let_go(item)

    def retry_later(self, item: WorkItem) -> bool:
        """Give the work back, to be tried again after a pause that doubles with each
        attempt: a sixth of a lease, then a third, … (5, 10, 20, 40 s with the default),
        at most MAX_PAUSE leases."""
        pause = backoff(item.attempts, first=self.lease / 6, most=MAX_PAUSE * self.lease)
        return self.store.let_go(item, retry_in=pause)

    def let_go_all(self, keep: Collection[int] = ()) -> int:
        """Give back everything this process holds but the work in `keep`."""
        return self.store.let_go_all(self.owner, keep=keep)

    def backlog(self) -> tuple[int, float]:
        """The pending work (queued or running) and the age in seconds of its oldest
        piece (0 when none): the queue's gauges, read when metrics are scraped."""
        depth, oldest = self.store.backlog()
        if oldest is None:
            return depth, 0.0
        return depth, max(0.0, (self.store.clock() - oldest).total_seconds())

    def free_dead_owners(self) -> int:
        """Release the work of processes on this host that died; how many owners."""
        dead = [owner for owner in self.store.pending_owners() if is_dead(owner, self.owner)]
        for owner in dead:
            self.store.let_go_all(owner)
        return len(dead)
