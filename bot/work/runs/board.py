"""A channel's idea board kept up to date: its canvas created on first use, then edited
when what it shows changed, at most once a minute (`bot.boards`).

`queue_board` is called by `/brainstorm board` and by the scheduler tick of every replica
(`queue_stale_boards`, and the shell's `advance`), under a key of the board and the
minute: whichever replica accepts it runs it, the others store nothing. The run reads
what the board shows now and edits only when that differs from what it last showed;
it confirms its lease before it creates or edits the canvas. A create is marked as sent
before it goes out: when Slack made the canvas but its answer was lost (a crash, a
timeout), the next attempt finds the channel's canvas and takes it as the board's.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.boards import BOARD_WORK, Boards, StoredBoard, board_key
from bot.errors import ChatRefused, ChatUnavailable
from bot.work.chat import BoardChat
from bot.work.queue import RetryLater, Work, WorkItem

log = logging.getLogger(__name__)


def queue_board(work: Work, board: StoredBoard, now: datetime) -> WorkItem | None:
    """The work that brings `board` up to date this minute; None when it was queued
    this minute before (here or by another replica)."""
    return work.schedule(BOARD_WORK, team=board.team, delivery_key=board_key(board, now),
                         channel=board.channel, user=board.created_by,
                         request={"board": board.id})


def queue_stale_boards(boards: Boards, work: Work, now: datetime) -> list[WorkItem]:
    """Queue the update of each board whose canvas is behind; the work this process holds
    now (to run soon)."""
    return [item for board in boards.stale()
            if (item := queue_board(work, board, now)) is not None]


class BoardRunner:
    def __init__(self, work: Work, boards: Boards, chat: BoardChat) -> None:
        self.work = work
        self.boards = boards
        self.chat = chat

    def run(self, item: WorkItem, last: bool) -> str | None:
        """Create the board's canvas, or edit it when what it shows changed."""
        board = self.boards.get(item.channel)
        if board is None or board.refused is not None:
            return None
        view = self.boards.view(item.channel)
        fingerprint = view.fingerprint()
        if board.canvas_id is not None and board.shown == fingerprint:
            return None  # already shows this
        try:
            self.work.confirm(item)
            if board.canvas_id is None:
                self.boards.create_sent(item.channel)
                canvas_id = self.chat.create(item.channel, view,
                                             sent_before=board.edited_at is not None)
            else:
                self.chat.edit(board.canvas_id, view)
                canvas_id = board.canvas_id
        except ChatRefused as exc:
            if exc.gone and board.canvas_id is not None:  # deleted in Slack: made anew
                log.info("the board of %s lost its canvas; making a new one", item.channel)
                self.boards.lost(item.channel)
                raise RetryLater("the board's canvas is gone") from exc
            log.info("the board of %s was refused: %s", item.channel, exc)
            self.boards.refused(item.channel, str(exc))
            return exc.user_message
        except ChatUnavailable as exc:
            raise RetryLater(f"the board could not be updated: {exc}") from exc
        self.boards.shown(item.channel, canvas_id, fingerprint)
        return None

    def settle(self, item: WorkItem, note: str) -> None:
        """Nobody waits on a board: giving an update up shows nothing (the next change
        queues another)."""
        log.info("gave up updating the board of %s: %s", item.channel, note)
