"""Message shortcuts end to end: signed `message_action` payloads to the real app over
HTTP, the emulated Slack, the fake LLM. Each shortcut's result in its place, once for a
payload delivered twice, under the daily limits, refused politely when the database is
away or the bot cannot read the channel."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.emulator.shell_actions import find_button
from bot.emulator.slack_requests import Reply, SlackSender
from bot.emulator.web_api import SlackApiServer
from handlers import shortcuts
from handlers.slack.shortcut_blocks import POST_IN_THREAD_ACTION
from testkit.app import SECRET, RunningApp, Transport, running_app
from testkit.databases import migrate
from testkit.fake_openai import FakeOpenAI
from testkit.faults import serve_env
from testkit.processes import ServeProcess
from testkit.queries import count_rows, score_of, work_in_thread
from testkit.waiting import eventually, wait_until
from tests.e2e.test_workspaces import BLUE, CLIENT_ID, CLIENT_SECRET, RED, install

CHANNEL = "C0GENERAL"
BOBS_TEXT = ("We will maybe move the launch to next week because design is really not "
             "done yet, write to bob@example.com")


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    slack.state.streaming_refused = True  # the critique settles by chat.update
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05", IDEALOOP_REDACT="1") as running:
        yield running


def use(app: RunningApp, callback_id: str, message: dict, *, user: str = "U0ALICE",
        channel: str = CHANNEL, trigger_id: str | None = None,
        response_url: str | None = None) -> Reply:
    """`user` uses the message shortcut `callback_id` on `message`, as Slack sends it."""
    url = response_url or app.slack.new_response_url(channel=channel, user=user)
    return app.sender.shortcut(callback_id, user=user, channel=channel, message=message,
                               response_url=url, trigger_id=trigger_id)


def told(app: RunningApp) -> list[str]:
    """What the person was told through response URLs, in order."""
    return [str(r["body"].get("text")) for r in app.slack.state.responses]


def bots_replies(app: RunningApp, thread_ts: str, channel: str = CHANNEL) -> list[dict]:
    return [m for m in app.slack.state.thread(channel, thread_ts)[1:] if m.get("bot_id")]


def prompts(llm: FakeOpenAI) -> list[str]:
    return [r["body"]["messages"][-1]["content"] for r in llm.requests
            if r["path"] == "/v1/chat/completions"]


@pytest.fixture
def app_over(slack: SlackApiServer, llm: FakeOpenAI, db_url: str,
             transport: Transport) -> Iterator[RunningApp]:
    """The app over HTTP and over Socket Mode (where a shortcut comes as an `interactive`
    envelope)."""
    slack.state.streaming_refused = True
    with running_app(slack, db_url, transport=transport, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model", IDEALOOP_STREAM_INTERVAL="0.05",
                     IDEALOOP_REDACT="1") as running:
        yield running


@pytest.mark.database_matters
def test_feedback_is_posted_in_the_messages_thread_once_and_pings_nobody(
        app_over: RunningApp, llm: FakeOpenAI) -> None:
    app = app_over
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    llm.reply("*What works*\n• Short. <!channel> <@U0BOB>\n*Risks*\n• Hedged.")
    first = use(app, shortcuts.FEEDBACK_SHORTCUT, bob, trigger_id="trig-feedback-1")
    again = use(app, shortcuts.FEEDBACK_SHORTCUT, bob, trigger_id="trig-feedback-1")
    assert (first.status, again.status) == (200, 200)
    assert first.elapsed < 3  # Slack's window for the answer to an interaction
    assert app.deps.wait_quiet(timeout=20)
    [critique] = bots_replies(app, bob["ts"])  # one, in bob's message's thread
    shown = json.dumps(critique["blocks"], ensure_ascii=False)
    assert "*What works*" in shown and "Feedback · on bob's message" in shown
    assert "<!channel>" not in shown and "<@U0BOB>" not in shown  # nobody pinged
    assert not [c for c in app.slack.calls_to("chat.postMessage")
                if c.params.get("reply_broadcast")]
    [prompt] = prompts(llm)
    assert "We will maybe move the launch" in prompt
    assert "bob@example.com" not in prompt and "[email]" in prompt  # IDEALOOP_REDACT
    assert told(app) == [shortcuts.STARTED["feedback"]]  # only the person who asked
    [work] = work_in_thread(app.stores.engine, CHANNEL, bob["ts"])
    assert (work["kind"], work["state"]) == ("draft", "done")
    assert [row["kind"] for row in app.stores.reports.export_rows()] == ["feedback"]


def test_polish_is_shown_only_to_the_asker_and_posted_in_the_thread_on_request(
        app: RunningApp, llm: FakeOpenAI) -> None:
    root = app.slack.state.post_message(CHANNEL, "When do we launch?", user="U0CAROL")
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB",
                                       thread_ts=root["ts"])
    llm.reply("We move the launch to next week: design needs more time.\n\n*What changed*"
              "\n• Cut the hedge")
    assert use(app, shortcuts.POLISH_SHORTCUT, bob).status == 200
    assert app.deps.wait_quiet(timeout=20)
    assert bots_replies(app, root["ts"]) == []  # nothing in public yet
    private = app.slack.state.ephemeral
    assert {(e["user"], e["thread_ts"]) for e in private} == {("U0ALICE", root["ts"])}
    polished = {**private[-1],
                "ts": app.slack.calls_to("chat.postEphemeral")[-1].response["message_ts"]}
    assert "We move the launch to next week" in polished["text"]
    actions = [el["action_id"] for block in polished["blocks"] if block["type"] == "actions"
               for el in block["elements"]]
    assert actions == [POST_IN_THREAD_ACTION]  # no "Decide…": it cannot work privately
    [button] = [el for block in polished["blocks"] if block["type"] == "actions"
                for el in block["elements"] if el["action_id"] == POST_IN_THREAD_ACTION]
    click = {"type": "button", "action_id": POST_IN_THREAD_ACTION, "block_id": "b",
             "value": button["value"], "action_ts": "1700000001.000001"}
    for _ in range(2):  # clicked twice: posted once
        reply = app.sender.click(click, user="U0ALICE", channel=CHANNEL, message=polished,
                                 response_url=app.slack.new_response_url(),
                                 ephemeral=True)
        assert reply.status == 200
        assert app.deps.wait_quiet(timeout=20)
    [posted] = bots_replies(app, root["ts"])
    shown = json.dumps(posted["blocks"], ensure_ascii=False)
    assert "We move the launch to next week" in shown
    assert "posted at alice's request" in shown
    assert told(app)[-2:] == ["Posted in the thread.", "It is in the thread already."]
    assert [row["kind"] for row in app.stores.reports.export_rows()] == ["polish"]


def polish_and_post(app: RunningApp, llm: FakeOpenAI, message: dict, *,
                    user: str = "U0ALICE") -> dict:
    """`user` polishes `message` and clicks [Post in thread]: the click's payload."""
    llm.reply("We move the launch to next week: design needs more time.")
    assert use(app, shortcuts.POLISH_SHORTCUT, message, user=user).status == 200
    assert app.deps.wait_quiet(timeout=20)
    polished = {**app.slack.state.ephemeral[-1],
                "ts": app.slack.calls_to("chat.postEphemeral")[-1].response["message_ts"]}
    button = find_button(polished, "post")
    assert button is not None
    return {"action": button, "message": polished}


