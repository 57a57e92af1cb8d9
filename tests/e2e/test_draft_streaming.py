"""Drafts through Slack's native streaming, and the fallback where Slack refuses it: a
signed mention to the real app; `chat.startStream` / `appendStream` / `stopStream` on the
emulated Web API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from tests.e2e.test_drafts import CHANNEL, mention, start_thread

DRAFT = "*Summary*\n• Standups move to 10:15\n• Notes go in the thread <!channel>"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05") as running:
        yield running


def draft_message(app: RunningApp, thread_ts: str) -> dict:
    return [m for m in app.slack.state.thread(CHANNEL, thread_ts) if m.get("bot_id")][-1]


def test_a_draft_streams_natively_then_settles_like_any_draft(app: RunningApp,
                                                              llm: FakeOpenAI) -> None:
    # The stream appends at most every 0.05 s, so the draft's last word may only show when
    # it settles (chat.update): on a busy machine (tests in parallel, pytest -n) pieces
    # arrive bunched. Words after the mention make sure a later append carries it.
    llm.reply(DRAFT + "\n• Agreed by the whole team in this thread today").chunk_delay(0.03)
    thread_ts = start_thread(app, ["Should standups move?", "Yes, to 10:15."])
    mention(app, "summarise", thread_ts=thread_ts)
    app.deps.wait_quiet(timeout=20)
    [started] = app.slack.calls_to("chat.startStream")
    assert started.params["thread_ts"] == thread_ts
    assert started.params["recipient_user_id"] == "U0ALICE"
    assert started.params["recipient_team_id"] == "T0001"
    assert "AI-written by fake-model" in started.params["markdown_text"]
    appended = "".join(c.params["markdown_text"] for c in
                       app.slack.calls_to("chat.appendStream"))
    assert appended.startswith("*Summary*") and "&lt;!channel&gt;" in appended
    assert "<!channel>" not in appended  # nothing streamed can ping anyone
    [stopped] = app.slack.calls_to("chat.stopStream")
    ts = started.response["ts"]
    assert stopped.params["ts"] == ts
    assert stopped.params["metadata"]["event_payload"]["work_id"] == 1
    assert not app.slack.calls_to("chat.postMessage")  # no second placeholder
    final = draft_message(app, thread_ts)
    assert final["ts"] == ts and "Standups move to 10:15" in json.dumps(final["blocks"])
    assert "feedback_buttons" in json.dumps(final["blocks"])
    assert [(r["kind"], r["ts"]) for r in app.stores.reports.export_rows()] == [("draft", ts)]


def test_where_slack_refuses_streaming_the_placeholder_fills_in_by_update(
        app: RunningApp, llm: FakeOpenAI) -> None:
    app.slack.state.streaming_refused = True
    llm.reply(DRAFT)
    for n in range(2):
        thread_ts = start_thread(app, [f"Question {n}"])
        mention(app, "summarise", thread_ts=thread_ts)
        app.deps.wait_quiet(timeout=20)
        assert "Standups move to 10:15" in json.dumps(draft_message(app, thread_ts)["blocks"])
    # Slack said no once; the channel is not asked again
    assert len(app.slack.calls_to("chat.startStream", include_failed=True)) == 1
    assert len(app.slack.calls_to("chat.postMessage")) == 2


def test_a_stream_slack_stops_taking_is_finished_by_update(app: RunningApp,
                                                           llm: FakeOpenAI) -> None:
    llm.reply(DRAFT + " and more words" * 30).chunk_delay(0.01)
    app.slack.fail("chat.appendStream", error="message_not_in_streaming_state", times=50)
    thread_ts = start_thread(app, ["Question"])
    mention(app, "summarise", thread_ts=thread_ts)
    app.deps.wait_quiet(timeout=20)
    final = draft_message(app, thread_ts)
    assert "Standups move to 10:15" in json.dumps(final["blocks"])
    assert "writing" not in json.dumps(final["blocks"])
