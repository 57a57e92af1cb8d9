"""Every repository of idealoop, opened once from one engine and passed around together.

Each repository owns the SQL of one concept; callers take the bundle and name the concept
they use (`stores.brainstorms.save_brainstorm`, `stores.reports.top_items`), so a reader
finds a statement by what it is about.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from sqlalchemy import Engine

from storage.base import Clock, Repository, utcnow
from storage.boards import BoardStore
from storage.brainstorms import BrainstormStore
from storage.decisions import DecisionStore
from storage.digests import DigestStore
from storage.drafts import DraftStore
from storage.privacy import PrivacyStore
from storage.reports import ReportStore
from storage.signals import SignalStore
from storage.steering import SteeringStore
from storage.work import WorkStore
from storage.workspaces import WorkspaceStore

R = TypeVar("R", bound=Repository)


@dataclass(frozen=True)
class Stores:
    brainstorms: BrainstormStore  # brainstorms and their ideas
    drafts: DraftStore  # drafts, critiques and polished versions
    signals: SignalStore  # reactions and clicks, and the items they attach to
    steering: SteeringStore  # guidance, feedback, rejections and their vectors
    reports: ReportStore  # rankings, stats, a person's channels, the export
    digests: DigestStore  # digest schedules and their once-per-period claims
    work: WorkStore  # accepted brainstorms and drafts, with their leases
    privacy: PrivacyStore  # retention and "forget me"
    workspaces: WorkspaceStore  # rows from before workspaces were recorded
    decisions: DecisionStore  # decisions made on ideas and drafts, and their reminders
    boards: BoardStore  # channels' idea boards (their canvases)

    @classmethod
    def open(cls, engine: Engine, *, clock: Clock = utcnow, team: str = "") -> Stores:
        """Every repository on `engine`, for the rows of workspace `team`."""
        def on(kind: type[R]) -> R:
            return kind(engine, clock=clock, team=team)

        return cls(brainstorms=on(BrainstormStore), drafts=on(DraftStore),
                   signals=on(SignalStore), steering=on(SteeringStore),
                   reports=on(ReportStore), digests=on(DigestStore), work=on(WorkStore),
                   privacy=on(PrivacyStore), workspaces=on(WorkspaceStore),
                   decisions=on(DecisionStore), boards=on(BoardStore))

    @property
    def engine(self) -> Engine:
        return self.brainstorms.engine

    @property
    def clock(self) -> Clock:
        return self.brainstorms.clock

    @property
    def team(self) -> str:
        return self.brainstorms.team

    def for_team(self, team: str) -> Stores:
        """These repositories for the rows of workspace `team` (engine and caches shared)."""
        if team == self.team:
            return self
        scoped: dict[str, Any] = {field.name: self._repository(field.name).for_team(team)
                                  for field in fields(self)}
        return replace(self, **scoped)

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query (health checks)."""
        self.brainstorms.ping()

    def _repository(self, name: str) -> Repository:
        repository: Repository = getattr(self, name)
        return repository