def test_a_long_polish_is_posted_whole_in_as_many_replies_once(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """A 5,000-character polish does not fit one message: it was shown in two, and
    [Post in thread] posts both parts, in order, each once."""
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    paragraphs = [f"Paragraph {n}: " + "the launch moves a week so design can finish. " * 9
                  for n in range(12)]
    long = "\n\n".join(paragraphs) + "\n\nThe very last words."
    assert 4900 < len(long) < 5600
    llm.reply(long)
    assert use(app, shortcuts.POLISH_SHORTCUT, bob).status == 200
    assert app.deps.wait_quiet(timeout=20)
    polished = {**app.slack.state.ephemeral[-1],
                "ts": app.slack.calls_to("chat.postEphemeral")[-1].response["message_ts"]}
    button = find_button(polished, "post")
    assert button is not None
    for _ in range(2):  # clicked twice: each part posted once
        assert app.sender.click(button, user="U0ALICE", channel=CHANNEL, message=polished,
                                ephemeral=True,
                                response_url=app.slack.new_response_url()).status == 200
        assert app.deps.wait_quiet(timeout=20)
    posted = bots_replies(app, bob["ts"])
    assert len(posted) == 2
    shown = [json.dumps(m["blocks"], ensure_ascii=False) for m in posted]
    assert "part 1 of 2" in shown[0] and "part 2 of 2" in shown[1]
    assert "Paragraph 0:" in shown[0] and "The very last words." in shown[1]
    assert not any("(continues)" in text for text in shown)
    assert [m["metadata"]["event_payload"]["part"] for m in posted] == [1, 2]
    assert told(app)[-2:] == ["Posted in the thread.", shortcuts.ALREADY_POSTED]


@pytest.mark.database_matters
def test_reactions_and_feedback_on_the_posted_polish_count_for_it(
        app: RunningApp, llm: FakeOpenAI, db_url: str) -> None:
    """The polished text is saved under the private message that showed it (nobody can
    react to that one); once posted, people react to the posted one, and that counts."""
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    click = polish_and_post(app, llm, bob)
    assert app.sender.click(click["action"], user="U0ALICE", channel=CHANNEL,
                            message=click["message"], ephemeral=True,
                            response_url=app.slack.new_response_url()).status == 200
    assert app.deps.wait_quiet(timeout=20)
    [posted] = bots_replies(app, bob["ts"])
    [polish] = [row for row in app.stores.reports.export_rows() if row["kind"] == "polish"]
    for user in ("U0BOB", "U0CAROL"):
        assert app.sender.reaction(user=user, emoji="+1", channel=CHANNEL,
                                   ts=posted["ts"]).status == 200
    up = find_button(app.slack.state.get_message(CHANNEL, posted["ts"]), "up")
    assert up is not None
    assert app.sender.click(up, user="U0DAN", channel=CHANNEL, message=posted,
                            response_url=app.slack.new_response_url()).status == 200
    assert app.deps.wait_quiet(timeout=20)
    assert score_of(app.stores, polish["id"])["approvals"] == 3
    # clicked again (its button still shows): not posted twice, and the count stands
    assert app.sender.click(click["action"], user="U0ALICE", channel=CHANNEL,
                            message=click["message"], ephemeral=True,
                            response_url=app.slack.new_response_url()).status == 200
    assert app.deps.wait_quiet(timeout=20)
    assert len(bots_replies(app, bob["ts"])) == 1
    assert told(app)[-1] == shortcuts.ALREADY_POSTED
    assert score_of(app.stores, polish["id"])["approvals"] == 3


@pytest.mark.database_matters
def test_two_clicks_at_once_in_two_processes_post_it_once(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str, tmp_path: Path) -> None:
    """A double click whose two payloads two replicas (`idealoop serve` processes on one
    database) handle at the same moment: one posts, the other is told it is being posted.
    Each click that gets as far as posting first asks Slack who asked (`users.info`):
    those calls are held until both clicks got that far, or one was told it was taken,
    so the two are truly at once."""
    slack.state.streaming_refused = True
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as app:
        bob = slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
        click = polish_and_post(app, llm, bob)
    held = threading.Event()
    slack.fail("users.info", held=held, times=2)
    env = serve_env(slack, db_url, IDEALOOP_LLM="offline")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    try:
        with ServeProcess(env, cwd=tmp_path / "one") as one, \
                ServeProcess(env, cwd=tmp_path / "two") as two, ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(lambda serve: SlackSender(serve.url, SECRET).click(
                click["action"], user="U0ALICE", channel=CHANNEL, message=click["message"],
                ephemeral=True, response_url=slack.new_response_url()), (one, two)))
            assert [r.status for r in replies] == [200, 200]
            assert wait_until(lambda: slack.faults_left() == 0
                              or shortcuts.BEING_POSTED in told(app), 30)
            held.set()
            eventually(lambda: _both_answered(app), timeout=30)
    finally:
        held.set()
        slack.clear_faults()
    assert len(bots_replies(app, bob["ts"])) == 1
    assert sorted(told(app)[-2:]) == sorted(["Posted in the thread.",
                                             shortcuts.BEING_POSTED])


