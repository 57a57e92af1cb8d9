"""The channel's idea board end to end (issue 25, item 3): `/brainstorm board` makes the
channel's canvas (`conversations.canvases.create`) with this week's top approved ideas
and the open decisions, their words inert; the scheduler tick edits it
(`canvases.edit`) when what it shows changed, at most once a minute and once across
replicas; a channel with a canvas of its own is left alone. Signed requests to the real
Bolt app, the emulated Slack Web API (strict canvas methods) and the fake LLM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import remind_due
from bot.config import BOT_SCOPES
from bot.emulator.shell import find_button
from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.waiting import wait_until
from tests.e2e.test_brainstorm import CHANNEL, brainstorm, thread_replies
from tests.e2e.test_decisions import ALICE, BOB, open_decide, values

CAROL = "U0CAROL"
SNEAKY = "Walking standups <!channel> ![](@U0CAROL) [win](https://evil.example) @here"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as running:
        yield running


def ideas(app: RunningApp, llm: FakeOpenAI) -> list[dict[str, Any]]:
    llm.reply(json.dumps({"ideas": [SNEAKY, "Async updates", "Demo day"]}))
    return thread_replies(app, brainstorm(app, "standups"))


def approve(app: RunningApp, idea: dict[str, Any], user: str = BOB) -> None:
    assert app.sender.reaction(user=user, emoji="+1", channel=CHANNEL,
                               ts=idea["ts"]).status == 200
    app.deps.wait_quiet()


def board(app: RunningApp) -> str:
    """`/brainstorm board`: what the person was told."""
    reply = app.sender.command("board", response_url=app.slack.new_response_url())
    assert reply.status == 200
    app.deps.wait_quiet()
    return str(reply.json()["text"])


def canvas(app: RunningApp) -> dict[str, Any]:
    shown = app.slack.state.canvas_of(CHANNEL)
    assert shown is not None, "no canvas in the channel"
    return shown


def edits(app: RunningApp) -> int:
    return len(app.slack.calls_to("canvases.edit"))


def test_board_makes_the_channel_canvas_with_top_ideas_and_open_decisions_inert(
        app: RunningApp, llm: FakeOpenAI) -> None:
    first, second, _ = ideas(app, llm)
    approve(app, first)
    modal = open_decide(app, second)
    assert app.sender.submit(modal, values("Ship async <!here> updates"), user=ALICE).body == ""
    app.deps.wait_quiet()

    assert "Making this channel's idea board" in board(app)
    [made] = app.slack.calls_to("conversations.canvases.create")
    assert made.response["ok"] and made.params["channel_id"] == CHANNEL
    markdown = canvas(app)["markdown"]
    assert "## Top approved ideas this week" in markdown and "👍 1" in markdown
    assert "Walking standups" in markdown and "Ship async" in markdown
    assert "owner bob" in markdown  # named, not mentioned
    # nothing in the ideas' or decisions' words can mention, link or format
    for live in ("<!channel>", "<!here>", "![](@", "](https://", "@here"):
        assert live not in markdown, live
    assert edits(app) == 0
    board_row = app.stores.boards.get(CHANNEL)
    assert board_row is not None and board_row.canvas_id == made.response["canvas_id"]

    # asked again: the same canvas, nothing new to show, so no edit
    assert "is its canvas" in board(app)
    assert len(app.slack.calls_to("conversations.canvases.create")) == 1 and edits(app) == 0


def test_the_tick_edits_the_board_when_it_changed_at_most_once_a_minute(
        app: RunningApp, llm: FakeOpenAI) -> None:
    first, second, third = ideas(app, llm)
    approve(app, first)
    board(app)
    tick = remind_due(app.deps)
    minute = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=5)
    tick(minute)
    app.deps.wait_quiet()
    assert edits(app) == 0  # nothing changed

    approve(app, second)
    tick(minute + timedelta(seconds=1))
    app.deps.wait_quiet()
    assert wait_until(lambda: edits(app) == 1, 10)
    assert "Async updates" in canvas(app)["markdown"]

    approve(app, third)  # a change in the same minute waits for the next one
    tick(minute + timedelta(seconds=30))
    app.deps.wait_quiet()
    assert edits(app) == 1 and "Demo day" not in canvas(app)["markdown"]
    tick(minute + timedelta(seconds=60))
    app.deps.wait_quiet()
    assert wait_until(lambda: edits(app) == 2, 10)
    assert "Demo day" in canvas(app)["markdown"]
    tick(minute + timedelta(seconds=120))  # nothing changed since
    app.deps.wait_quiet()
    assert edits(app) == 2


def test_a_canvas_deleted_in_slack_is_made_anew_at_the_next_change(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    # A short lease: the retry after the refused edit comes a sixth of it later.
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_WORK_LEASE="3") as app:
        made_anew(app, llm)


def made_anew(app: RunningApp, llm: FakeOpenAI) -> None:
    first, second, _ = ideas(app, llm)
    approve(app, first)
    board(app)
    [made] = app.slack.calls_to("conversations.canvases.create")
    app.slack.state.delete_canvas(made.response["canvas_id"])  # a person deletes it

    approve(app, second)
    remind_due(app.deps)(datetime.now(UTC) + timedelta(minutes=5))
    assert wait_until(lambda: len(app.slack.calls_to("conversations.canvases.create")) == 2,
                      15)
    app.deps.wait_quiet()
    [refused] = app.slack.calls_to("canvases.edit")
    assert refused.response["error"] == "canvas_not_found"
    remade = app.slack.calls_to("conversations.canvases.create")[1].response
    assert remade["ok"] and remade["canvas_id"] != made.response["canvas_id"]
    assert "Async updates" in canvas(app)["markdown"]
    stored = app.stores.boards.get(CHANNEL)
    assert stored is not None and stored.canvas_id == remade["canvas_id"]


def test_forget_me_takes_a_decisions_words_off_the_board_at_the_next_edit(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """The canvas is a copy of her words in Slack: forgetting her drops them from it."""
    first, second, _ = ideas(app, llm)
    approve(app, first)
    modal = open_decide(app, second, user=ALICE)
    assert app.sender.submit(modal, values("zqboard walk at ten"), user=ALICE).body == ""
    app.deps.wait_quiet()
    board(app)
    assert "zqboard" in canvas(app)["markdown"]

    reply = app.sender.command("forget me", user=ALICE)
    button = find_button({"blocks": reply.json()["blocks"]}, "forget")
    assert button is not None
    app.sender.click(button, user=ALICE, channel=CHANNEL, message={"ts": "1700000000.000100"},
                     response_url=app.slack.new_response_url(channel=CHANNEL, user=ALICE),
                     ephemeral=True)
    assert app.deps.wait_quiet()
    remind_due(app.deps)(datetime.now(UTC) + timedelta(minutes=5))
    assert wait_until(lambda: edits(app) == 1, 10)
    markdown = canvas(app)["markdown"]
    assert "zqboard" not in markdown and "Walking standups" in markdown


def test_a_board_counts_against_no_daily_limit(slack: SlackApiServer, llm: FakeOpenAI,
                                               db_url: str) -> None:
    """A board is no AI work: making and editing it leaves a channel's two brainstorms a
    day both possible."""
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_DAILY_LIMIT_CHANNEL="2", IDEALOOP_DAILY_LIMIT_PERSON="2") as app:
        first, second, _ = ideas(app, llm)  # the first brainstorm of the day
        approve(app, first)
        board(app)
        approve(app, second)
        remind_due(app.deps)(datetime.now(UTC) + timedelta(minutes=5))
        assert wait_until(lambda: edits(app) == 1, 10)  # made, then edited: two board runs
        llm.reply(json.dumps({"ideas": ["Standing standups"]}))
        second_brainstorm = app.sender.command("retros",
                                               response_url=app.slack.new_response_url())
        assert second_brainstorm.status == 200 and second_brainstorm.body == ""
        app.deps.wait_quiet()


@pytest.mark.database_matters
def test_two_replicas_edit_the_board_once(slack: SlackApiServer, llm: FakeOpenAI,
                                          db_url: str, app: RunningApp) -> None:
    first, second, _ = ideas(app, llm)
    approve(app, first)
    board(app)
    approve(app, second)
    minute = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=5)
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as other:
        ticks = [remind_due(app.deps), remind_due(other.deps)]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda n: ticks[n % 2](minute + timedelta(seconds=n)), range(8)))
        app.deps.wait_quiet()
        other.deps.wait_quiet()
    assert wait_until(lambda: edits(app) == 1, 10)
    assert len(app.slack.calls_to("conversations.canvases.create")) == 1


def test_a_channel_with_a_canvas_of_its_own_is_left_alone(app: RunningApp,
                                                           llm: FakeOpenAI) -> None:
    theirs = app.slack.state.create_channel_canvas(CHANNEL, "Team notes", "our notes")
    first, _, _ = ideas(app, llm)
    approve(app, first)
    board(app)
    [refused] = app.slack.calls_to("conversations.canvases.create")
    assert refused.response["error"] == "channel_canvas_already_exists"
    assert canvas(app)["id"] == theirs and canvas(app)["markdown"] == "our notes"
    stored = app.stores.boards.get(CHANNEL)
    assert stored is not None and stored.refused == "channel_canvas_already_exists"
    tick = remind_due(app.deps)
    tick(datetime.now(UTC) + timedelta(minutes=5))  # not tried again on its own
    app.deps.wait_quiet()
    assert len(app.slack.calls_to("conversations.canvases.create")) == 1 and edits(app) == 0
    said = board(app)  # asked again: told why, and tried again (within the minute)
    assert "already has a canvas of its own" in said
    tick(datetime.now(UTC) + timedelta(minutes=6))
    app.deps.wait_quiet()
    assert wait_until(lambda: len(app.slack.calls_to("conversations.canvases.create")) == 2,
                      10)
    assert canvas(app)["markdown"] == "our notes"


def test_a_canvas_slack_made_when_its_answer_was_lost_is_taken_as_the_board(
        app: RunningApp, llm: FakeOpenAI) -> None:
    first, _, _ = ideas(app, llm)
    approve(app, first)
    app.slack.fail("conversations.canvases.create", after_effect=True)  # made, answer lost
    board(app)
    assert wait_until(lambda: edits(app) == 1, 30)
    assert len(app.slack.calls_to("conversations.canvases.create", include_failed=True)) == 2
    app.deps.wait_quiet()
    made = canvas(app)
    assert "## Top approved ideas this week" in made["markdown"] and made["edits"] == 1
    stored = app.stores.boards.get(CHANNEL)
    assert stored is not None and stored.refused is None and stored.canvas_id == made["id"]
    assert len(app.slack.state.canvases) == 1


def test_without_channels_read_a_lost_create_is_refused_as_a_canvas_of_its_own(
        app: RunningApp, llm: FakeOpenAI) -> None:
    app.slack.grant_scopes(*(scope for scope in BOT_SCOPES if scope != "channels:read"))
    first, _, _ = ideas(app, llm)
    approve(app, first)
    app.slack.fail("conversations.canvases.create", after_effect=True)  # made, answer lost
    board(app)
    assert wait_until(lambda: (stored := app.stores.boards.get(CHANNEL)) is not None
                      and stored.refused == "channel_canvas_already_exists", 30)
    assert edits(app) == 0
    assert "already has a canvas of its own" in board(app)  # not a canvases:write story


def test_board_outside_the_channels_idealoop_works_in_is_refused(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_CHANNELS="C0OTHER") as app:
        said = board(app)
    assert "C0OTHER" in said or "isn't" in said or "not" in said
    assert slack.calls_to("conversations.canvases.create") == []
