from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.fake_openai import FakeOpenAI


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer() as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()