def _both_answered(app: RunningApp) -> None:
    assert len([t for t in told(app) if "thread" in t]) >= 2


def test_brainstorm_from_a_message_runs_in_its_thread_seeded_by_it(
        app: RunningApp, llm: FakeOpenAI) -> None:
    bob = app.slack.state.post_message(CHANNEL, "Our standups run long", user="U0BOB")
    llm.reply(json.dumps({"ideas": ["Walking standups", "Async updates in a thread"]}))
    assert use(app, shortcuts.BRAINSTORM_SHORTCUT, bob).status == 200
    assert app.deps.wait_quiet(timeout=20)
    header, *ideas = bots_replies(app, bob["ts"])
    assert "Our standups run long" in header["text"]
    assert len(ideas) == 2
    assert "Walking standups" in ideas[0]["text"]
    assert "Async updates in a thread" in ideas[1]["text"]
    assert "Our standups run long" in prompts(llm)[0]
    assert told(app) == [shortcuts.STARTED["brainstorm"]]


def test_the_daily_limit_refuses_a_shortcut_politely_and_starts_nothing(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    slack.state.streaming_refused = True
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_DAILY_LIMIT_PERSON="1") as app:
        bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
        llm.reply("*What works*\n• Short.")
        assert use(app, shortcuts.FEEDBACK_SHORTCUT, bob).status == 200
        assert app.deps.wait_quiet(timeout=20)
        assert use(app, shortcuts.POLISH_SHORTCUT, bob).status == 200
        assert app.deps.wait_quiet(timeout=20)
        assert told(app)[-1].startswith("You have started 1 brainstorms and drafts today")
        assert count_rows(app.stores.engine, "work") == 1
        assert len(prompts(llm)) == 1
        assert app.slack.state.ephemeral == []


