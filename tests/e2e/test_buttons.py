"""Buttons on idealoop's messages, end to end: signed `block_actions` requests to the real
app, the emulated Slack (response URLs included) and the fake LLM."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulator.shell import find_button
from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, Transport, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.waiting import wait_until
from tests.e2e.test_brainstorm import CHANNEL, brainstorm, header_message, thread_replies


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str,
        transport: Transport) -> Iterator[RunningApp]:
    with running_app(slack, db_url, transport=transport, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as running:
        yield running


def click(app: RunningApp, message: dict[str, Any], name: str, *, user: str = "U0BOB",
          action_ts: str | None = None) -> int:
    """Click button `name` on `message` as `user`; the HTTP status Slack got."""
    action = find_button(message, name)
    assert action is not None, f"no {name} button"
    if action_ts:
        action["action_ts"] = action_ts
    url = app.slack.new_response_url(channel=CHANNEL, user=user)
    reply = app.sender.click(action, user=user, channel=CHANNEL, message=message,
                             response_url=url)
    app.deps.wait_quiet()
    return reply.status


def told(app: RunningApp) -> list[str]:
    """What was said to people through response URLs, oldest first."""
    return [call.params.get("text", "") for call in app.slack.calls_to("response_url")]


def counts(app: RunningApp) -> dict[str, tuple[int, int, int]]:
    return {row["text"]: (row["approvals"], row["rejections"], row["score"])
            for row in app.stores.reports.export_rows()}


def ideas(app: RunningApp, llm: FakeOpenAI, texts: list[str], topic: str = "standups") \
        -> tuple[str, list[dict[str, Any]]]:
    llm.reply(json.dumps({"ideas": texts}))
    header_ts = brainstorm(app, topic)
    return header_ts, thread_replies(app, header_ts)


def test_a_feedback_click_counts_exactly_as_a_reaction_and_toggles(app: RunningApp,
                                                                   llm: FakeOpenAI) -> None:
    _, (clicked, reacted) = ideas(app, llm, ["Walking standups", "Async updates"])
    assert click(app, clicked, "👍") == 200
    app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=reacted["ts"])
    app.deps.wait_quiet()
    assert counts(app) == {"Walking standups": (1, 0, 1), "Async updates": (1, 0, 1)}
    assert wait_until(lambda: told(app), 5)
    assert told(app)[-1] == ("👍 Counted: you approve this idea. Click 👍 again to take it "
                             "back.")
    # the same person reacting too still counts once
    app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=clicked["ts"])
    app.deps.wait_quiet()
    assert counts(app)["Walking standups"] == (1, 0, 1)
    # a second click takes the button back; the reaction still stands
    assert click(app, clicked, "👍") == 200
    assert wait_until(lambda: "Taken back" in told(app)[-1], 5)
    assert counts(app)["Walking standups"] == (1, 0, 1)
    app.sender.reaction(added=False, user="U0BOB", emoji="+1", channel=CHANNEL,
                        ts=clicked["ts"])
    app.deps.wait_quiet()
    assert counts(app)["Walking standups"] == (0, 0, 0)
    # 👎 replaces 👍, and a click delivered twice changes nothing the second time
    click(app, clicked, "👍", action_ts="1900000000.000001")
    click(app, clicked, "👎", action_ts="1900000000.000002")
    click(app, clicked, "👎", action_ts="1900000000.000002")
    assert counts(app)["Walking standups"] == (0, 1, -1)


def test_a_rejection_by_button_keeps_the_idea_out_of_later_brainstorms(
        app: RunningApp, llm: FakeOpenAI) -> None:
    _, (walking, _) = ideas(app, llm, ["Walking standups", "Async updates"])
    click(app, walking, "👎")
    _, later = ideas(app, llm, ["Walking standups!", "Timebox to ten minutes"], "standups 2")
    assert [m["text"].split(" — ")[0] for m in later] == ["1. Timebox to ten minutes"]


@pytest.mark.database_matters
def test_draft_this_answers_once_even_when_the_click_is_delivered_twice(
        app: RunningApp, llm: FakeOpenAI) -> None:
    header_ts, (_, second) = ideas(app, llm, ["Walking standups", "Async updates"])
    llm.reply("*Plan*\n• Start Monday")
    action = find_button(second, "draft")
    assert action is not None
    statuses = []
    for _ in range(2):  # one click, delivered twice
        url = app.slack.new_response_url(channel=CHANNEL, user="U0BOB")
        statuses.append(app.sender.click(action, user="U0BOB", channel=CHANNEL,
                                         message=second, response_url=url).status)
    app.deps.wait_quiet(timeout=20)
    assert statuses == [200, 200]
    drafts = [row for row in app.stores.reports.export_rows() if row["kind"] == "draft"]
    assert len(drafts) == 1 and drafts[0]["thread_ts"] == header_ts
    prompt = llm.requests[-1]["body"]["messages"][-1]["content"]
    assert "<<<USER_TEXT\n2. Async updates\nUSER_TEXT>>>" in prompt
    assert "Draft a one-page plan for idea 2" in prompt
    assert "Your previous draft" not in prompt
    assert counts(app)["Async updates"] == (1, 0, 1)  # a strong approval
    assert wait_until(lambda: told(app), 5)
    assert told(app)[-1] == "You already asked for a draft of idea 2: it is in this thread."


def test_more_like_this_brainstorms_in_the_same_thread_seeded_by_the_idea(
        app: RunningApp, llm: FakeOpenAI) -> None:
    header_ts, (walking, _) = ideas(app, llm, ["Walking standups", "Async updates"])
    llm.reply(json.dumps({"ideas": ["Standing standups", "Standups on a short walk"]}))
    assert click(app, walking, "more") == 200
    app.deps.wait_quiet(timeout=20)
    replies = thread_replies(app, header_ts)
    follow_up = replies[2]
    assert "More like idea 1, asked by <@U0BOB>" in json.dumps(follow_up["blocks"])
    assert [m["text"].split(" — ")[0] for m in replies[3:]] == [
        "1. Standing standups", "2. Standups on a short walk"]
    prompt = llm.requests[-1]["body"]["messages"][-1]["content"]
    assert "more ideas like this one" in prompt
    assert "<<<USER_TEXT\nWalking standups\nUSER_TEXT>>>" in prompt
    assert counts(app)["Walking standups"] == (1, 0, 1)
    # its ideas are items like any other: a click on them counts
    assert click(app, replies[3], "👍", user="U0CAROL") == 200
    assert counts(app)["Standing standups"] == (1, 0, 1)


def test_why_these_ideas_shows_the_inputs_of_that_brainstorm(app: RunningApp,
                                                             llm: FakeOpenAI) -> None:
    header_ts, _ = ideas(app, llm, ["Walking standups"])
    header = header_message(app, header_ts)
    assert click(app, header, "why", user="U0CAROL") == 200
    assert wait_until(lambda: told(app), 5)
    [answer] = app.slack.calls_to("response_url")
    assert answer.params["response_type"] == "ephemeral"
    assert "*Why these ideas?* This brainstorm: _standups_" in json.dumps(
        answer.params["blocks"])


def test_a_click_on_a_message_that_is_not_an_item_is_answered_not_kept(
        app: RunningApp, llm: FakeOpenAI) -> None:
    _, (walking, _) = ideas(app, llm, ["Walking standups", "Async updates"])
    stranger = {**walking, "ts": "1700000009.000009"}
    assert click(app, stranger, "👍") == 200
    assert told(app)[-1].startswith("That message is not one of idealoop's ideas")
    assert counts(app)["Walking standups"] == (0, 0, 0)


@pytest.mark.parametrize("on_an_idea", [True, False], ids=["idea", "not-an-item"])
def test_a_response_url_that_hangs_does_not_hold_the_ack(app: RunningApp, llm: FakeOpenAI,
                                                         on_an_idea: bool) -> None:
    """Store, answer Slack, then tell the person: Slack's response URL held (slow or
    unreachable: slack_sdk waits, then retries), the click is answered first (with the
    click stored), and the person hears once the response URL answers."""
    _, (walking, _) = ideas(app, llm, ["Walking standups", "Async updates"])
    message = walking if on_an_idea else {**walking, "ts": "1700000009.000009"}
    released = threading.Event()
    app.slack.fail("response_url", held=released)
    try:
        action = find_button(message, "👍")
        assert action is not None
        reply = app.sender.click(action, user="U0BOB", channel=CHANNEL, message=message,
                                 response_url=app.slack.new_response_url(channel=CHANNEL,
                                                                         user="U0BOB"))
        assert reply.status == 200
        assert not told(app)  # answered while the response URL had not answered yet
        assert counts(app)["Walking standups"] == ((1, 0, 1) if on_an_idea else (0, 0, 0))
        assert wait_until(lambda: app.slack.faults_left() == 0, 5)  # it is being held
    finally:
        released.set()
    assert wait_until(lambda: told(app), 10)
    expected = "👍 Counted" if on_an_idea else "That message is not one of idealoop's ideas"
    assert told(app)[-1].startswith(expected)
