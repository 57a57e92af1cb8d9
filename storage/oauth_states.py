"""OAuth states that were used: the `slack_oauth_states` table (migration 0015, the shape
of slack_sdk's own state store), kept small.

An install's state is signed, not stored, when the install page hands it out
(`bot.runtime.oauth_states`): a row is written only when a validly signed, unexpired
state comes back from Slack, so that it cannot come back a second time. The rows go
when their state expires, and never more than `cap` are kept (the oldest go first).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from storage.base import Repository


def _naive(moment: datetime) -> datetime:
    """The column is a DateTime without time zone, in UTC (as slack_sdk writes it)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class OAuthStates(Repository):
    def use_once(self, state: str, expire_at: datetime, *, cap: int) -> bool:
        """Record that `state` was used; False when it was used before. Expired rows go
        first, and past `cap` rows the oldest go (a state used longer ago than that
        could be replayed, but only with its browser's cookie, and not after it
        expires)."""
        now = _naive(self.clock())
        with self._write() as conn:
            conn.execute(text("DELETE FROM slack_oauth_states WHERE expire_at <= :now"),
                         {"now": now})
            seen = conn.execute(text("SELECT 1 FROM slack_oauth_states WHERE state = :state"),
                                {"state": state}).first()
            if seen is not None:
                return False
            conn.execute(text("INSERT INTO slack_oauth_states (state, expire_at) "
                              "VALUES (:state, :expire_at)"),
                         {"state": state, "expire_at": _naive(expire_at)})
            oldest_kept = conn.execute(text(
                "SELECT id FROM slack_oauth_states ORDER BY id DESC LIMIT 1 OFFSET :cap"),
                {"cap": cap - 1}).scalar()
            if oldest_kept is not None:
                conn.execute(text("DELETE FROM slack_oauth_states WHERE id < :id"),
                             {"id": oldest_kept})
            return True

    def delete_expired(self) -> int:
        """Remove the rows whose state has expired; how many went."""
        with self._write() as conn:
            return conn.execute(text("DELETE FROM slack_oauth_states WHERE expire_at <= :now"),
                                {"now": _naive(self.clock())}).rowcount

    def count(self) -> int:
        with self._read() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM slack_oauth_states")).scalar()
                       or 0)
