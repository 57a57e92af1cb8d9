"""Who holds a lease: each process's name, and telling an owner on this host that is
certainly gone, so that its work is released at start-up instead of waiting for its
leases to run out (`bot.work.queue.Work.free_dead_owners`).
"""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path


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
