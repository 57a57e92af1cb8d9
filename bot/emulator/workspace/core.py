"""What every part of the emulated workspace shares: one lock, one ts source, one set of
listeners, and Slack's error codes.

The parts (directory, messages, reactions, streams, surfaces, agents) are separate objects
so each stays readable, but a change often spans two of them (a reply bumps its root's
``reply_count``; a deleted message streams no more), so they all take the same `Core`:
holding its one re-entrant lock makes any multi-part update atomic.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.slack_values import us_to_ts

logger = logging.getLogger(__name__)

#: Host used in permalinks and ``auth.test``'s ``url``; never resolved, just recognisable.
PERMALINK_HOST = "https://emulated.slack.local"

#: Slack's hard cap (and default) for ``limit`` on history/replies.
MAX_PAGE_LIMIT = 1000

#: Seconds a streamed message stays in its streaming state after ``chat.startStream``.
#: Slack does not publish the figure. Apps that paused a stream for about five minutes
#: got ``message_not_in_streaming_state`` on their next append (vercel/chat#607), and
#: live probes found an absolute lifetime of about 306 s that appends do not extend
#: (Hermes agent PR #59010, as quoted by apps that build on it). The stricter reading
#: holds here: five minutes from the start, appends or not.
STREAM_LIFETIME = 300.0

Listener = Callable[[str, dict[str, Any]], None]


class WorkspaceError(Exception):
    """A workspace operation failed; ``error`` is the Slack error code the API would return.

    Raising Slack's own codes from the state layer keeps the HTTP layer a thin translation
    and gives direct callers (the terminal emulator) the same vocabulary as API clients.
    """

    def __init__(self, error: str, detail: str = "") -> None:
        super().__init__(f"{error}: {detail}" if detail else error)
        self.error = error


def strip_colons(name: str) -> str:
    """Slack accepts ``:+1:`` and ``+1`` alike for reaction names; store the bare form."""
    return name.strip().strip(":")


class Core:
    """The lock, the ts source, the clock and the listeners every part of a workspace uses.

    A single ``RLock`` guards everything: operations are tiny, contention is irrelevant
    at emulator scale, and one lock makes multi-step updates trivially atomic.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        #: What streams expire by (seconds): tests move it on instead of sleeping.
        self.clock = clock
        self._listeners: list[Listener] = []
        self._last_us = int(time.time() * 1_000_000)

    def next_ts(self) -> str:
        """Return a fresh ts: strictly increasing, unique, close to wall-clock time.

        Seeded by ``time.time()`` but never allowed to repeat or go backwards, so two posts
        in the same microsecond (or a clock step) still get distinct, ordered ts values -
        the bot uses ts as message identity, so collisions would be silent data bugs.
        """
        with self.lock:
            self._last_us = max(self._last_us + 1, int(time.time() * 1_000_000))
            return us_to_ts(self._last_us)

    def add_listener(self, listener: Listener) -> None:
        """Register ``listener(kind, payload)``, called after each change (outside the lock).

        Lets the terminal emulator render bot activity without polling. ``kind`` is one of
        ``message_posted``, ``message_changed``, ``message_deleted``, ``reaction_added``,
        ``reaction_removed``, ``ephemeral``, ``response``.
        """
        with self.lock:
            self._listeners.append(listener)

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
        """Notify listeners; a broken listener must not break the API call that triggered it."""
        with self.lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(kind, copy.deepcopy(payload))
            except Exception:
                logger.exception("Workspace listener failed for %s", kind)
