"""What the handlers need, assembled once by `bot.app.create_app` and passed in."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.config import Settings
from bot.ideas import Brainstormer
from bot.jobs import Jobs
from bot.llm import IdeaModel
from storage.repository import Store


@dataclass(frozen=True)
class Deps:
    settings: Settings
    store: Store
    model: IdeaModel
    brainstormer: Brainstormer
    jobs: Jobs
    listeners: ThreadPoolExecutor  # Bolt's listener threads: fast work only
