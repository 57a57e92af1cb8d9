"""Slack's rate limits slow the app down and never make it fail: a 429 with Retry-After
is waited out and the call made again (Slack did nothing with the refused one), so
people get every idea, once, in order."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.emulator.rate_limits import Limit
from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from tests.e2e.test_brainstorm import brainstorm, thread_replies

IDEAS = ["Walking standups", "Async updates", "Timebox", "Rotate the host", "Skip Fridays"]


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, sqlite_url: str) -> Iterator[RunningApp]:
    with running_app(slack, sqlite_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as running:
        yield running


def test_a_brainstorm_past_slacks_burst_waits_and_posts_every_idea_once(
        app: RunningApp, slack: SlackApiServer, llm: FakeOpenAI) -> None:
    slack.rate_limits.limits["chat.postMessage"] = Limit(burst=3, per_second=1.0,
                                                         per_channel=True)
    llm.reply(json.dumps({"ideas": IDEAS}))
    header_ts = brainstorm(app, "standups")
    assert [m["text"].split(" — ")[0] for m in thread_replies(app, header_ts)] == [
        f"{n}. {idea}" for n, idea in enumerate(IDEAS, start=1)]
    throttled = [c for c in slack.calls if c.throttled]
    assert throttled and all(c.status == 429 and c.response == {
        "ok": False, "error": "ratelimited"} for c in throttled)
    posted = slack.calls_to("chat.postMessage")
    assert len(posted) == 1 + len(IDEAS)  # each once: refused calls did nothing
