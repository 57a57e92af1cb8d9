"""What the handlers need, assembled once by `bot.app.create_app` and passed in."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from bot.boards import Boards
from bot.config import Settings
from bot.decisions import Decisions
from bot.digests import Digests
from bot.drafts import Drafter
from bot.guidance import StandingGuidance
from bot.ideas import Brainstormer
from bot.llm.model import TextModel
from bot.metrics import QueueGauges, render
from bot.privacy import Privacy
from bot.reports import Reports
from bot.runtime.signal_writer import SignalWriter
from bot.runtime.workspaces import Workspaces
from bot.signals import Judgements
from bot.work.jobs import Jobs, TrackedExecutor
from bot.work.queue import Work
from bot.work.worker import Worker
from storage.stores import Stores

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    stores: Stores  # for bot/ services; handlers go through the services below
    model: TextModel
    brainstormer: Brainstormer
    drafter: Drafter
    digests: Digests
    jobs: Jobs
    signals: SignalWriter  # reactions are committed in groups; a request waits for its own
    work: Work  # accepted brainstorms and drafts, durable, with leases
    worker: Worker  # runs accepted work and takes over the work of dead processes
    listeners: TrackedExecutor  # Bolt's listener threads: fast work only
    privacy: Privacy  # retention and "forget me"
    workspaces: Workspaces  # the Slack client of each workspace, for work done later
    guidance: StandingGuidance  # each channel's standing guidance to the AI
    reports: Reports  # top, stats and the App Home
    judgements: Judgements  # the item a click or reaction is on, and clicks
    decisions: Decisions  # decisions made on ideas and drafts, and their reminders
    boards: Boards  # channels' idea boards (canvases)
    team: str = ""  # the workspace the stores and the services built on them serve
    _teams: dict[str, Deps] = field(default_factory=dict, repr=False, compare=False)
    _teams_lock: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                        compare=False)

    def for_team(self, team: str | None) -> Deps:
        """These parts for workspace `team` (Slack's team id): everything that reads or
        writes a workspace's rows is scoped to it; the pools, the work queue and the
        signal writer are shared. Built once per workspace."""
        team = team or ""
        if team == self.team:
            return self
        with self._teams_lock:
            scoped = self._teams.get(team)
            if scoped is None:
                scoped = replace(self, team=team, stores=self.stores.for_team(team),
                                 brainstormer=self.brainstormer.for_team(team),
                                 drafter=self.drafter.for_team(team),
                                 digests=self.digests.for_team(team),
                                 privacy=self.privacy.for_team(team),
                                 guidance=self.guidance.for_team(team),
                                 reports=self.reports.for_team(team),
                                 judgements=self.judgements.for_team(team),
                                 decisions=self.decisions.for_team(team),
                                 boards=self.boards.for_team(team),
                                 _teams=self._teams, _teams_lock=self._teams_lock)
                self._teams[team] = scoped
        return scoped

    @property
    def busy(self) -> bool:
        """True while a listener, a background job or a signal write is in progress."""
        return bool(self.listeners.in_flight or self.jobs.pending or self.signals.pending)

    def health(self) -> tuple[bool, dict[str, Any]]:
        """What `GET /healthz` answers: healthy when the database answers a trivial query."""
        try:
            self.stores.ping()
        except Exception as exc:  # any database failure means "not healthy", said plainly
            log.warning("health check: database unavailable: %s", type(exc).__name__)
            return False, {"ok": False, "database": "unavailable"}
        return True, {"ok": True, "database": "ok", "jobs_pending": self.jobs.pending}

    def metrics(self) -> bytes:
        """What `GET /metrics` answers: every series of the app (of all its processes
        when they share `PROMETHEUS_MULTIPROC_DIR`), with the work queue read now."""
        return render([QueueGauges(self.work.backlog)])

    def wait_quiet(self, timeout: float = 30.0) -> bool:
        """Wait until no listener and no background job is running (emulator, tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = deadline - time.monotonic()
            if (self.listeners.wait_idle(left) and self.jobs.wait_idle(left)
                    and self.signals.wait_idle(left) and not self.busy):
                return True
        return False
