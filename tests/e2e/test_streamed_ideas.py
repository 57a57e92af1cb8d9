"""Ideas posted one by one as the model writes them: signed `/brainstorm` requests to the
real app, the fake LLM streaming its answer over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from tests.e2e.test_brainstorm import brainstorm, header_message, thread_replies

IDEAS = ["Walking standups", "Async updates in a thread", "Timebox to ten minutes",
         "Rotate the host weekly", "Skip standup on Fridays"]


def app_with(slack: SlackApiServer, llm: FakeOpenAI, db_url: str,
             **env: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     **env) as running:
        yield running


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    yield from app_with(slack, llm, db_url)


def idea_posts(app: RunningApp) -> list[float]:
    """When each idea reached Slack (the emulator's clock)."""
    return [call.at for call in app.slack.calls_to("chat.postMessage")
            if (call.params.get("metadata") or {}).get("event_type") == "idealoop_idea"]


def test_the_first_idea_is_on_screen_before_the_model_has_finished(app: RunningApp,
                                                                   llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": IDEAS})).chunk_delay(0.02)
    header_ts = brainstorm(app, "standups")
    [stream] = llm.streams
    posts = idea_posts(app)
    assert len(posts) == 5 and stream["last_at"] is not None
    assert posts[0] < stream["last_at"]  # not after the whole answer
    assert [m["text"].split(" — ")[0] for m in thread_replies(app, header_ts)] == [
        f"{n}. {idea}" for n, idea in enumerate(IDEAS, start=1)]
    request = llm.requests[-1]["body"]
    assert request["stream"] is True and request["response_format"]["type"] == "json_schema"
    [row] = [r for r in app.stores.reports.export_rows()][:1]
    assert row["text"] == "Walking standups"


def test_a_model_that_stops_part_way_leaves_the_ideas_it_wrote(app: RunningApp,
                                                               llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": IDEAS})).break_stream_after(14)
    header_ts = brainstorm(app, "standups")
    written = [m["text"].split(" — ")[0] for m in thread_replies(app, header_ts)]
    assert 1 <= len(written) < 5 and written[0] == "1. Walking standups"
    status = json.dumps(header_message(app, header_ts)["blocks"])
    assert f"The AI stopped after {len(written)} idea" in status
    assert len([r for r in app.stores.reports.export_rows()]) == len(written)  # each is an item


def test_plain_text_answers_stream_line_by_line(app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reject_response_format().reply("Here you go:\n" + "\n".join(
        f"{n}. {idea}" for n, idea in enumerate(IDEAS, start=1))).chunk_delay(0.02)
    header_ts = brainstorm(app, "standups")
    assert len(thread_replies(app, header_ts)) == 5
    assert idea_posts(app)[0] < llm.streams[-1]["last_at"]


def test_streaming_can_be_turned_off(slack: SlackApiServer, llm: FakeOpenAI,
                                     db_url: str) -> None:
    for app in app_with(slack, llm, db_url, IDEALOOP_STREAM_IDEAS="0"):
        llm.reply(json.dumps({"ideas": IDEAS}))
        brainstorm(app, "standups")
        assert "stream" not in llm.requests[-1]["body"] and len(idea_posts(app)) == 5


def test_a_model_that_stopped_while_slack_was_away_is_still_said_to_have_stopped(
        app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": IDEAS})).break_stream_after(14)
    app.slack.fail("chat.postMessage", status=503, after=1)  # the header, then Slack away
    reply = app.sender.command("standups", response_url=app.slack.new_response_url())
    assert reply.status == 200
    header = app.slack.wait_for("chat.update", timeout=30)[-1]
    app.settle(30)
    written = [m["text"] for m in thread_replies(app, header.params["ts"])]
    assert 1 <= len(written) < 5  # posted by the next attempt, in order
    assert f"The AI stopped after {len(written)} idea" in json.dumps(
        header_message(app, header.params["ts"])["blocks"])


def test_a_server_that_refuses_stream_options_still_streams_ideas(app: RunningApp,
                                                                  llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": IDEAS})).reject_stream_options()
    header_ts = brainstorm(app, "standups")
    assert len(thread_replies(app, header_ts)) == 5
    asked = [set(r["body"]) & {"response_format", "stream_options"} for r in llm.requests]
    assert asked == [{"response_format", "stream_options"}, {"stream_options"}, set()]
