"""Idea boards (`/brainstorm board`): every SQL statement about them.

One board per channel, claimed by the first `/brainstorm board` there. Its canvas is
recorded once Slack created it, with the fingerprint of what it shows, so that an edit
is made only when what it would show changed. A create is marked as sent (`edited_at`
with no `canvas_id`) before it goes to Slack, so a later attempt knows a canvas Slack
made, its answer lost, may be the board's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.base import Repository, as_utc, retry_locked
from storage.models import Board


@dataclass(frozen=True)
class StoredBoard:
    id: int
    team: str
    channel: str
    created_by: str
    created_at: datetime
    canvas_id: str | None
    shown: str | None
    edited_at: datetime | None  # when its canvas was last sent to Slack (made or edited)
    refused: str | None


def _stored(row: Any) -> StoredBoard:
    return StoredBoard(id=row.id, team=row.team, channel=row.channel,
                       created_by=row.created_by, created_at=as_utc(row.created_at),
                       canvas_id=row.canvas_id, shown=row.shown,
                       edited_at=as_utc(row.edited_at) if row.edited_at else None,
                       refused=row.refused)


class BoardStore(Repository):
    """The idea boards of a workspace (and, for the scheduler tick, of every one)."""

    @retry_locked
    def claim(self, channel: str, user: str) -> tuple[StoredBoard, bool]:
        """The channel's board: (it, True) when `user` asked for it first now, (the one
        asked for before, False) otherwise."""
        try:
            with self._write() as conn:
                conn.execute(insert(Board).values(team=self.team, channel=channel,
                                                  created_by=user, created_at=self.clock()))
            created = True
        except IntegrityError:
            created = False
        found = self.get(channel)
        assert found is not None
        return found, created

    def get(self, channel: str) -> StoredBoard | None:
        with self._read() as conn:
            row = conn.execute(select(Board).where(Board.team == self.team,
                                                   Board.channel == channel)).first()
        return _stored(row) if row else None

    def every_board(self, *, limit: int = 500) -> list[StoredBoard]:
        """The boards of every workspace that Slack did not refuse, oldest first."""
        with self._read() as conn:
            rows = conn.execute(select(Board).where(Board.refused.is_(None))
                                .order_by(Board.id).limit(limit)).all()
        return [_stored(row) for row in rows]

    @retry_locked
    def shown_now(self, channel: str, *, canvas_id: str, shown: str) -> bool:
        """Record the board's canvas and the fingerprint of what it shows now."""
        return self._set(channel, canvas_id=canvas_id, shown=shown, edited_at=self.clock(),
                         refused=None)

    @retry_locked
    def create_sent(self, channel: str) -> bool:
        """A create of the board's canvas goes to Slack now (`edited_at`, still no canvas):
        if its answer is lost, the next attempt may find the canvas Slack made."""
        return self._set(channel, Board.canvas_id.is_(None), edited_at=self.clock())

    @retry_locked
    def refused(self, channel: str, why: str) -> bool:
        """Slack will not keep this board (`why`: its error); it is not tried again until
        someone asks for it again."""
        return self._set(channel, refused=why[:64], edited_at=None)

    @retry_locked
    def lost(self, channel: str) -> bool:
        """Its canvas is gone (deleted in Slack): the next update creates a new one."""
        return self._set(channel, canvas_id=None, shown=None, edited_at=None)

    @retry_locked
    def asked_again(self, channel: str) -> bool:
        """Someone asked for a refused board again: it is tried again."""
        return self._set(channel, refused=None, shown=None)

    def _set(self, channel: str, *when: Any, **values: Any) -> bool:
        """Set `values` on the channel's board (if it also meets `when`); whether it did."""
        with self._write() as conn:
            return bool(conn.execute(update(Board).where(
                Board.team == self.team, Board.channel == channel, *when,
            ).values(**values)).rowcount)
