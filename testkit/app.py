"""The real app, served over loopback HTTP or Socket Mode against the emulated Slack and
an LLM.

`running_app(...)` builds Settings as an operator would (through `from_env` with a
mapping), starts the real Bolt app the way `idealoop serve` does, and hands back a
sender: over HTTP (`transport="http"`) on `serve`'s HTTP server at port 0, a
`SlackSender` that signs requests exactly as Slack does; over Socket Mode
(`transport="socket_mode"`, `SLACK_APP_TOKEN` set and no signing secret), `serve`'s Socket
Mode connection to the emulated link host, and a `SocketModeSender` with the same
interface that delivers each request as the envelope Slack would send.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from slack_bolt import App

from bot.app import build_deps, close_deps, create_app
from bot.config import Settings
from bot.deps import Deps
from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from bot.runtime.server import HttpServer
from bot.runtime.socket_mode import SocketModeConnection
from storage.stores import Stores
from testkit.socket_mode import SocketModeSender, SocketModeServer

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0IDEALOOP-1-0a1b2c3d"
Transport = Literal["http", "socket_mode"]
TRANSPORTS: tuple[Transport, ...] = ("http", "socket_mode")


@dataclass
class RunningApp:
    settings: Settings
    deps: Deps
    server: HttpServer | SocketModeConnection
    slack: SlackApiServer
    sender: SlackSender
    #: Slack's Socket Mode side, when the app runs over it.
    link: SocketModeServer | None = None

    @property
    def stores(self) -> Stores:
        """The stores of the emulated workspace (the one every signed request comes from)."""
        return self.deps.for_team(self.slack.state.team_id).stores

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
        # A Web API call that got a 5xx or lost its connection is repeated after 10 ms,
        # not slack_sdk's 0.5 s and more: the same tries, without seconds of pauses.
        "IDEALOOP_SLACK_RETRY_PAUSE": "0.01",
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
                            host="127.0.0.1", port=0, metrics=deps.metrics).start()
    except BaseException:
        close_deps(deps)
        raise
    try:
        yield deps, server
    finally:
        server.close()
        close_deps(deps)


@contextmanager
def socket_mode_serving(settings: Settings, slack: SlackApiServer) \
        -> Iterator[tuple[Deps, SocketModeConnection, SocketModeServer]]:
    """The real app over `serve`'s Socket Mode connection, in this process, connected to
    a Socket Mode link host attached to `slack` (started here unless one is)."""
    assert settings.slack_app_token, "Socket Mode needs SLACK_APP_TOKEN"
    link = slack.socket_mode
    owned = link is None
    if not isinstance(link, SocketModeServer):
        link = SocketModeServer(slack).start()
    deps = build_deps(settings)
    connection: SocketModeConnection | None = None
    try:
        opened = link.opened
        connection = SocketModeConnection(create_app(settings, deps=deps),
                                          settings.slack_app_token).start()
        link.wait_opened(opened + 1)
        yield deps, connection, link
    finally:
        if connection is not None:
            connection.close()
        close_deps(deps)
        if owned:
            link.stop()


@contextmanager
def running_app(slack: SlackApiServer, db_url: str, *, transport: Transport = "http",
                **env: str) -> Iterator[RunningApp]:
    if transport == "socket_mode":
        environ = app_env(slack, db_url, SLACK_APP_TOKEN=APP_TOKEN, **env)
        del environ["SLACK_SIGNING_SECRET"]  # Socket Mode has no signatures
        settings = Settings.from_env(environ)
        with socket_mode_serving(settings, slack) as (deps, connection, link):
            yield RunningApp(settings, deps, connection, slack, SocketModeSender(link), link)
        return
    settings = Settings.from_env(app_env(slack, db_url, **env))
    with serving(settings) as (deps, server):
        yield RunningApp(settings, deps, server, slack, SlackSender(server.url, SECRET))
