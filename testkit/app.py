"""The real app, served over loopback HTTP against the emulated Slack and an LLM.

`running_app(...)` builds Settings as an operator would (through `from_env` with a
mapping), starts the real Bolt app on `serve`'s HTTP server at port 0, and hands back a
`SlackSender` that signs requests exactly as Slack does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from slack_bolt import App

from bot.app import build_deps, close_deps, create_app
from bot.config import Settings
from bot.deps import Deps
from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from bot.runtime.server import HttpServer
from storage.repository import Store

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
        """The store of the emulated workspace (the one every signed request comes from)."""
        return self.deps.for_team(self.slack.state.team_id).store

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
def serving(settings: Settings, *, app: Callable[[Settings], App] | None = None) \
        -> Iterator[tuple[Deps, HttpServer]]:
    """The real app (or the one `app` builds, e.g. a baseline) on `serve`'s HTTP server,
    port 0, in this process; stopped and its resources released afterwards."""
    deps = build_deps(settings)
    try:
        bolt = app(settings) if app is not None else create_app(settings, deps=deps)
        server = HttpServer(bolt, deps.health, signing_secret=settings.slack_signing_secret,
                            host="127.0.0.1", port=0).start()
    except BaseException:
        close_deps(deps)
        raise
    try:
        yield deps, server
    finally:
        server.close()
        close_deps(deps)


@contextmanager
def running_app(slack: SlackApiServer, db_url: str, **env: str) -> Iterator[RunningApp]:
    settings = Settings.from_env(app_env(slack, db_url, **env))
    with serving(settings) as (deps, server):
        yield RunningApp(settings, deps, server, slack, SlackSender(server.url, SECRET))
