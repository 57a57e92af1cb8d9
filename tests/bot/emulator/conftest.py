"""The emulated Web API on loopback, and a real slack_sdk client talking to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.emulator.web_api import SlackApiServer
from bot.emulator.workspace import Workspace


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
