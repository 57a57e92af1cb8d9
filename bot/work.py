"""Accepted work: what a brainstorm or a draft promised, and which process keeps the promise.

Slack is answered only after the work is stored (`Work.accept`), so an acknowledged
request survives a crash. The process that accepted it holds a lease on it and renews
it while alive (`bot.runtime.worker`); a lease that runs out means the process died, and
any process — another replica, or the same one after a restart — takes the work over.
Runners (`handlers/commands.py`, `handlers/mentions.py`) are written to be resumed:
each step checks what an earlier attempt already did (a header already posted, ideas
already saved or posted) before doing it.

A process is named `host:pid:nonce`. A restarted process need not wait for the old
leases to run out: on the same host, an owner whose pid is gone, or whose pid is now
this process's own with another nonce, is certainly dead.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Collection
from typing import Any

from storage.work import NewWork, WorkItem, WorkStore

MAX_ATTEMPTS = 3  # the third attempt settles whatever is unfinished with a clear note
RETRY_AFTER = 5.0  # seconds before a failed attempt is tried again


class RetryLater(Exception):
    """A step failed in a way a later attempt may fix (Slack or the database was down);
    the work stays pending and is tried again."""


# A runner does the work: None when it is done, or the note the person was shown when it
# ended in failure. `last` is True on the final attempt: settle rather than raise RetryLater.
Runner = Callable[[WorkItem, bool], "str | None"]


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def is_dead(owner: str, me: str) -> bool:
    """True when `owner` is a process on this host that is certainly gone."""
    host, _, rest = owner.partition(":")
    pid_text, _, nonce = rest.partition(":")
    my_host, _, my_rest = me.partition(":")
    my_pid, _, my_nonce = my_rest.partition(":")
    if host != my_host or not pid_text.isdigit() or owner == me:
        return False
    if pid_text == my_pid:
        return nonce != my_nonce  # our pid, an older nonce: a previous life of this pid
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


class Work:
    """Accepting, holding and ending work, as this process (`owner`)."""

    def __init__(self, store: WorkStore, *, lease: float, owner: str | None = None) -> None:
        self.store = store
        self.lease = lease
        self.owner = owner or process_name()

    def accept(self, kind: str, *, delivery_key: str, channel: str, user: str,
               request: dict[str, Any], thread_ts: str | None = None) -> WorkItem | None:
        """Store the work before Slack is answered; None for a repeated delivery.
        Raises `storage.errors.DatabaseUnavailable` when it cannot be stored."""
        return self.store.accept(
            NewWork(kind=kind, delivery_key=delivery_key, channel=channel, user_id=user,
                    request=request, thread_ts=thread_ts),
            owner=self.owner, lease=self.lease)

    def claim_next(self) -> WorkItem | None:
        return self.store.claim_next(owner=self.owner, lease=self.lease)

    def renew(self) -> int:
        return self.store.renew(owner=self.owner, lease=self.lease)

    def set_placeholder(self, item: WorkItem, ts: str) -> bool:
        return self.store.set_placeholder(item, ts)

    def finish(self, item: WorkItem, note: str | None = None) -> bool:
        return self.store.finish(item, failed=note is not None, note=note)

    def retry_later(self, item: WorkItem) -> bool:
        """Give the work back, to be tried again after a pause (at most a lease)."""
        return self.store.let_go(item, retry_in=min(RETRY_AFTER, self.lease))

    def let_go_all(self, keep: Collection[int] = ()) -> int:
        """Give back everything this process holds but the work in `keep`."""
        return self.store.let_go_all(self.owner, keep=keep)

    def free_dead_owners(self) -> int:
        """Release the work of processes on this host that died; how many owners."""
        dead = [owner for owner in self.store.pending_owners() if is_dead(owner, self.owner)]
        for owner in dead:
            self.store.let_go_all(owner)
        return len(dead)
