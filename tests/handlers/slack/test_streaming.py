"""A natively streamed message keeps within Slack's streaming limits whatever the model
writes: real HTTP to the emulated Web API, which refuses what Slack refuses."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import pytest
from slack_sdk import WebClient

from bot.emulator.methods.streams import MARKDOWN_TEXT_LIMIT
from bot.emulator.web_api import SlackApiServer
from bot.emulator.workspace import STREAM_LIFETIME
from handlers.slack import blocks
from handlers.slack.mrkdwn import neutralise
from handlers.slack.streaming import (
    APPEND_LIMIT,
    CLIPPED,
    STREAM_SHOWN,
    NativeStream,
    cut_for_appends,
    slack_length,
)

GENERAL = "C0GENERAL"


@pytest.fixture
def server() -> Iterator[SlackApiServer]:
    with SlackApiServer() as srv:
        yield srv


def stream(server: SlackApiServer) -> tuple[NativeStream, str]:
    client = WebClient(token="xoxb-test", base_url=server.url, timeout=5)
    root = server.state.post_message(GENERAL, "a question", user="U0ALICE")["ts"]
    ts = str(client.chat_startStream(channel=GENERAL, thread_ts=root, markdown_text="",
                                     recipient_user_id="U0ALICE",
                                     recipient_team_id="T0001")["ts"])
    render = partial(blocks.draft, model="m", offline=False, state="writing")
    return NativeStream(client, GENERAL, ts, interval=0, render=render,
                        metadata={"event_type": "t", "event_payload": {}}), ts


def test_pieces_fit_slack_and_join_up_again() -> None:
    text = ("😀 & <!channel> " * 2000)
    pieces = cut_for_appends(neutralise(text))
    assert "".join(pieces) == neutralise(text)
    assert all(slack_length(p) <= APPEND_LIMIT for p in pieces)
    assert all(not p.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))
               for p in pieces)  # an escape is never cut in two


def test_a_draft_arriving_all_at_once_is_appended_in_calls_slack_takes(
        server: SlackApiServer) -> None:
    native, ts = stream(server)
    draft = "Ünïcödé draft & more. " * 1000  # 22,000 characters, 26,000 once escaped
    native.show("Ü")
    native.show(draft)
    appends = server.calls_to("chat.appendStream", include_failed=True)
    assert len(appends) == 4
    assert all(c.response and c.response["ok"] for c in appends)
    assert all(len(c.params["markdown_text"]) <= MARKDOWN_TEXT_LIMIT for c in appends)
    assert server.state.get_message(GENERAL, ts)["text"] == neutralise(draft)


def test_a_live_stream_past_what_it_may_show_says_the_rest_comes_later(
        server: SlackApiServer) -> None:
    native, ts = stream(server)
    native.show("word " * 10_000)
    native.show("word " * 20_000)  # nothing more is appended once clipped
    shown = server.state.get_message(GENERAL, ts)["text"]
    assert shown.endswith(CLIPPED) and slack_length(shown) <= STREAM_SHOWN
    assert len(server.calls_to("chat.appendStream")) == 3
    native.stop()
    assert server.state.streaming_messages() == []


def test_an_expired_stream_is_shown_by_update_from_then_on(server: SlackApiServer) -> None:
    native, _ = stream(server)
    native.show("first words")
    # the model paused: Slack's clock is past the stream's five minutes
    server.state.clock = lambda: time.monotonic() + STREAM_LIFETIME + 1
    native.show("first words, and more")
    [update] = server.calls_to("chat.update")
    assert "first words, and more" in str(update.params["blocks"])
    native.stop()  # Slack said it ended: it is not asked to stop
    assert not server.calls_to("chat.stopStream", include_failed=True)
