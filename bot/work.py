"""Accepted work: what a brainstorm or a draft promised, and which process keeps the promise.

Slack is answered only after the work is stored (`Work.accept`), so an acknowledged
request survives a crash. The process that accepted it holds a lease on it and renews
it while alive (`bot.runtime.worker`); a lease that runs out means the process died, and
any process — another replica, or the same one after a restart — takes the work over.
Runners (`handlers/commands.py`, `handlers/mentions.py`) are written to be resumed:
each step checks what an earlier attempt already did (a header already posted, ideas
already saved or posted) before doing it.

A restarted process need not wait for the old leases to run out: an owner on the same
host whose process is gone (`is_dead`) is released at start-up. Elsewhere, and in any
doubt, the lease decides.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Collection
from pathlib import Path
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
    """`host:pid:started:nonce`: the host (with its pid namespace, so that containers
    sharing a hostname are told apart), this process, when it started (so that a reused
    pid is not mistaken for it), and a nonce (several apps in one process, as in tests)."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_started(pid)}:{secrets.token_hex(4)}"


def is_dead(owner: str, me: str) -> bool:
    """True when `owner` is a process on this host that is certainly gone: its pid no
    longer exists, or now belongs to a process that started at another time. Owners on
    other hosts, or where that cannot be told, are left to their leases."""
    parts = owner.split(":")
    if len(parts) != 4:
        return False
    host, pid, started, _ = parts
    if host != me.split(":", 1)[0] or not pid.isdigit() or not started:
        return False
    return _started(int(pid)) != started


def _host() -> str:
    try:
        namespace = "".join(ch for ch in os.readlink("/proc/self/ns/pid") if ch.isdigit())
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}"


def _started(pid: int) -> str:
    """When process `pid` started, in clock ticks since boot; "" if there is no such process
    (or the system does not say)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


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
