"""A channel's idea board: the channel canvas idealoop keeps with this week's top approved
ideas and the open decisions (`/brainstorm board`). Slack-free.

- The first `/brainstorm board` in a channel claims its board (one per channel) and
  queues its update; Slack's canvas is created by that work (`bot.work.runs.board`).
- What the board shows (`BoardView`) has a fingerprint; the scheduler tick of every
  replica queues an update of each board whose fingerprint changed, under a key of the
  board and the minute (`board_key`): one replica accepts it, and a board is edited at
  most once a minute, however many ideas are approved meanwhile.
- The channel allow-list applies as everywhere. A board is no AI work: it spends no
  tokens and does not count against the daily limits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from bot.config import Settings
from bot.limits import Limits
from bot.ranking import top
from storage.base import Clock, utcnow
from storage.boards import StoredBoard as StoredBoard
from storage.decisions import PLANNED
from storage.stores import Stores

BOARD_WORK = "board"  # the kind of durable work that creates or edits a board's canvas
TOP_IDEAS = 10
OPEN_DECISIONS = 20
TEXT_CHARS = 300  # each line of the board shows at most this much of its text


@dataclass(frozen=True)
class BoardIdea:
    text: str
    approvals: int


@dataclass(frozen=True)
class BoardDecision:
    text: str
    owner: str  # a Slack user id: the canvas names them without mentioning
    due: date


@dataclass(frozen=True)
class BoardView:
    """What a board shows: the week's top approved ideas, best first, and the channel's
    open decisions, soonest due first."""

    week_from: date
    ideas: tuple[BoardIdea, ...]
    decisions: tuple[BoardDecision, ...]

    def fingerprint(self) -> str:
        """Equal for equal boards: an edit is made only when this changes."""
        shown = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(shown.encode()).hexdigest()


class Boards:
    """The idea boards of one workspace (the tick: of every workspace)."""

    def __init__(self, settings: Settings, stores: Stores, *, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.stores = stores
        self.limits = Limits(settings, clock=clock)
        self.clock = clock

    def for_team(self, team: str) -> Boards:
        return Boards(self.settings, self.stores.for_team(team), clock=self.clock)

    def ask(self, channel: str, user: str) -> tuple[StoredBoard, str | None]:
        """`/brainstorm board`: the channel's board (claimed now if it had none), and
        why Slack refused it last time, if it did (it is tried again now). BadInput
        outside the channels idealoop works in."""
        self.limits.check_channel(channel)
        board, _ = self.stores.boards.claim(channel, user)
        refused = board.refused
        if refused is not None:
            self.stores.boards.asked_again(channel)
            board = self.stores.boards.get(channel) or board
        return board, refused

    def get(self, channel: str) -> StoredBoard | None:
        return self.stores.boards.get(channel)

    def view(self, channel: str) -> BoardView:
        """What the channel's board shows now."""
        now = self.clock()
        ideas = tuple(BoardIdea(_line(item.text), item.approvals)
                      for item in top(self.stores, channel, "week", limit=TOP_IDEAS,
                                      clock=self.clock)
                      if item.approvals > 0)
        planned = [d for d in self.stores.decisions.in_channel(channel, limit=500)
                   if d.status == PLANNED and not d.purged]
        planned.sort(key=lambda d: (d.due, d.id))
        decisions = tuple(BoardDecision(_line(d.text), d.owner, d.due)
                          for d in planned[:OPEN_DECISIONS])
        return BoardView((now - timedelta(days=7)).date(), ideas, decisions)

    def shown(self, channel: str, canvas_id: str, fingerprint: str) -> None:
        self.stores.boards.shown_now(channel, canvas_id=canvas_id, shown=fingerprint)

    def create_sent(self, channel: str) -> None:
        self.stores.boards.create_sent(channel)

    def refused(self, channel: str, why: str) -> None:
        self.stores.boards.refused(channel, why)

    def lost(self, channel: str) -> None:
        self.stores.boards.lost(channel)

    def stale(self) -> list[StoredBoard]:
        """The boards, of every workspace, whose canvas does not show what they would
        show now (or that have none yet)."""
        stale = []
        for board in self.stores.boards.every_board():
            mine = self.for_team(board.team)
            if board.canvas_id is None or \
                    mine.view(board.channel).fingerprint() != board.shown:
                stale.append(board)
        return stale


def board_key(board: StoredBoard, now: datetime) -> str:
    """The delivery key of a board's update in the minute of `now`: accepted once across
    replicas, so a board is edited at most once a minute."""
    return f"board:{board.team}:{board.channel}:{now:%Y-%m-%dT%H:%M}"


def _line(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= TEXT_CHARS else words[:TEXT_CHARS - 1].rstrip() + "…"
