"""What the handlers need, assembled once by `bot.app.create_app` and passed in."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.config import Settings
from bot.digests import Digests
from bot.drafts import Drafter
from bot.ideas import Brainstormer
from bot.llm.model import TextModel
from bot.runtime.jobs import Jobs, TrackedExecutor
from bot.runtime.signal_writer import SignalWriter
from storage.repository import Store


@dataclass(frozen=True)
class Deps:
    settings: Settings
    store: Store
    model: TextModel
    brainstormer: Brainstormer
    drafter: Drafter
    digests: Digests
    jobs: Jobs
    signals: SignalWriter  # reactions are written in batches, off the listener threads
    listeners: TrackedExecutor  # Bolt's listener threads: fast work only

    @property
    def busy(self) -> bool:
        """True while a listener, a background job or a signal write is in progress."""
        return bool(self.listeners.in_flight or self.jobs.pending or self.signals.pending)

    def wait_quiet(self, timeout: float = 30.0) -> bool:
        """Wait until no listener and no background job is running (emulator, tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = deadline - time.monotonic()
            if (self.listeners.wait_idle(left) and self.jobs.wait_idle(left)
                    and self.signals.wait_idle(left) and not self.busy):
                return True
        return False
