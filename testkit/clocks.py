"""A clock a test moves on by hand, instead of sleeping until time has passed."""

from __future__ import annotations

from datetime import UTC, datetime


class ManualClock:
    """Seconds (as `time.time()` or `time.monotonic()` give them) that change only when
    the test says so: pass it where the code under test takes a `clock`."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def utc(self) -> datetime:
        """The same moment as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now, UTC)
