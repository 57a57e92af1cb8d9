"""`/brainstorm guide`: a channel's standing guidance to the AI, end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from tests.e2e.test_brainstorm import brainstorm, header_message
from tests.e2e.test_drafts import mention, settled_drafts

GUIDE = "Our audience is new customers; no jargon; under 20 words each."


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05") as running:
        yield running


def prompt(llm: FakeOpenAI) -> tuple[str, str]:
    """The system and user messages of the latest chat request."""
    system, user = (m["content"] for m in llm.requests[-1]["body"]["messages"])
    return system, user


def test_guidance_is_shown_set_announced_followed_and_cleared(app: RunningApp,
                                                              llm: FakeOpenAI) -> None:
    shown = app.sender.command("guide").json()
    assert shown["response_type"] == "ephemeral" and "no guidance" in shown["text"]
    answer = app.sender.command(f"guide {GUIDE}", user="U0CAROL").json()
    assert answer["response_type"] == "in_channel"  # the channel sees who changed it
    assert answer["text"].startswith("<@U0CAROL> set this channel's guidance".join(
        [":compass: ", ""]))
    assert f"> {GUIDE}" in answer["text"]
    assert "set by <@U0CAROL>" in app.sender.command("guide").json()["text"]

    llm.reply(json.dumps({"ideas": ["Plain-words onboarding emails"]}))
    header_ts = brainstorm(app, "onboarding")
    system, user = prompt(llm)
    assert "standing guidance: follow it" in system
    assert f"This channel's standing guidance, set by its people:\n\n<<<USER_TEXT\n{GUIDE}" in user
    assert "Steered by this channel's guidance" in json.dumps(
        header_message(app, header_ts)["blocks"])
    why = json.dumps(app.sender.command("why").json()["blocks"])
    assert "This channel's guidance:" in why and GUIDE in why

    llm.reply("A short draft.")
    mention(app, "write the welcome email", thread_ts=header_ts)
    settled_drafts(app, 2)  # the header's settling, then the draft's
    assert GUIDE in prompt(llm)[1]

    # another channel is not guided by it
    llm.reply(json.dumps({"ideas": ["An idea elsewhere"]}))
    app.sender.command("elsewhere", channel="C0OTHER",
                       response_url=app.slack.new_response_url())
    app.deps.wait_quiet(timeout=20)
    assert GUIDE not in prompt(llm)[1]

    cleared = app.sender.command("guide off").json()
    assert cleared == {"response_type": "in_channel",
                       "text": ":compass: <@U0ALICE> cleared this channel's guidance for the AI."}
    assert "no guidance to clear" in app.sender.command("guide off").json()["text"]
    llm.reply(json.dumps({"ideas": ["Another idea"]}))
    brainstorm(app, "onboarding again")
    system, user = prompt(llm)
    assert GUIDE not in user and "standing guidance" not in system


def test_overlong_guidance_is_refused_and_nothing_changes(app: RunningApp) -> None:
    answer = app.sender.command("guide " + "x" * 700).json()
    assert answer["response_type"] == "ephemeral" and "under 600" in answer["text"]
    assert app.stores.steering.guidance("C0GENERAL") is None


def test_the_offline_generator_says_it_cannot_follow_guidance(slack: SlackApiServer,
                                                              db_url: str) -> None:
    with running_app(slack, db_url) as offline:
        offline.sender.command(f"guide {GUIDE}")
        header_ts = brainstorm(offline, "onboarding")
        status = json.dumps(header_message(offline, header_ts)["blocks"])
        assert "The offline generator cannot follow this channel's guidance" in status
