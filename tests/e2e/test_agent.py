"""The Agent messaging experience end to end: signed `app_home_opened` (Messages tab),
`message.im` and `agent_session_stopped` events to the real app, `agents.sessions.*`
and the assistant prompts on the emulated Web API, the work table in the database.

The stop button is pressed on the emulator (`Workspace.press_stop`, which ends the
app's streams in the thread as Slack does) while a slow model is still writing, and the
event Slack then sends is delivered, signed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.emulator.slack_requests import dm_message_event, messages_tab_opened_event
from bot.emulator.web_api import SlackApiServer
from bot.llm.thread_fitting import estimate_tokens
from bot.work.queue import Stopped, Work
from handlers import agent
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.queries import work_in_thread
from testkit.waiting import eventually

DM = "D0ALICE"
POSTING = ("chat.postMessage", "chat.startStream", "chat.appendStream", "chat.postEphemeral")


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05") as running:
        yield running


def write(app: RunningApp, text: str, *, thread_ts: str | None = None) -> str:
    """Alice writes in her DM with the agent (at its top: a new session); its ts."""
    message = app.slack.state.post_message(DM, text, user="U0ALICE", thread_ts=thread_ts)
    event = dm_message_event(user="U0ALICE", text=text, channel=DM, ts=message["ts"])
    if thread_ts:
        event["thread_ts"] = thread_ts
    assert app.sender.event(event).status == 200
    return str(message["ts"])


def bot_replies(app: RunningApp, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in app.slack.state.thread(DM, thread_ts)[1:] if m.get("bot_id")]


def statuses(app: RunningApp, thread_ts: str) -> list[dict[str, Any]]:
    """The `agents.sessions.setStatus` calls for one thread (Bolt's client adds team_id)."""
    return [{k: v for k, v in c.params.items() if k != "team_id"}
            for c in app.slack.calls_to("agents.sessions.setStatus")
            if c.params.get("thread_ts") == thread_ts]


def posted_since(app: RunningApp, index: int) -> list[str]:
    """Calls that posted or added something (and Slack took) after call `index`."""
    return [c.method for c in app.slack.calls[index:]
            if c.method in POSTING and (c.response or {}).get("ok")]


def press_stop(app: RunningApp, thread_ts: str) -> int:
    """Alice presses stop; how many calls the app had made by then."""
    event = app.slack.state.press_stop(DM, thread_ts, "U0ALICE")
    made = len(app.slack.calls)
    assert app.sender.event(event).status == 200
    return made


def test_a_status_call_that_hangs_does_not_hold_the_ack(app: RunningApp,
                                                       llm: FakeOpenAI) -> None:
    """Store, answer Slack, then show the status and start the work: Slack's
    `agents.sessions.setStatus` held, the message is acked with its work stored, and the
    session goes on once Slack answers."""
    llm.reply(json.dumps({"ideas": ["Buddy for the first week"]}))
    released = threading.Event()
    app.slack.fail("agents.sessions.setStatus", held=released)
    try:
        root = write(app, "brainstorm onboarding")  # acked (200) while the call is held
        assert not statuses(app, root)  # Slack has not answered the status call yet
        assert work_in_thread(app.stores.engine, DM, root)  # stored before the ack
    finally:
        released.set()
    app.deps.wait_quiet(timeout=20)
    assert [s["status"] for s in statuses(app, root)] == ["processing", "active"]
    assert bot_replies(app, root)[1]["text"].startswith("1. Buddy for the first week")


def test_opening_the_messages_tab_greets_once_and_offers_the_prompts(app: RunningApp) -> None:
    for _ in range(2):
        assert app.sender.event(messages_tab_opened_event("U0ALICE", DM)).status == 200
        app.deps.wait_quiet()
    [greeting] = app.slack.state.history(DM)  # greeted once: the DM was empty only once
    assert "brainstorm <topic>" in greeting["text"]
    offered = app.slack.state.channel_prompts[DM]
    assert offered["prompts"] == agent.PROMPTS
    # without a thread: Slack says an agent app's call with one silently fails
    calls = app.slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert len(calls) == 2 and all("thread_ts" not in c.params for c in calls)
    # the Home tab is still the Home tab's
    assert DM not in app.slack.state.home_views


def test_a_brainstorm_in_the_agent_dm_is_a_session(app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": ["Buddy for the first week", "A one-page guide"]}))
    root = write(app, "brainstorm onboarding")
    app.deps.wait_quiet(timeout=20)
    header, first, second = bot_replies(app, root)
    assert "Brainstorm:* onboarding" in json.dumps(header["blocks"])
    assert first["text"].startswith("1. Buddy for the first week")
    assert second["text"].startswith("2. A one-page guide")
    processing, done = statuses(app, root)
    assert processing == {"channel_id": DM, "thread_ts": root, "status": "processing",
                          "title": "onboarding", "initiator_user_id": "U0ALICE"}
    assert done == {"channel_id": DM, "thread_ts": root, "status": "active"}
    session = app.slack.state.agent_sessions[(DM, root)]
    assert (session["title"], session["status"]) == ("onboarding", "active")
    assert not app.slack.calls_to("assistant.threads.setStatus")  # not the legacy pane's

    # a reply in the session's thread goes on there, as agent work
    llm.reply("A guide, in one page.")
    write(app, "expand idea 2", thread_ts=root)
    app.deps.wait_quiet(timeout=20)
    assert [s["status"] for s in statuses(app, root)] == [
        "processing", "active", "processing", "active"]
    assert "A guide, in one page." in bot_replies(app, root)[-1]["text"]
    prompt = llm.requests[-1]["body"]["messages"][-1]["content"]
    assert "2. A one-page guide" in prompt
    assert not app.slack.calls_to("assistant.threads.setStatus")


GREETINGS = ["hi", "hello!", "hi, what can you do?", "what is this?", "help"]


def _introduced(app: RunningApp, root: str) -> None:
    """The message's session got idealoop's introduction, and no draft or work."""
    [answer] = bot_replies(app, root)
    text = answer["text"]
    for what in ("brainstorm <topic>", "draft", "feedback", "polish", "You decide",
                 "steer"):
        assert what in text
    assert "Draft:" not in text and "Goal:" not in text
    assert work_in_thread(app.stores.engine, DM, root) == []
    assert statuses(app, root) == []  # nothing ran, so no "processing"


@pytest.mark.parametrize("greeting", GREETINGS)
def test_a_greeting_gets_an_introduction_with_a_model(app: RunningApp, llm: FakeOpenAI,
                                                       greeting: str) -> None:
    root = write(app, greeting)
    app.deps.wait_quiet()
    _introduced(app, root)
    assert llm.requests == []  # recognised without the model


@pytest.mark.database_matters
def test_a_greeting_delivered_again_is_introduced_once(app: RunningApp) -> None:
    message = app.slack.state.post_message(DM, "hi", user="U0ALICE")
    event = dm_message_event(user="U0ALICE", text="hi", channel=DM, ts=message["ts"])
    for retry in (None, 1):
        assert app.sender.event(event, event_id="Ev0HI", retry_num=retry).status == 200
    app.deps.wait_quiet()
    _introduced(app, str(message["ts"]))  # one answer


def test_a_greeting_gets_an_introduction_offline(slack: SlackApiServer, db_url: str) -> None:
    with running_app(slack, db_url, IDEALOOP_LLM="offline") as offline:
        roots = [write(offline, greeting) for greeting in GREETINGS]
        request = write(offline, "help me plan the offsite")
        offline.deps.wait_quiet(timeout=20)
        for root in roots:
            _introduced(offline, root)
        [draft] = bot_replies(offline, request)  # a request that starts with "help" is one
        assert "Plan:" in draft["text"]


def _spent_bounds(llm: FakeOpenAI, answer: str) -> tuple[int, int]:
    """What the prompt alone costs, and what the whole answer would have (the app's own
    estimate: the fake reports usage only at the end of a stream)."""
    prompt = sum(estimate_tokens(m["content"]) + 4 for m in llm.requests[-1]["body"]["messages"])
    return prompt, prompt + estimate_tokens(answer)


def test_stop_ends_a_brainstorm_and_nothing_more_is_posted(app: RunningApp,
                                                           llm: FakeOpenAI) -> None:
    ideas = [f"Idea number {n} about a calmer onboarding week for every new joiner"
             for n in range(1, 9)]
    answer = json.dumps({"ideas": ideas})
    llm.reply(answer).chunk_delay(0.03)  # about half a second an idea
    root = write(app, "brainstorm onboarding")
    eventually(lambda: _has_ideas(app, root, 1), timeout=20)
    made = press_stop(app, root)

    def settled() -> dict[str, Any]:
        [row] = work_in_thread(app.stores.engine, DM, root)
        assert row["state"] == "cancelled"
        header = app.slack.state.get_message(DM, row["placeholder_ts"])
        assert header is not None and "Stopped by <@U0ALICE>" in json.dumps(header["blocks"])
        return row

    row = eventually(settled, timeout=20)
    app.deps.wait_quiet(timeout=20)
    assert row["note"] == "Stopped by <@U0ALICE>."
    assert posted_since(app, made) == []  # nothing more after the stop
    shown = bot_replies(app, root)[1:]
    assert 1 <= len(shown) < len(ideas)
    header = app.slack.state.get_message(DM, row["placeholder_ts"])
    assert header is not None
    assert f"{len(shown)} idea" in json.dumps(header["blocks"])
    # the session is moved off "processing" (Slack does not do it)
    assert app.slack.state.agent_sessions[(DM, root)]["status"] == "active"
    # only what was spent by then is counted
    [row] = work_in_thread(app.stores.engine, DM, root)
    prompt, whole = _spent_bounds(llm, answer)
    assert prompt < row["tokens"] < whole
    # the stop button shows only while processing: it cannot be pressed again
    with pytest.raises(Exception, match="no_stop_button"):
        app.slack.state.press_stop(DM, root, "U0ALICE")


def _has_ideas(app: RunningApp, root: str, count: int) -> None:
    assert len(bot_replies(app, root)) >= 1 + count


def test_stop_ends_a_streamed_draft_where_it_was(app: RunningApp, llm: FakeOpenAI) -> None:
    answer = " ".join(f"Sentence {n} of a welcome note for the new joiners." for n in range(60))
    llm.reply(answer).chunk_delay(0.02)
    root = write(app, "Draft a welcome note for new joiners")

    def streaming() -> str:
        replies = bot_replies(app, root)
        assert len(replies) == 1
        assert app.slack.state.is_streaming(DM, replies[0]["ts"])
        assert "Sentence 3" in replies[0]["text"]
        return str(replies[0]["ts"])

    ts = eventually(streaming, timeout=20)
    made = press_stop(app, root)

    def settled() -> dict[str, Any]:
        [row] = work_in_thread(app.stores.engine, DM, root)
        assert row["state"] == "cancelled"
        message = app.slack.state.get_message(DM, ts)
        assert message is not None
        assert "Stopped by <@U0ALICE>" in json.dumps(message.get("blocks"))
        return row

    row = eventually(settled, timeout=20)
    app.deps.wait_quiet(timeout=20)
    assert posted_since(app, made) == []
    [message] = bot_replies(app, root)  # no second message
    assert app.slack.state.streaming_messages() == []
    shown = json.dumps(message["blocks"])
    assert "Sentence 3" in shown and "Sentence 59" not in shown  # what was written by then
    assert "fake-model" in shown  # AI-written, and by which model
    assert app.slack.state.agent_sessions[(DM, root)]["status"] == "active"
    prompt, whole = _spent_bounds(llm, answer)
    assert prompt < row["tokens"] < whole
    assert list(app.stores.reports.export_rows()) == []  # a stopped draft is not saved as a draft


@pytest.mark.database_matters
def test_stop_settles_work_another_process_holds(app: RunningApp) -> None:
    """The run is elsewhere (another replica, or one that died): the stop's listener
    cancels it and settles its header at once; the holder stops at its next step."""
    root = app.slack.state.post_message(DM, "brainstorm onboarding", user="U0ALICE")["ts"]
    header = app.slack.state.post_message(DM, "Brainstorm: onboarding", as_bot=True,
                                          thread_ts=root)["ts"]
    elsewhere = Work(app.deps.work.store, lease=30, limits=app.deps.work.limits,
                     owner="elsewhere/1:1:1:feed")
    item = elsewhere.accept("brainstorm", team=app.slack.state.team_id,
                            delivery_key="event:Elsewhere", channel=DM, user="U0ALICE",
                            thread_ts=root, request={"topic": "onboarding",
                                                     "in_assistant": True,
                                                     "agent_session": True})
    assert item is not None
    elsewhere.set_placeholder(item, header)
    app.slack.state.set_agent_session(DM, root, "processing")
    made = press_stop(app, root)
    app.deps.wait_quiet(timeout=20)
    [row] = work_in_thread(app.stores.engine, DM, root)
    assert (row["state"], row["note"]) == ("cancelled", "Stopped by <@U0ALICE>.")
    settled = app.slack.state.get_message(DM, header)
    assert settled is not None and "Stopped by <@U0ALICE>" in json.dumps(settled["blocks"])
    assert posted_since(app, made) == []
    assert app.slack.state.agent_sessions[(DM, root)]["status"] == "active"
    with pytest.raises(Stopped):
        elsewhere.confirm(item)  # the holder posts nothing more


@pytest.mark.database_matters
def test_a_stop_the_database_cannot_record_is_delivered_again(
        slack: SlackApiServer, tmp_path: Any) -> None:
    url = f"sqlite:///file:{tmp_path}/missing/none.db?mode=ro&uri=true"
    with running_app(slack, url) as app:
        root = app.slack.state.post_message(DM, "brainstorm x", user="U0ALICE")["ts"]
        app.slack.state.set_agent_session(DM, root, "processing")
        event = app.slack.state.press_stop(DM, root, "U0ALICE")
        assert app.sender.event(event).status == 503  # Slack sends it again
