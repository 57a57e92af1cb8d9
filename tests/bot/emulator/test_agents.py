"""The emulated `agents.sessions.*`, the stop button, and suggested prompts in an agent
app: each rule Slack documents, refused the way the emulator words it
(bot/emulator/methods/agents.py says where each comes from)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.workspace import Workspace, WorkspaceError

DM = "D0ALICE"


@pytest.fixture
def root(state: Workspace) -> str:
    return str(state.post_message(DM, "brainstorm onboarding", user="U0ALICE")["ts"])


def refused(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_set_status_creates_the_session_and_keeps_its_first_title(
        client: WebClient, state: Workspace, root: str) -> None:
    client.agents_sessions_setStatus(channel_id=DM, thread_ts=root, status="processing",
                                     title="onboarding", initiator_user_id="U0ALICE")
    client.agents_sessions_setStatus(channel_id=DM, thread_ts=root, status="active",
                                     title="ignored: the session exists")
    session = state.agent_sessions[(DM, root)]
    assert session == {"title": "onboarding", "initiator": "U0ALICE", "status": "active",
                       "statuses": ["processing", "active"]}


@pytest.mark.parametrize("status", [None, "", "thinking", "Processing"])
def test_the_status_is_required_and_one_of_four(client: WebClient, root: str,
                                                 status: str | None) -> None:
    body = {"channel_id": DM, "thread_ts": root, "status": status}
    assert refused(lambda: client.api_call("agents.sessions.setStatus", json=body)) == \
        "invalid_arguments"


def test_a_dm_session_needs_its_thread(client: WebClient, root: str) -> None:
    assert refused(lambda: client.agents_sessions_setStatus(
        channel_id=DM, status="processing")) == "invalid_arguments"


def test_the_channel_is_required(client: WebClient, root: str) -> None:
    assert refused(lambda: client.api_call("agents.sessions.setStatus", json={
        "thread_ts": root, "status": "processing"})) == "channel_not_found"


def test_the_thread_must_exist(client: WebClient) -> None:
    assert refused(lambda: client.agents_sessions_setStatus(
        channel_id=DM, thread_ts="1700000000.000100", status="processing")) == \
        "invalid_thread_ts"


def test_a_title_has_at_most_200_characters(client: WebClient, root: str) -> None:
    assert refused(lambda: client.agents_sessions_setStatus(
        channel_id=DM, thread_ts=root, status="processing", title="x" * 201)) == \
        "invalid_arguments"
    client.agents_sessions_setStatus(channel_id=DM, thread_ts=root, status="processing",
                                     title="x" * 200)


def test_the_initiator_must_be_a_member(client: WebClient, root: str) -> None:
    assert refused(lambda: client.agents_sessions_setStatus(
        channel_id=DM, thread_ts=root, status="processing",
        initiator_user_id="U0NOBODY")) == "user_not_found"


def test_rename_needs_a_session_and_a_title(client: WebClient, state: Workspace,
                                            root: str) -> None:
    assert refused(lambda: client.agents_sessions_rename(
        channel_id=DM, thread_ts=root, title="later")) == "session_not_found"
    client.agents_sessions_setStatus(channel_id=DM, thread_ts=root, status="active")
    assert refused(lambda: client.api_call("agents.sessions.rename", json={
        "channel_id": DM, "thread_ts": root, "title": ""})) == "invalid_arguments"
    client.agents_sessions_rename(channel_id=DM, thread_ts=root, title="later")
    assert state.agent_sessions[(DM, root)]["title"] == "later"


def test_stop_shows_only_while_processing_and_ends_the_threads_streams(
        client: WebClient, state: Workspace, root: str) -> None:
    with pytest.raises(WorkspaceError, match="no_stop_button"):
        state.press_stop(DM, root, "U0ALICE")  # no session yet
    client.agents_sessions_setStatus(channel_id=DM, thread_ts=root, status="processing")
    streamed = client.chat_startStream(channel=DM, thread_ts=root, markdown_text="Dra")
    event = state.press_stop(DM, root, "U0ALICE")
    assert event["type"] == "agent_session_stopped"
    assert (event["channel"], event["thread_ts"], event["user"]) == (DM, root, "U0ALICE")
    assert event["streaming_message_ts"] == [streamed["ts"]]
    # Slack ended the stream; the app, not Slack, moves the session on
    assert refused(lambda: client.chat_appendStream(channel=DM, ts=streamed["ts"],
                                                    markdown_text="ft")) == \
        "message_not_in_streaming_state"
    assert state.agent_sessions[(DM, root)]["status"] == "processing"
    client.agents_sessions_setStatus(channel_id=DM, thread_ts=root, status="active")
    with pytest.raises(WorkspaceError, match="no_stop_button"):
        state.press_stop(DM, root, "U0ALICE")


def test_an_agent_apps_prompts_belong_to_the_dm(client: WebClient, state: Workspace,
                                                root: str) -> None:
    prompts = [{"title": "Ideas", "message": "brainstorm "}]
    client.assistant_threads_setSuggestedPrompts(channel_id=DM, prompts=prompts)
    assert state.channel_prompts[DM]["prompts"] == prompts
    # with a thread, an agent app's call "will silently fail"
    client.assistant_threads_setSuggestedPrompts(channel_id=DM, thread_ts=root,
                                                 prompts=prompts)
    assert (DM, root) not in state.assistant_threads
    # an app still on assistant_view sets them on the pane's thread
    state.agent_view = False
    client.assistant_threads_setSuggestedPrompts(channel_id=DM, thread_ts=root,
                                                 prompts=prompts)
    assert state.assistant_threads[(DM, root)]["prompts"] == prompts
    assert refused(lambda: client.assistant_threads_setSuggestedPrompts(
        channel_id=DM, prompts=prompts * 5)) == "invalid_arguments"
