"""The real app, served over loopback HTTP against the emulated Slack and an LLM.

`running_app(...)` builds Settings as an operator would (through `from_env` with a
mapping), starts the real Bolt app on waitress at port 0, and hands back a
`SlackSender` that signs requests exactly as Slack does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from bot.app import build_deps, close_deps, create_app
from bot.config import Settings
from bot.deps import Deps
from bot.emulator.slack_api import SlackApiServer
from bot.server import HttpServer
from storage.repository import Store
from tests.fakes.slack_requests import SlackSender

T = TypeVar("T")
SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"


@dataclass
class RunningApp:
    settings: Settings
    deps: Deps
    server: HttpServer
    slack: SlackApiServer
    sender: SlackSender

    @property
    def store(self) -> Store:
        return self.deps.store

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every background job (brainstorms) has finished."""
        assert self.deps.jobs.wait_idle(timeout), "background jobs did not finish in time"


def app_env(slack: SlackApiServer, db_url: str, **extra: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": db_url,
        "IDEALOOP_LLM_TIMEOUT": "5",
        "IDEALOOP_LLM_RETRIES": "0",
    }
    env.update(extra)
    return env


@contextmanager
def running_app(slack: SlackApiServer, db_url: str, **env: str) -> Iterator[RunningApp]:
    settings = Settings.from_env(app_env(slack, db_url, **env))
    deps = build_deps(settings)
    app = create_app(settings, deps=deps)
    server = HttpServer(app, deps, host="127.0.0.1", port=0).start()
    try:
        yield RunningApp(settings, deps, server, slack, SlackSender(server.url, SECRET))
    finally:
        server.close()
        close_deps(deps)


def eventually(check: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.01) -> T:
    """Poll `check` until it stops raising AssertionError (events are handled after the ack)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(interval)
