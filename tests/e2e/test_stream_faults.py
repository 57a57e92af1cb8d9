"""A call that creates or adds something is never repeated blindly: `chat.postMessage`,
`chat.startStream`, `chat.appendStream` and `chat.stopStream` of a streamed draft, each
failing after Slack acted (a 500, or a connection dropped before the answer), leave one
message with the draft once and nothing streaming. Signed mentions to the real app; the
emulated Web API records what Slack would hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.waiting import eventually
from tests.e2e.test_drafts import CHANNEL, mention, start_thread

LINES = [f"Line {n:02d}: standups move to 10:{n:02d}." for n in range(1, 13)]
DRAFT = "\n".join(LINES)
OPENING = "_Drafting… AI-written by fake-model_\n\n"  # what a streamed draft starts with
FAULTS = {"500": {"status": 500}, "dropped": {"drop": True}}


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05", IDEALOOP_WORK_LEASE="1") as running:
        yield running


class Seen:
    """Every text the thread's messages showed, change by change (what people saw)."""

    def __init__(self, slack: SlackApiServer) -> None:
        self.texts: list[str] = []
        self.streamed: list[str] = []  # the draft as the stream showed it, change by change
        slack.state.add_listener(self)

    def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        message = payload.get("message") or {}
        if message.get("bot_id"):
            text = str(message.get("text") or "")
            self.texts += [text, json.dumps(message.get("blocks") or [])]
            if text.startswith(OPENING):
                self.streamed.append(text.removeprefix(OPENING))


def drafted(app: RunningApp, llm: FakeOpenAI, *, delay: float = 0.01) -> str:
    llm.reply(DRAFT).chunk_delay(delay)
    thread_ts = start_thread(app, ["Should standups move?", "Yes, later."])
    mention(app, "summarise", thread_ts=thread_ts)
    eventually(lambda: _done(app), timeout=30)
    return thread_ts


def _done(app: RunningApp) -> None:
    assert app.deps.wait_quiet(timeout=1)
    assert app.deps.work.store.backlog()[0] == 0


def assert_one_draft_once(app: RunningApp, thread_ts: str, seen: Seen,
                          refusals: frozenset[tuple[str, str]] = frozenset()) \
        -> dict[str, Any]:
    """One bot message in the thread, the whole draft in it, no line ever shown twice,
    nothing left streaming, the draft stored once."""
    [message] = [m for m in app.slack.state.thread(CHANNEL, thread_ts) if m.get("bot_id")]
    shown = json.dumps(message["blocks"])
    assert all(line in shown for line in LINES)
    assert "writing" not in shown
    for text in seen.texts:
        assert all(text.count(line) <= 1 for line in LINES), text
    for text in seen.streamed:  # no piece appended twice, not even a word
        assert DRAFT.startswith(text), text
    assert app.slack.state.streaming_messages() == []
    assert [r["ts"] for r in app.stores.reports.export_rows()] == [message["ts"]]
    # nothing Slack refuses, but asking a stream that did end to stop, when the answer
    # to the first stop was lost
    assert set(refused_calls(app)) <= {("chat.stopStream", "message_not_in_streaming_state"),
                                       *refusals}
    return message


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_stream_started_though_its_answer_was_lost_is_taken_on(
        app: RunningApp, llm: FakeOpenAI, fault: dict) -> None:
    seen = Seen(app.slack)
    app.slack.fail("chat.startStream", after_effect=True, **fault)
    thread_ts = drafted(app, llm)
    assert len(app.slack.calls_to("chat.startStream", include_failed=True)) == 1
    assert not app.slack.calls_to("chat.postMessage")
    message = assert_one_draft_once(app, thread_ts, seen)
    # the stream it found is the one it went on with, and ended
    assert {c.params["ts"] for c in app.slack.calls_to("chat.appendStream")} == {message["ts"]}
    assert app.slack.calls_to("chat.stopStream")[-1].params["ts"] == message["ts"]


def test_a_stream_slack_did_not_start_gives_way_to_a_posted_placeholder(
        app: RunningApp, llm: FakeOpenAI) -> None:
    seen = Seen(app.slack)
    app.slack.fail("chat.startStream", status=503, times=4)  # nothing made
    thread_ts = drafted(app, llm)
    assert len(app.slack.calls_to("chat.startStream", include_failed=True)) == 1
    assert len(app.slack.calls_to("chat.postMessage")) == 1
    assert_one_draft_once(app, thread_ts, seen)