def test_with_the_database_away_the_asker_is_told_and_slack_gets_an_error(
        slack: SlackApiServer, llm: FakeOpenAI, tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    migrate(f"sqlite:///{path}")
    with running_app(slack, f"sqlite:///file:{path}?mode=ro&uri=true",
                     OPENAI_BASE_URL=llm.base_url) as app:
        bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
        for callback_id in shortcuts.SHORTCUTS:
            assert use(app, callback_id, bob).status == 503  # not acknowledged
        assert app.deps.wait_quiet(timeout=20)
        assert len(told(app)) == 3
        assert all("nothing was saved" in text and "Use the shortcut again" in text
                   for text in told(app))
        assert bots_replies(app, bob["ts"]) == [] and prompts(llm) == []


def test_a_message_in_a_channel_the_bot_is_not_in_is_answered_politely(
        app: RunningApp, llm: FakeOpenAI) -> None:
    app.slack.state.ensure_channel("C0RANDOM", "random")
    bob = app.slack.state.post_message("C0RANDOM", BOBS_TEXT, user="U0BOB")
    app.slack.state.set_member("C0RANDOM", False)
    for callback_id in shortcuts.SHORTCUTS:
        assert use(app, callback_id, bob, channel="C0RANDOM").status == 200
    assert app.deps.wait_quiet(timeout=20)
    assert told(app) == [shortcuts.CANNOT_READ] * 3
    assert count_rows(app.stores.engine, "work") == 0 and prompts(llm) == []


def test_a_shortcut_works_in_the_workspace_it_came_from_only(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    slack.state.streaming_refused = True
    slack.enable_oauth(CLIENT_ID, CLIENT_SECRET)
    with running_app(slack, db_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID=CLIENT_ID,
                     SLACK_CLIENT_SECRET=CLIENT_SECRET, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as app:
        install(app, BLUE)
        install(app, RED)
        blue, red = app.slack.workspaces[BLUE], app.slack.workspaces[RED]
        blue.streaming_refused = red.streaming_refused = True
        blue.post_message(CHANNEL, "Blue's own message", user="U0BOB")
        message = red.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
        llm.reply("*What works*\n• Short.")
        reply = app.sender.shortcut(shortcuts.FEEDBACK_SHORTCUT, user="U0ALICE",
                                    channel=CHANNEL, message=message, team=RED,
                                    response_url=red.new_response_url(app.slack.base))
        assert reply.status == 200
        assert app.deps.wait_quiet(timeout=20)
        [critique] = red.thread(CHANNEL, message["ts"])[1:]
        assert critique["text"].startswith("*What works*")
        assert [m for m in blue.history(CHANNEL) if m.get("bot_id")] == []
        assert [row["team"] for row in app.deps.stores.reports.export_rows()] == [RED]
        assert "Blue's own message" not in prompts(llm)[0]


@pytest.mark.database_matters
def test_one_payload_delivered_to_two_replicas_is_answered_once(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    slack.state.streaming_refused = True
    llm.reply(json.dumps({"ideas": ["Walking standups"]}))
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url) as first, \
            running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url) as second:
        bob = slack.state.post_message(CHANNEL, "Our standups run long", user="U0BOB")
        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(
                lambda running: use(running, shortcuts.BRAINSTORM_SHORTCUT, bob,
                                    trigger_id="trig-shared"), (first, second)))
        assert [r.status for r in replies] == [200, 200]
        assert first.deps.wait_quiet(timeout=20) and second.deps.wait_quiet(timeout=20)
        header, idea = bots_replies(first, bob["ts"])
        assert "Our standups run long" in header["text"]
        assert "Walking standups" in idea["text"]
        assert len(prompts(llm)) == 1
        assert told(first) == [shortcuts.STARTED["brainstorm"]]  # one confirmation


@pytest.mark.slack_refusals("not_in_channel")
def test_when_slack_refuses_the_answer_the_asker_hears_it_through_the_response_url(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """The bot was in the channel when the shortcut came, and is not when its work runs
    (removed meanwhile): the person hears why, through the payload's response URL."""
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    app.slack.fail("chat.postMessage", error="not_in_channel")
    assert use(app, shortcuts.FEEDBACK_SHORTCUT, bob).status == 200
    app.slack.fail("chat.postEphemeral", error="not_in_channel")
    assert use(app, shortcuts.POLISH_SHORTCUT, bob).status == 200
    assert app.deps.wait_quiet(timeout=20)
    refusals = [text for text in told(app) if "/invite @idealoop" in text]
    assert len(refusals) == 2, told(app)
    assert bots_replies(app, bob["ts"]) == [] and prompts(llm) == []


@pytest.mark.slack_refusals("user_not_in_channel")
def test_a_polish_for_someone_not_in_the_channel_is_answered_in_a_direct_message(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """Alice previews a public channel she is not in and polishes a message there: Slack
    refuses to show her an ephemeral message in it (`user_not_in_channel`). The work ends
    at once, nothing is public, no LLM is spent, and she is told why in a direct
    message."""
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    app.slack.state.set_person_in(CHANNEL, "U0ALICE", False)
    assert use(app, shortcuts.POLISH_SHORTCUT, bob).status == 200
    assert app.deps.wait_quiet(timeout=20)
    refused = app.slack.calls_to("chat.postEphemeral")
    assert len(refused) == 1 and refused[0].response["error"] == "user_not_in_channel"
    [work] = work_in_thread(app.stores.engine, CHANNEL, bob["ts"])
    assert work["state"] != "pending"  # not tried again and again
    dms = [c.params for c in app.slack.calls_to("chat.postMessage")
           if str(c.params.get("channel", "")).startswith("D")]
    assert len(dms) == 1 and "not a member of that channel" in dms[0]["text"]
    assert bots_replies(app, bob["ts"]) == [] and prompts(llm) == []


@pytest.mark.parametrize("forgotten", ["U0ALICE", "U0BOB"])
def test_a_polish_forgotten_before_its_click_is_not_posted(
        app: RunningApp, llm: FakeOpenAI, forgotten: str) -> None:
    """The asker (or the message's author) is forgotten while the polished text is still
    shown to the asker: its words are gone from idealoop, so [Post in thread] posts
    nothing (not an empty message, not a crash) and says it is no longer kept."""
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    click = polish_and_post(app, llm, bob)
    app.deps.privacy.forget(forgotten, everywhere=True)
    assert app.sender.click(click["action"], user="U0ALICE", channel=CHANNEL,
                            message=click["message"], ephemeral=True,
                            response_url=app.slack.new_response_url()).status == 200
    assert app.deps.wait_quiet(timeout=20)
    assert bots_replies(app, bob["ts"]) == []
    assert told(app)[-1] == shortcuts.NO_LONGER_KEPT


def test_a_post_click_with_the_job_pool_full_is_told_to_click_again_not_posted_inline(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """Slack waits for the click's listener to return (`process_before_response`), and
    posting takes several Slack calls: with the job pool full it is not done there and
    then (holding the answer past Slack's 3 s and a listener thread); the person is told
    idealoop is busy, and a later click posts it."""
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    click = polish_and_post(app, llm, bob)
    limit, app.deps.jobs.limit = app.deps.jobs.limit, 0  # the pool is full
    try:
        reply = app.sender.click(click["action"], user="U0ALICE", channel=CHANNEL,
                                 message=click["message"], ephemeral=True,
                                 response_url=app.slack.new_response_url())
    finally:
        app.deps.jobs.limit = limit
    assert reply.status == 200
    assert app.deps.wait_quiet(timeout=20)
    assert bots_replies(app, bob["ts"]) == []
    assert "busy" in told(app)[-1] and "try again" in told(app)[-1]
    assert app.sender.click(click["action"], user="U0ALICE", channel=CHANNEL,
                            message=click["message"], ephemeral=True,
                            response_url=app.slack.new_response_url()).status == 200
    assert app.deps.wait_quiet(timeout=20)
    assert len(bots_replies(app, bob["ts"])) == 1
    assert told(app)[-1] == "Posted in the thread."


def test_a_slow_read_check_does_not_hold_the_ack_and_the_work_still_runs(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """Slack slow to answer the check that the bot can read the channel
    (`conversations.replies`): one try of one second, not retried, then the shortcut is
    stored and acknowledged within Slack's 3 s; the run reads the thread itself."""
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    held = threading.Event()
    app.slack.fail("conversations.replies", held=held)
    llm.reply("*What works*\n• Short.")
    try:
        reply = use(app, shortcuts.FEEDBACK_SHORTCUT, bob)
    finally:
        held.set()
    assert reply.status == 200 and reply.elapsed < 3
    assert app.deps.wait_quiet(timeout=20)
    assert len(bots_replies(app, bob["ts"])) == 1
    assert told(app) == [shortcuts.STARTED["feedback"]]


def test_a_part_slack_posted_whose_answer_was_lost_is_not_posted_again(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """[Post in thread] on a two-part polish: Slack posts the second part but its answer
    is lost. The person is told to click again; the next click finds both parts in the
    thread by their metadata, posts neither again, and records the first as the item."""
    bob = app.slack.state.post_message(CHANNEL, BOBS_TEXT, user="U0BOB")
    long = "\n\n".join(f"Paragraph {n}: " + "the launch moves a week so design can "
                       "finish. " * 9 for n in range(12))
    llm.reply(long)
    assert use(app, shortcuts.POLISH_SHORTCUT, bob).status == 200
    assert app.deps.wait_quiet(timeout=20)
    polished = {**app.slack.state.ephemeral[-1],
                "ts": app.slack.calls_to("chat.postEphemeral")[-1].response["message_ts"]}
    button = find_button(polished, "post")
    assert button is not None
    app.slack.fail("chat.postMessage", status=500, after_effect=True, after=1)
    for _ in range(2):
        assert app.sender.click(button, user="U0ALICE", channel=CHANNEL, message=polished,
                                ephemeral=True,
                                response_url=app.slack.new_response_url()).status == 200
        assert app.deps.wait_quiet(timeout=20)
    posted = bots_replies(app, bob["ts"])
    assert [m["metadata"]["event_payload"]["part"] for m in posted] == [1, 2]
    assert "click again" in told(app)[-2] and told(app)[-1] == shortcuts.ALREADY_POSTED
    [polish] = [row for row in app.stores.reports.export_rows() if row["kind"] == "polish"]
    assert polish["ts"] == posted[0]["ts"]  # reactions on the posted part count for it
