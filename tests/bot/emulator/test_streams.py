"""The emulated `chat.startStream` / `appendStream` / `stopStream` refuse what Slack
refuses: one test per limit (see `bot.emulator.methods.streams` for where each comes
from)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.methods.streams import MARKDOWN_TEXT_LIMIT
from bot.emulator.web_api import SlackApiServer
from bot.emulator.workspace import STREAM_LIFETIME
from testkit.clocks import ManualClock

GENERAL = "C0GENERAL"


def start(client: WebClient, server: SlackApiServer, text: str = "Drafting…") -> str:
    root = server.state.post_message(GENERAL, "a question", user="U0ALICE")["ts"]
    return str(client.chat_startStream(channel=GENERAL, thread_ts=root, markdown_text=text,
                                       recipient_user_id="U0ALICE",
                                       recipient_team_id="T0001")["ts"])


def refused(call: object) -> str:
    assert isinstance(call, SlackApiError)
    return str(call.response["error"])


def test_start_stream_refuses_markdown_text_over_12000_characters(
        client: WebClient, server: SlackApiServer) -> None:
    root = server.state.post_message(GENERAL, "a question", user="U0ALICE")["ts"]
    with pytest.raises(SlackApiError) as failed:
        client.chat_startStream(channel=GENERAL, thread_ts=root,
                                markdown_text="x" * (MARKDOWN_TEXT_LIMIT + 1),
                                recipient_user_id="U0ALICE", recipient_team_id="T0001")
    assert refused(failed.value) == "msg_too_long"
    assert len(server.state.thread(GENERAL, root)) == 1  # nothing was posted
    assert client.chat_startStream(channel=GENERAL, thread_ts=root,
                                   markdown_text="x" * MARKDOWN_TEXT_LIMIT,
                                   recipient_user_id="U0ALICE",
                                   recipient_team_id="T0001")["ok"]


def test_append_stream_refuses_markdown_text_over_12000_characters(
        client: WebClient, server: SlackApiServer) -> None:
    ts = start(client, server)
    with pytest.raises(SlackApiError) as failed:
        client.chat_appendStream(channel=GENERAL, ts=ts,
                                 markdown_text="é" * (MARKDOWN_TEXT_LIMIT + 1))
    assert refused(failed.value) == "msg_too_long"
    assert server.state.get_message(GENERAL, ts)["text"] == "Drafting…"
    client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text="é" * MARKDOWN_TEXT_LIMIT)
    assert len(server.state.get_message(GENERAL, ts)["text"]) == 9 + MARKDOWN_TEXT_LIMIT


def test_stop_stream_refuses_markdown_text_over_12000_characters(
        client: WebClient, server: SlackApiServer) -> None:
    ts = start(client, server)
    with pytest.raises(SlackApiError) as failed:
        client.chat_stopStream(channel=GENERAL, ts=ts,
                               markdown_text="x" * (MARKDOWN_TEXT_LIMIT + 1))
    assert refused(failed.value) == "msg_too_long"
    assert server.state.is_streaming(GENERAL, ts)  # the refused stop ended nothing
    assert client.chat_stopStream(channel=GENERAL, ts=ts, markdown_text="done")["ok"]
    assert not server.state.is_streaming(GENERAL, ts)


def test_a_stream_left_idle_for_five_minutes_expires(client: WebClient,
                                                     server: SlackApiServer) -> None:
    clock = ManualClock()
    server.state.clock = clock
    ts = start(client, server)
    clock.now += STREAM_LIFETIME + 1
    assert server.state.streaming_messages() == []
    for call in (lambda: client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text="!"),
                 lambda: client.chat_stopStream(channel=GENERAL, ts=ts)):
        with pytest.raises(SlackApiError) as failed:
            call()
        assert refused(failed.value) == "message_not_in_streaming_state"
    assert server.state.get_message(GENERAL, ts)["text"] == "Drafting…"


def test_appends_do_not_keep_a_stream_alive_past_five_minutes(
        client: WebClient, server: SlackApiServer) -> None:
    clock = ManualClock()
    server.state.clock = clock
    ts = start(client, server)
    for _ in range(4):
        clock.now += (STREAM_LIFETIME - 1) / 4
        client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text=" more")
    clock.now += 2  # a second since the last append, five minutes since the start
    with pytest.raises(SlackApiError) as failed:
        client.chat_appendStream(channel=GENERAL, ts=ts, markdown_text=" late")
    assert refused(failed.value) == "message_not_in_streaming_state"
    assert server.state.get_message(GENERAL, ts)["text"] == "Drafting…" + " more" * 4


def test_a_stopped_stream_takes_no_more_and_reads_show_no_streaming_flag(
        client: WebClient, server: SlackApiServer) -> None:
    ts = start(client, server)
    assert server.state.streaming_messages() == [(GENERAL, ts)]
    [message] = [m for m in client.conversations_replies(
        channel=GENERAL, ts=server.state.get_message(GENERAL, ts)["thread_ts"])["messages"]
        if m["ts"] == ts]
    assert "streaming" not in message  # Slack's reads do not say it
    client.chat_stopStream(channel=GENERAL, ts=ts)
    with pytest.raises(SlackApiError) as failed:
        client.chat_stopStream(channel=GENERAL, ts=ts)
    assert refused(failed.value) == "message_not_in_streaming_state"
    assert server.state.streaming_messages() == []
