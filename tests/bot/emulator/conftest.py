"""The emulated Web API on loopback, and a real slack_sdk client talking to it; the shell
on a migrated SQLite copy, and what it printed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.config import Settings
from bot.emulator.shell import Shell
from bot.emulator.web_api import SlackApiServer
from bot.emulator.workspace import Workspace
from testkit.databases import MigratedSqlite


@pytest.fixture
def server() -> Iterator[SlackApiServer]:
    with SlackApiServer() as srv:
        yield srv


@pytest.fixture
def state(server: SlackApiServer) -> Workspace:
    return server.state


@pytest.fixture
def client(server: SlackApiServer) -> WebClient:
    return WebClient(token="xoxb-test", base_url=server.url, timeout=5)


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def shell(tmp_path: Path, out: io.StringIO, migrated_sqlite: MigratedSqlite) -> Iterator[Shell]:
    # Already migrated (a copy): the shell's own upgrade finds nothing to do. The shell
    # migrating a new file itself is what the piped `idealoop shell` tests run.
    settings = Settings.from_env({"DATABASE_URL": migrated_sqlite.copy(tmp_path / "shell.db")})
    with Shell(settings, out=out) as session:
        yield session
