"""Workspaces: the one statement that gives rows from before workspaces were recorded
to the workspace of a single-workspace install."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import aliased

from storage.base import Repository, retry_locked
from storage.models import (
    Brainstorm,
    ChannelGuidance,
    DigestRun,
    DigestSubscription,
    Item,
    Work,
)


class WorkspaceStore(Repository):
    """Which workspace a row belongs to, where that was not recorded."""

    @retry_locked
    def adopt_unowned(self, team: str) -> int:
        """Give rows from before workspaces were recorded (team "") to workspace `team`:
        the one workspace of a bot token. Where the workspace already has a row with the
        same key (a schedule or guidance set since), the old one is dropped: two
        schedules for one channel would post its digest twice. How many rows changed."""
        changed = 0
        with self._write() as conn:
            rows: tuple[Any, ...] = (Brainstorm, Item, Work)
            for table in rows:
                changed += conn.execute(update(table).where(table.team == "")
                                        .values(team=team)).rowcount
            keyed_rows: tuple[tuple[Any, tuple[str, ...]], ...] = (
                (ChannelGuidance, ("channel",)), (DigestSubscription, ("channel",)),
                (DigestRun, ("channel", "period_key")))
            for keyed, key in keyed_rows:
                taken = aliased(keyed)
                clash = select(taken.team).where(
                    taken.team == team,
                    *(getattr(taken, column) == getattr(keyed, column) for column in key))
                changed += conn.execute(update(keyed).where(keyed.team == "", ~clash.exists())
                                        .values(team=team)).rowcount
                conn.execute(delete(keyed).where(keyed.team == ""))  # the clashing ones
        return changed
