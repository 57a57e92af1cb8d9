"""`/brainstorm` words that could be a command or a topic, end to end: signed requests to
the real app, the emulated Slack, and a click on the private question.

The contract: nothing is posted in the channel and no setting changes on a guess. The
typed command gets only an ephemeral answer (the ack); after one click on the topic
button exactly one brainstorm of the typed text starts, through the same durable path as
a typed topic; a click on the command button runs the command.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.emulator.slack_requests import button_action
from bot.emulator.web_api import SlackApiServer
from handlers.slack.blocks import CHOOSE_COMMAND_ACTION, CHOOSE_TOPIC_ACTION
from testkit.app import RunningApp, running_app
from testkit.waiting import wait_until
from tests.e2e.test_brainstorm import CHANNEL

TOPICS = [line.strip() for line in (Path(__file__).parents[1] / "data" /
                                    "topics_starting_with_commands.txt").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
MEASURED = ["stat", "tpo", "hlep", "usgae", "wyh", "forgetme", "guide for new hires"]


@pytest.fixture
def app(slack: SlackApiServer, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url) as running:
        yield running


def ask(app: RunningApp, text: str, user: str = "U0ALICE",
        channel: str = CHANNEL) -> dict[str, Any]:
    """Type `/brainstorm text`; the answer Slack got in the ack (shown only to `user`)."""
    reply = app.sender.command(text, user=user, channel=channel,
                               response_url=app.slack.new_response_url(channel=channel,
                                                                       user=user))
    assert reply.status == 200
    return dict(reply.json()) if reply.body else {}


def click(app: RunningApp, question: dict[str, Any], action_id: str, *,
          user: str = "U0ALICE", channel: str = CHANNEL) -> None:
    """Click a button of the private question, as Slack sends a click on an ephemeral
    message (no `message` in the payload)."""
    for block in question.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                reply = app.sender.click(
                    button_action(block, element), user=user, channel=channel,
                    message={"ts": app.slack.state.next_ts()}, ephemeral=True,
                    response_url=app.slack.new_response_url(channel=channel, user=user))
                assert reply.status == 200
                return
    raise AssertionError(f"no {action_id} button in {question}")


def headers(app: RunningApp, channel: str = CHANNEL) -> list[str]:
    """The texts of the brainstorm headers posted in `channel` so far."""
    return [call.params["text"] for call in app.slack.calls_to("chat.postMessage")
            if call.params.get("channel") == channel and not call.params.get("thread_ts")]


def public(app: RunningApp, channel: str = CHANNEL) -> int:
    """Every call that could show something to everyone in `channel`."""
    return sum(call.params.get("channel") == channel for method in
               ("chat.postMessage", "chat.update", "chat.startStream", "chat.appendStream")
               for call in app.slack.calls_to(method))


def assert_private_question(answer: dict[str, Any], topic: str) -> None:
    assert answer["response_type"] == "ephemeral"
    buttons = [element for block in answer["blocks"] if block["type"] == "actions"
               for element in block["elements"]]
    assert [button["action_id"] for button in buttons] == [CHOOSE_COMMAND_ACTION,
                                                           CHOOSE_TOPIC_ACTION]
    assert json.loads(buttons[1]["value"])["topic"] == topic
    assert all(len(button["text"]["text"]) <= 75 and len(button["value"]) <= 2000
               for button in buttons)


def test_real_topics_that_start_with_a_command_word_are_brainstormed_after_one_click(
        app: RunningApp) -> None:
    """The 50 topics of tests/data/topics_starting_with_commands.txt, one app for all and
    a channel for each (Slack's pace of posts is per channel)."""
    for number, topic in enumerate(TOPICS):
        channel = f"C0TOPIC{number:02d}"
        answer = ask(app, topic, channel=channel)
        if answer:  # a question, only to the person: nothing in the channel, nothing changed
            assert_private_question(answer, topic)
            assert public(app, channel) == 0, topic
            assert app.stores.steering.guidance(channel) is None, topic
            click(app, answer, CHOOSE_TOPIC_ACTION, channel=channel)
        assert wait_until(lambda c=channel: bool(headers(app, c)), timeout=10), topic
    app.settle(timeout=120)
    for number, topic in enumerate(TOPICS):
        started = headers(app, f"C0TOPIC{number:02d}")
        assert len(started) == 1 and topic[:40] in started[0].replace("\u2019", "'"), \
            (topic, started)


@pytest.mark.parametrize("typed", MEASURED)
def test_the_measured_inputs_post_nothing_and_change_nothing_until_the_click(
        app: RunningApp, typed: str) -> None:
    answer = ask(app, typed)
    assert_private_question(answer, typed)
    assert public(app) == 0 and app.slack.state.history(CHANNEL) == []
    assert app.stores.steering.guidance(CHANNEL) is None

    click(app, answer, CHOOSE_TOPIC_ACTION)
    click(app, answer, CHOOSE_TOPIC_ACTION)  # a second click starts nothing new
    assert wait_until(lambda: len(headers(app)) == 1, timeout=10)
    app.settle()
    assert len(headers(app)) == 1 and typed in headers(app)[0]
    assert app.stores.steering.guidance(CHANNEL) is None


def test_set_as_guidance_sets_it_and_announces_it_only_after_the_click(app: RunningApp) -> None:
    answer = ask(app, "guide for new hires")
    assert "Set as guidance" in json.dumps(answer["blocks"])
    assert public(app) == 0 and app.stores.steering.guidance(CHANNEL) is None
    click(app, answer, CHOOSE_COMMAND_ACTION)
    guidance = app.stores.steering.guidance(CHANNEL)
    assert guidance is not None and guidance.text == "for new hires"
    assert wait_until(lambda: any("set this channel's guidance" in message.get("text", "")
                                  for message in app.slack.state.history(CHANNEL)), timeout=5)
    assert headers(app) == []


def test_clear_guidance_is_set_at_once(app: RunningApp) -> None:
    answer = ask(app, "guide be concise and use bullet points")
    assert answer["response_type"] == "in_channel"
    guidance = app.stores.steering.guidance(CHANNEL)
    assert guidance is not None and guidance.text == "be concise and use bullet points"


def test_run_the_command_answers_privately(app: RunningApp) -> None:
    click(app, ask(app, "stat"), CHOOSE_COMMAND_ACTION)
    assert wait_until(lambda: any(
        "stats" in json.dumps(response["body"]).lower() or "judge" in json.dumps(response["body"])
        for response in app.slack.state.responses), timeout=5)
    assert public(app) == 0


def test_only_the_person_who_asked_can_answer(app: RunningApp) -> None:
    answer = ask(app, "tpo", user="U0ALICE")
    click(app, answer, CHOOSE_TOPIC_ACTION, user="U0BOB")
    assert wait_until(lambda: any("Only <@U0ALICE>" in str(response["body"].get("text"))
                                  for response in app.slack.state.responses), timeout=5)
    assert public(app) == 0 and headers(app) == []
