"""The assistant pane end to end: signed `assistant_thread_started` and `message.im`
events to the real app (Bolt's `Assistant`), `assistant.threads.*` on the emulated Web
API. This is Slack's legacy AI surface (`assistant_view`): manifest.yml now declares
the Agent messaging experience (tests/e2e/test_agent.py), and Slack apps created from
the earlier manifest must keep working."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulator.shell import find_button
from bot.emulator.slack_requests import assistant_message_event, assistant_thread_started_event
from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI

DM = "D0ALICE"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    slack.state.agent_view = False  # an app created with assistant_view
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05") as running:
        yield running


def open_pane(app: RunningApp) -> str:
    """The person opens the pane: Slack makes a thread and tells the app."""
    root = app.slack.state.post_message(DM, "New chat", as_bot=True)
    reply = app.sender.event(assistant_thread_started_event(user="U0ALICE", channel=DM,
                                                            thread_ts=root["ts"]))
    assert reply.status == 200
    app.deps.wait_quiet()
    return str(root["ts"])


def write(app: RunningApp, thread_ts: str, text: str) -> None:
    message = app.slack.state.post_message(DM, text, user="U0ALICE", thread_ts=thread_ts)
    reply = app.sender.event(assistant_message_event(user="U0ALICE", text=text, channel=DM,
                                                     ts=message["ts"], thread_ts=thread_ts))
    assert reply.status == 200
    app.deps.wait_quiet(timeout=20)


def replies(app: RunningApp, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in app.slack.state.thread(DM, thread_ts)[1:] if m.get("bot_id")]


def test_the_pane_greets_with_prompts_and_brainstorms_in_its_thread(app: RunningApp,
                                                                    llm: FakeOpenAI) -> None:
    thread_ts = open_pane(app)
    [greeting] = replies(app, thread_ts)
    assert "brainstorm <topic>" in greeting["text"]
    pane = app.slack.state.assistant_threads[(DM, thread_ts)]
    assert [p["title"] for p in pane["prompts"]] == [
        "Brainstorm on…", "Draft from this conversation", "Give feedback on my draft"]

    llm.reply(json.dumps({"ideas": ["Buddy for the first week", "A one-page guide"]}))
    write(app, thread_ts, "brainstorm onboarding")
    pane = app.slack.state.assistant_threads[(DM, thread_ts)]
    assert pane["title"] == "onboarding"
    statuses = [c.params["status"] for c in app.slack.calls_to("assistant.threads.setStatus")]
    assert "is brainstorming…" in statuses
    assert not app.slack.calls_to("agents.sessions.setStatus")  # no agent sessions here
    header, first, _ = replies(app, thread_ts)[1:]
    assert "Brainstorm:* onboarding" in json.dumps(header["blocks"])
    assert first["text"].startswith("1. Buddy for the first week")
    # the same buttons and signals as in a channel
    action = find_button(first, "👍")
    assert action is not None
    url = app.slack.new_response_url(channel=DM, user="U0ALICE")
    assert app.sender.click(action, user="U0ALICE", channel=DM, message=first,
                            response_url=url).status == 200
    app.deps.wait_quiet()
    rows = {r["text"]: r for r in app.stores.reports.export_rows()}
    assert rows["Buddy for the first week"]["approvals"] == 1
    assert rows["Buddy for the first week"]["channel"] == DM
    assert rows["Buddy for the first week"]["thread_ts"] == thread_ts
    # numbers in the pane name the ideas of its brainstorm
    llm.reply("A guide, in one page.")
    write(app, thread_ts, "expand idea 2")
    prompt = llm.requests[-1]["body"]["messages"][-1]["content"]
    assert "<<<USER_TEXT\n2. A one-page guide\nUSER_TEXT>>>" in prompt


def test_drafts_and_feedback_in_the_pane(app: RunningApp, llm: FakeOpenAI) -> None:
    thread_ts = open_pane(app)
    llm.reply("Welcome aboard! Here is your first week.")
    write(app, thread_ts, "Draft a welcome note for new joiners")
    assert "writing" in " ".join(c.params["status"] for c in
                                 app.slack.calls_to("assistant.threads.setStatus"))
    draft = replies(app, thread_ts)[-1]
    assert "Welcome aboard!" in draft["text"]
    llm.reply("*What works*\n• Warm.\n*Risks*\n• Vague.\n*Open questions*\n• When?\n"
              "*Suggested next step*\n• Add the date.")
    write(app, thread_ts, "feedback: We start soon, welcome all, see you there")
    critique = replies(app, thread_ts)[-1]
    assert "*What works*" in critique["text"]
    assert "on the text you gave" in json.dumps(critique["blocks"])
    assert [r["kind"] for r in app.stores.reports.export_rows()] == ["draft", "feedback"]


@pytest.mark.database_matters
def test_a_message_the_database_cannot_keep_is_delivered_again(
        slack: SlackApiServer, tmp_path: Any) -> None:
    url = f"sqlite:///file:{tmp_path}/missing/none.db?mode=ro&uri=true"
    with running_app(slack, url) as app:
        root = app.slack.state.post_message(DM, "New chat", as_bot=True)
        message = app.slack.state.post_message(DM, "brainstorm x", user="U0ALICE",
                                               thread_ts=root["ts"])
        reply = app.sender.event(assistant_message_event(
            user="U0ALICE", text="brainstorm x", channel=DM, ts=message["ts"],
            thread_ts=root["ts"]))
        assert reply.status == 503
        app.deps.wait_quiet()
        assert "nothing was saved" in replies(app, str(root["ts"]))[-1]["text"]


def test_small_talk_in_the_pane_gets_the_introduction(app: RunningApp, llm: FakeOpenAI) -> None:
    thread_ts = open_pane(app)
    write(app, thread_ts, "hi, what can you do?")
    _greeting, introduction = replies(app, thread_ts)
    assert introduction["text"].startswith("Hi! I'm idealoop")
    assert "polish" in introduction["text"] and "Draft:" not in introduction["text"]
    assert llm.requests == []
