"""What idealoop asks of the installation store's tables beyond slack_sdk's own store
(`slack_sdk.oauth.installation_store.sqlalchemy`, which owns them): the organization a
workspace was installed under, and a lock that lets one process at a time exchange a
workspace's rotating token.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from storage.base import Repository, translated

_LOCKS_GUARD = threading.Lock()
_LOCKS: dict[str, threading.Lock] = {}


class Installations(Repository):
    def enterprise_of(self, client_id: str, team: str) -> str | None:
        """The Enterprise Grid organization `team` installed the app under (None for a
        workspace outside one): slack_sdk looks a bot up by both."""
        with self._read() as conn:
            return conn.execute(text(
                "SELECT enterprise_id FROM slack_bots WHERE client_id = :client AND "
                "team_id = :team ORDER BY installed_at DESC LIMIT 1"),
                {"client": client_id, "team": team}).scalar()

    def granted_scopes(self, client_id: str) -> dict[str, frozenset[str]]:
        """Each installed workspace's bot scopes, as Slack granted them at its latest
        install (uninstalled workspaces have no rows left)."""
        with self._read() as conn:
            rows = conn.execute(text(
                "SELECT team_id, bot_scopes FROM slack_bots WHERE client_id = :client "
                "AND team_id IS NOT NULL ORDER BY installed_at"), {"client": client_id})
            return {team: frozenset(scope.strip() for scope in (scopes or "").split(",")
                                    if scope.strip())
                    for team, scopes in rows}

    @contextmanager
    def rotating(self, team: str) -> Iterator[None]:
        """Held while `team`'s token is exchanged: a refresh token works once, so two
        exchanges at once would leave one of them with a revoked token. In this process a
        lock per workspace; across processes on PostgreSQL, an advisory lock (SQLite
        serves one process)."""
        with _LOCKS_GUARD:
            local = _LOCKS.setdefault(team, threading.Lock())
        with local:
            if self.engine.dialect.name != "postgresql":
                yield
                return
            with translated(), self.engine.connect() as conn:
                key = {"key": f"idealoop:rotate:{team}"}
                conn.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), key)
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), key)
                    conn.commit()
