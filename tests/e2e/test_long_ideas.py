"""A model that ignores every length instruction: 60 ideas of 5,000 characters each, for
`/brainstorm`, streamed and not. Signed requests to the real app, the fake LLM over HTTP,
the emulated Slack refusing what Slack refuses (and the `slack` fixture failing the test
on any call Slack would refuse, `testkit.strict_slack`).

People get the ideas the brainstorm asked for (the rest are dropped), each whole across
the sections of its message and stored whole; `top`, the digest and Home built from those
ideas stay within Slack's limits too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import digest_poster
from bot.emulator.slack_requests import TEAM, home_opened_event
from bot.emulator.web_api import SlackApiServer
from handlers.slack.mrkdwn import SECTION_LIMIT, neutralise
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from tests.e2e.test_brainstorm import CHANNEL, brainstorm, thread_replies

IDEAS_ASKED = 10  # the most a brainstorm asks for: eleven posts in one channel at once


def long_idea(n: int) -> str:
    """5,000 characters of words no other idea shares (so none is dropped as a repeat),
    with characters Slack makes longer when escaped. The words are long so the fake
    streams the 300,000 characters in a few thousand chunks, not a hundred thousand."""
    words = " ".join(f"p{n}q{i}" * 10 + "&<b>" for i in range(200))
    return f"Idea {n}: {words}"[:5000].rstrip()


SIXTY = [long_idea(n) for n in range(60)]


@pytest.fixture(params=["streamed", "whole"])
def app(request: pytest.FixtureRequest, slack: SlackApiServer, llm: FakeOpenAI,
        db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_IDEAS=str(IDEAS_ASKED),
                     IDEALOOP_STREAM_IDEAS="1" if request.param == "streamed" else "0") \
            as running:
        yield running


def shown_text(message: dict[str, Any]) -> str:
    """What a person reads of an idea: its sections, in order."""
    return "\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section")


def test_sixty_ideas_of_5000_characters_reach_people_within_slacks_limits(
        app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": SIXTY}))
    header_ts = brainstorm(app, "ideas that never end")
    replies = thread_replies(app, header_ts)
    assert len(replies) == IDEAS_ASKED  # the other 50 are dropped
    for n, message in enumerate(replies):
        sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
        assert len(sections) > 1 and all(len(s) <= SECTION_LIMIT for s in sections)
        assert shown_text(message).split() == f"*{n + 1}.* {neutralise(SIXTY[n])}".split()
    assert [row["text"] for row in app.stores.reports.export_rows()] == SIXTY[:IDEAS_ASKED]
    assert "10 ideas in the thread" in json.dumps(app.slack.state.get_message(
        CHANNEL, header_ts)["blocks"])
    # Eleven posts at once is past Slack's short burst in one channel: the app waited.
    throttled = [c for c in app.slack.calls if c.throttled]
    assert all(c.method == "chat.postMessage" for c in throttled)


def test_top_digest_and_home_of_5000_character_ideas_stay_within_limits(
        app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": SIXTY}))
    replies = thread_replies(app, brainstorm(app, "ideas that never end"))
    for message in replies:
        for user in ("U0BOB", "U0CAROL"):
            app.sender.reaction(user=user, emoji="+1", channel=CHANNEL, ts=message["ts"])
    app.deps.wait_quiet()

    reply = app.sender.command("top week", response_url=app.slack.new_response_url())
    assert reply.status == 200
    [top] = app.slack.wait_for("response_url", timeout=10)
    assert len(top.params["blocks"]) == 1 + IDEAS_ASKED and top.response == {"ok": True}
    assert all(block["text"]["text"].endswith("|open>") for block in top.params["blocks"][1:])

    slot = app.deps.for_team(TEAM).digests.slot_for(CHANNEL, "day", "UTC")
    assert digest_poster(app.deps).post(slot).status == "posted"
    [digest] = [m for m in app.slack.state.history(CHANNEL) if "idea digest" in m["text"]]
    assert len(digest["blocks"]) == 2 + IDEAS_ASKED
    assert all("open the discussion>" in b["text"]["text"] for b in digest["blocks"][2:])

    assert app.sender.event(home_opened_event("U0BOB")).status == 200
    app.deps.wait_quiet()
    home = app.slack.state.home_views["U0BOB"]
    assert "Top ideas this week" in json.dumps(home["blocks"])
