"""App Home and its modals, end to end: signed `app_home_opened`, `block_actions` and
`view_submission` requests to the real app; `views.publish` and `views.open` on the
emulated Web API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulator.slack_requests import home_opened_event
from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from tests.e2e.test_brainstorm import CHANNEL, brainstorm, thread_replies


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as running:
        yield running


def home_of(app: RunningApp, user: str) -> dict[str, Any]:
    """Open `user`'s Home tab; the view the app published."""
    published = len(app.slack.calls_to("views.publish"))
    assert app.sender.event(home_opened_event(user)).status == 200
    app.deps.wait_quiet()
    calls = app.slack.calls_to("views.publish")
    assert len(calls) == published + 1 and calls[-1].params["user_id"] == user
    return app.slack.state.home_views[user]


def shown(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def button(view: dict[str, Any], action_id: str, channel: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id and element.get("value") == channel:
                return {"type": "button", "action_id": action_id, "value": channel,
                        "block_id": block.get("block_id", "b"), "action_ts": "1.000001"}
    raise AssertionError(f"no {action_id} for {channel}")


def open_modal(app: RunningApp, user: str, action_id: str) -> dict[str, Any]:
    view = app.slack.state.home_views[user]
    opened = len(app.slack.calls_to("views.open"))
    assert app.sender.home_click(button(view, action_id, CHANNEL), user=user,
                                 view=view).status == 200
    assert len(app.slack.calls_to("views.open")) == opened + 1
    return app.slack.calls_to("views.open")[-1].response["view"]


def test_home_shows_a_channels_acceptance_top_ideas_digest_and_guidance(
        app: RunningApp, llm: FakeOpenAI) -> None:
    assert "You have not used idealoop in a channel yet" in shown(home_of(app, "U0BOB"))
    llm.reply(json.dumps({"ideas": ["Walking standups", "Async updates", "Timebox"]}))
    header_ts = brainstorm(app, "standups")
    walking, async_updates, timebox = thread_replies(app, header_ts)
    for message, emoji in ((walking, "+1"), (async_updates, "+1"), (timebox, "-1")):
        app.sender.reaction(user="U0BOB", emoji=emoji, channel=CHANNEL, ts=message["ts"])
    app.deps.wait_quiet()
    home = shown(home_of(app, "U0BOB"))
    assert (f"*<#{CHANNEL}>* — 67% of decided ideas approved (2 approved, 1 rejected, 3 of 3 "
            "judged)") in home
    assert "Walking standups (score 1)" in home and "Async updates (score 1)" in home
    assert "Timebox" not in home
    assert "*Digest:* This channel gets no digest." in home and "*Guidance:* none" in home
    assert "offline generator" not in home


def test_guidance_and_digest_change_from_home_like_the_commands(app: RunningApp,
                                                               llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": ["Walking standups"]}))
    brainstorm(app, "standups")
    home_of(app, "U0ALICE")
    modal = open_modal(app, "U0ALICE", "idealoop_home_guidance")
    assert modal["private_metadata"] == CHANNEL and modal["callback_id"] == (
        "idealoop_guidance_modal")
    assert app.sender.submit(modal, {"guidance": "Be brief."}, user="U0ALICE").status == 200
    app.deps.wait_quiet()
    assert app.stores.steering.guidance(CHANNEL).text == "Be brief."
    announced = app.slack.calls_to("chat.postMessage")[-1].params
    assert announced["channel"] == CHANNEL
    assert announced["text"].startswith(":compass: <@U0ALICE> set this channel's guidance")
    assert "*Guidance:* > Be brief." in shown(app.slack.state.home_views["U0ALICE"])

    modal = open_modal(app, "U0ALICE", "idealoop_home_schedule")
    bad = app.sender.submit(modal, {"schedule": "dailly"}, user="U0ALICE").json()
    assert bad["response_action"] == "errors" and "dailly" in bad["errors"]["schedule"]
    good = app.sender.submit(modal, {"schedule": "daily 09:30 UTC"}, user="U0ALICE")
    assert good.status == 200 and good.body == ""
    app.deps.wait_quiet()
    subscribed = app.deps.for_team(app.slack.state.team_id).digests.digest_store.subscription(
        CHANNEL)
    assert subscribed is not None and subscribed.at_time == "09:30"
    assert "changed this channel's digest from their App Home" in app.slack.calls_to(
        "chat.postMessage")[-1].params["text"]
    # an empty guidance clears it
    modal = open_modal(app, "U0ALICE", "idealoop_home_guidance")
    app.sender.submit(modal, {"guidance": ""}, user="U0ALICE")
    app.deps.wait_quiet()
    assert app.stores.steering.guidance(CHANNEL) is None


def test_home_changes_only_channels_the_person_uses(app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": ["Walking standups"]}))
    brainstorm(app, "standups")  # by alice; carol never used the channel
    view = home_of(app, "U0ALICE")
    forged = app.sender.home_click(button(view, "idealoop_home_guidance", CHANNEL),
                                   user="U0CAROL", view=view)
    assert forged.status == 200 and not app.slack.calls_to("views.open")
    modal = {"type": "modal", "callback_id": "idealoop_guidance_modal",
             "private_metadata": CHANNEL, "blocks": []}
    refused = app.sender.submit(modal, {"guidance": "Take over."}, user="U0CAROL").json()
    assert "channels you use idealoop in" in refused["errors"]["guidance"]
    assert app.stores.steering.guidance(CHANNEL) is None


def test_home_says_so_when_the_offline_generator_runs(slack: SlackApiServer,
                                                      db_url: str) -> None:
    with running_app(slack, db_url) as offline:
        assert "offline generator" in shown(home_of(offline, "U0ALICE"))


MISTYPED_SCHEDULES = [  # what the person typed -> the nearest valid value offered
    ("dailly", "daily"),
    ("wekly 9.30 UTC", "weekly 09:30 UTC"),
    ("daily 9pm", "daily 21:00"),
    ("of", "off"),
    ("hourly", "daily"),
    ("9am Europe/Berlin", "daily 09:00 Europe/Berlin"),
]


def test_a_mistyped_digest_value_gets_the_nearest_valid_one(app: RunningApp,
                                                            llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": ["Walking standups"]}))
    brainstorm(app, "standups")
    home_of(app, "U0ALICE")
    modal = open_modal(app, "U0ALICE", "idealoop_home_schedule")
    for typed, nearest in MISTYPED_SCHEDULES:
        answer = app.sender.submit(modal, {"schedule": typed}, user="U0ALICE").json()
        assert answer["response_action"] == "errors", typed
        error = answer["errors"]["schedule"]
        assert error.startswith(f"I don't understand “{typed}”. Did you mean “{nearest}”?"), \
            error
        assert len(error) <= 150
    # The value offered is one the modal takes.
    good = app.sender.submit(modal, {"schedule": "weekly 09:30 UTC"}, user="U0ALICE")
    assert good.status == 200 and good.body == ""
