"""How long to wait before trying again: one rule for every retry idealoop schedules itself.

A failure that may pass (Slack or the database away) is tried again after a pause that
doubles with each attempt, from `first`, up to `most`. Accepted work starts at a sixth
of its lease (`bot.work.queue.Work.retry_later`), a digest at a minute
(`bot.digests.DigestPoster`). The doubling stops at 2**16 so that an attempt count that
keeps growing (a digest waits for Slack for as long as it takes) cannot overflow; the
ceiling is reached long before.
"""

from __future__ import annotations

MAX_DOUBLINGS = 16


def backoff(attempt: int, *, first: float, most: float) -> float:
    """The pause, in seconds, after failed attempt number `attempt` (from 1): `first`,
    then twice that, four times, … never more than `most`."""
    return min(most, first * 2.0 ** min(attempt - 1, MAX_DOUBLINGS))