def test_a_stream_whose_start_and_thread_were_lost_is_stopped_and_settled_later(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """Slack made the stream, then went away before the thread could be read: the
    attempt ends; the next one finds the stream left behind, stops it and settles in it."""
    seen = Seen(app.slack)
    app.slack.fail("chat.startStream", status=500, after_effect=True)
    app.slack.fail("conversations.replies", drop=True, times=3)  # past the client's retry
    thread_ts = drafted(app, llm)
    message = assert_one_draft_once(app, thread_ts, seen)
    assert not app.slack.calls_to("chat.postMessage")
    assert message["metadata"]["event_payload"]["work_id"] == 1


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_piece_slack_appended_though_its_answer_was_lost_is_not_sent_again(
        app: RunningApp, llm: FakeOpenAI, fault: dict) -> None:
    seen = Seen(app.slack)
    app.slack.fail("chat.appendStream", after_effect=True, after=1, **fault)
    thread_ts = drafted(app, llm, delay=0.02)
    appends = app.slack.calls_to("chat.appendStream", include_failed=True)
    assert len(appends) == 2  # one, then the one whose answer was lost; never again
    assert_one_draft_once(app, thread_ts, seen)
    assert app.slack.calls_to("chat.update")  # the rest was shown by update


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_stream_slack_stopped_though_its_answer_was_lost_settles_once(
        app: RunningApp, llm: FakeOpenAI, fault: dict) -> None:
    seen = Seen(app.slack)
    app.slack.fail("chat.stopStream", after_effect=True, **fault)
    thread_ts = drafted(app, llm)
    stops = app.slack.calls_to("chat.stopStream", include_failed=True)
    # asked once more: Slack says the stream is not streaming any more, so it ended
    assert [c.response and c.response.get("error") for c in stops[1:]] == [
        "message_not_in_streaming_state"]
    assert_one_draft_once(app, thread_ts, seen)


def test_a_stream_slack_did_not_stop_is_stopped_on_the_second_ask(
        app: RunningApp, llm: FakeOpenAI) -> None:
    seen = Seen(app.slack)
    app.slack.fail("chat.stopStream", status=500)  # nothing done
    thread_ts = drafted(app, llm)
    assert len(app.slack.calls_to("chat.stopStream", include_failed=True)) == 2
    assert_one_draft_once(app, thread_ts, seen)


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_placeholder_slack_posted_though_its_answer_was_lost_is_found_not_posted_again(
        app: RunningApp, llm: FakeOpenAI, fault: dict) -> None:
    seen = Seen(app.slack)
    app.slack.state.streaming_refused = True
    app.slack.fail("chat.postMessage", after_effect=True, **fault)
    thread_ts = drafted(app, llm)
    assert len(app.slack.calls_to("chat.postMessage", include_failed=True)) == 1
    assert_one_draft_once(app, thread_ts, seen,
                          frozenset({("chat.startStream", "feature_not_enabled")}))


def test_a_stream_that_would_not_stop_is_stopped_by_the_next_attempt(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """Slack fails both stops, and the settling update past the client's retries: the
    attempt ends, and the next one sees the draft's message still without metadata (so
    possibly streaming), stops it, and settles it."""
    seen = Seen(app.slack)
    app.slack.fail("chat.stopStream", status=500, times=2)
    app.slack.fail("chat.update", status=500, times=4)
    thread_ts = drafted(app, llm)
    assert len(app.slack.calls_to("chat.stopStream", include_failed=True)) == 3
    assert_one_draft_once(app, thread_ts, seen)
    assert refused_calls(app) == []


def test_a_later_attempt_does_not_ask_an_ended_stream_to_stop(
        app: RunningApp, llm: FakeOpenAI) -> None:
    seen = Seen(app.slack)
    app.slack.fail("chat.update", status=500, times=4)  # the stream ended; its update not
    thread_ts = drafted(app, llm)
    assert len(app.slack.calls_to("chat.stopStream", include_failed=True)) == 1
    assert_one_draft_once(app, thread_ts, seen)
    assert refused_calls(app) == []


def refused_calls(app: RunningApp) -> list[tuple[str, Any]]:
    """Calls Slack answered with an error (injected faults aside)."""
    return [(c.method, c.response.get("error")) for c in app.slack.calls
            if not c.failed and c.response is not None and not c.response.get("ok")]
