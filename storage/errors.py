"""The failures storage names: the database cannot do its part right now, and a daily
limit that refused new work.

Raised for a database that is down, unreachable, read-only or locked beyond the retries,
so that callers can tell the person "nothing was saved, try again" (and Slack's
deliveries can be answered with an error, to be re-delivered) without knowing the
driver's exceptions. Errors in the data or the code are not this: they surface as
they are.
"""

from __future__ import annotations


class DatabaseUnavailable(Exception):
    """The database could not be reached or could not write; nothing was changed."""


class QuotaReached(Exception):
    """Work was not accepted: a daily limit is reached. `which` is "person", "channel" or
    "tokens"; `used` and `limit` are that limit's figures. Nothing was stored."""

    def __init__(self, which: str, used: int, limit: int) -> None:
        super().__init__(f"daily {which} limit reached: {used} of {limit}")
        self.which = which
        self.used = used
        self.limit = limit
