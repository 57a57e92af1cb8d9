"""A 15,000-character draft, streamed natively, instantly and slowly: no call Slack would
refuse, and the person gets the whole draft, split into parts that say so. Signed
mentions to the real app; the emulated Web API refuses what Slack refuses
(`bot.emulator.methods.streams`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulator.methods.streams import MARKDOWN_TEXT_LIMIT
from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.waiting import eventually
from tests.e2e.test_drafts import CHANNEL, mention, start_thread

PARAGRAPHS = [f"Paragraph {n:03d}. " + "The plan moves forward & lands on time. " * 9
              for n in range(1, 41)]
LONG_DRAFT = "\n\n".join(PARAGRAPHS)  # 15,000 characters and more, & escaped longer


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05", IDEALOOP_WORK_LEASE="1") as running:
        yield running


def drafted(app: RunningApp, llm: FakeOpenAI, reply: str, delay: float) -> str:
    llm.reply(reply).chunk_delay(delay)
    thread_ts = start_thread(app, ["Write the whole plan"])
    mention(app, "the full plan please", thread_ts=thread_ts)
    eventually(lambda: _done(app), timeout=60)
    return thread_ts


def _done(app: RunningApp) -> None:
    assert app.deps.wait_quiet(timeout=1)
    assert app.deps.work.store.backlog()[0] == 0


def refused(app: RunningApp) -> list[tuple[str, Any]]:
    return [(c.method, c.response.get("error")) for c in app.slack.calls
            if not c.failed and c.response is not None and not c.response.get("ok")]


def parts_of(app: RunningApp, thread_ts: str) -> list[dict[str, Any]]:
    """The draft's messages in the thread, each checked to say which part it is."""
    parts = [m for m in app.slack.state.thread(CHANNEL, thread_ts) if m.get("bot_id")]
    for number, message in enumerate(parts, start=1):
        shown = json.dumps(message["blocks"])
        assert f"part {number} of {len(parts)}" in shown
        assert ("continued in the next message" in shown) == (number < len(parts))
        assert len(message["text"]) <= 40_000
    return parts


def assert_whole_draft(app: RunningApp, thread_ts: str) -> None:
    parts = parts_of(app, thread_ts)
    assert len(parts) >= 5
    joined = " ".join(m["blocks"][0]["text"]["text"] for m in parts)
    for paragraph in PARAGRAPHS:
        assert joined.count(paragraph.split(".")[0] + ".") == 1
    assert app.slack.state.streaming_messages() == []
    [draft] = [r for r in app.stores.reports.export_rows() if r["kind"] == "draft"]
    assert draft["text"].strip() == LONG_DRAFT.strip()


@pytest.mark.parametrize("delay", [0.0, 0.001], ids=["instantly", "slowly"])
def test_a_15000_character_draft_streams_within_slacks_limits(
        app: RunningApp, llm: FakeOpenAI, delay: float) -> None:
    assert len(LONG_DRAFT) > 15_000
    thread_ts = drafted(app, llm, LONG_DRAFT, delay)
    assert refused(app) == []
    appends = app.slack.calls_to("chat.appendStream")
    assert appends and all(len(c.params["markdown_text"]) <= MARKDOWN_TEXT_LIMIT
                           for c in appends)
    assert app.slack.calls_to("chat.stopStream")
    assert_whole_draft(app, thread_ts)


def test_a_draft_arriving_in_one_long_piece_is_appended_in_pieces_slack_takes(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """Some servers send a long answer in one delta: it is cut, not refused."""
    one_piece = "Plan: " + "-".join(["step"] * 3000)  # one 15,000-character "word"
    thread_ts = drafted(app, llm, one_piece, 0.2)
    assert refused(app) == []
    appends = [c.params["markdown_text"] for c in app.slack.calls_to("chat.appendStream")]
    assert max(len(text) for text in appends) == MARKDOWN_TEXT_LIMIT
    assert len(parts_of(app, thread_ts)) == 6
    assert app.slack.state.streaming_messages() == []


def test_a_draft_written_slower_than_a_stream_lives_settles_by_update(
        app: RunningApp, llm: FakeOpenAI) -> None:
    app.slack.state.stream_lifetime = 0.1  # Slack's five minutes, shortened
    thread_ts = drafted(app, llm, " ".join(f"word{n}" for n in range(12)), 0.3)
    assert {error for _, error in refused(app)} == {"message_not_in_streaming_state"}
    # each piece comes 0.3 s after the last: the first append finds the stream expired,
    # and is not tried again; the draft is shown by chat.update from then on
    assert len(app.slack.calls_to("chat.appendStream", include_failed=True)) == 1
    assert app.slack.calls_to("chat.update")
    [message] = [m for m in app.slack.state.thread(CHANNEL, thread_ts) if m.get("bot_id")]
    assert "word0 word1" in json.dumps(message["blocks"])
    assert "word11" in json.dumps(message["blocks"])
    assert app.slack.state.streaming_messages() == []


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}], ids=["500", "dropped"])
def test_a_part_slack_posted_though_its_answer_was_lost_is_not_posted_again(
        app: RunningApp, llm: FakeOpenAI, fault: dict) -> None:
    app.slack.fail("chat.postMessage", after_effect=True, after=1, **fault)  # part 3
    thread_ts = drafted(app, llm, LONG_DRAFT, 0.0)
    assert len(app.slack.calls_to("chat.postMessage", include_failed=True)) == len(
        parts_of(app, thread_ts)) - 1
    assert_whole_draft(app, thread_ts)
