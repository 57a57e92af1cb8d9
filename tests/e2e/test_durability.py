"""An ack is a promise: what Slack got a 200 for is stored or will be done, and every
failure reaches the person where they asked. The real app over signed HTTP, with the
emulated Slack's faults and databases that cannot write."""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, make_url, update

from bot.emulator.slack_requests import TEAM, mention_event
from bot.emulator.web_api import SlackApiServer
from bot.metrics import render
from storage.base import db_now
from storage.brainstorms import NewBrainstorm
from storage.db import make_engine
from storage.models import Work
from storage.stores import Stores
from storage.work import PENDING, NewWork
from testkit.app import RunningApp, running_app
from testkit.databases import migrate
from testkit.fake_openai import FakeOpenAI, default_ideas
from testkit.metrics import value
from testkit.processes import free_port
from testkit.queries import score_of
from testkit.waiting import eventually

CHANNEL = "C0GENERAL"
FAST = {"IDEALOOP_WORK_LEASE": "1"}  # retries and take-overs within a second or two


@pytest.fixture
def app(slack: SlackApiServer, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, **FAST) as running:
        yield running


def headers(app: RunningApp) -> list[dict[str, object]]:
    return [c.params for c in app.slack.calls_to("chat.postMessage")
            if not c.params.get("thread_ts")]


def brainstorm(app: RunningApp, topic: str,
               timeout: float = 20) -> tuple[str, list[dict[str, object]]]:
    """Run one brainstorm to the end: its header ts and the replies in its thread."""
    assert app.sender.command(topic).status == 200
    header_ts = eventually(lambda: _header_ts(app, topic), timeout=10)
    eventually(lambda: _settled(app, header_ts), timeout=timeout)
    return header_ts, app.slack.state.thread(CHANNEL, header_ts)[1:]


def _header_ts(app: RunningApp, topic: str) -> str:
    posted = [c for c in app.slack.calls_to("chat.postMessage")
              if not c.params.get("thread_ts") and topic in str(c.params.get("text"))]
    assert len(posted) == 1, posted
    return str((posted[0].response or {})["ts"])


def _settled(app: RunningApp, header_ts: str) -> None:
    header = app.slack.state.get_message(CHANNEL, header_ts)
    assert header is not None and "Thinking" not in json.dumps(header.get("blocks"))
    assert app.deps.work.store.backlog()[0] == 0


def test_a_reaction_is_stored_when_slack_gets_its_answer(app: RunningApp) -> None:
    _, ideas = brainstorm(app, "acked reactions")
    reply = app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=ideas[0]["ts"])
    assert reply.status == 200
    item = app.stores.signals.item_at(CHANNEL, str(ideas[0]["ts"]))
    assert item is not None and score_of(app.stores, item.id)["approvals"] == 1  # no waiting


@contextmanager
def signals_locked(db_url: str) -> Iterator[None]:
    """Another connection holds the lock a signal's commit needs (SQLite: the write lock;
    PostgreSQL: the signals table's), until the block ends."""
    if db_url.startswith("sqlite"):
        raw = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
    else:
        raw = psycopg.connect(make_url(db_url).set(drivername="postgresql")
                              .render_as_string(hide_password=False))
        raw.execute("LOCK TABLE signals IN EXCLUSIVE MODE")
    try:
        yield
    finally:
        raw.rollback()
        raw.close()


def test_no_reaction_is_acknowledged_before_its_commit(app: RunningApp, db_url: str) -> None:
    """While the commit cannot happen, Slack gets no 200 (it waits, or gets an error to
    send again); a 200 means the signal is in the database. The other test above can pass
    by luck when the commit is quick; this one holds the commit back."""
    _, ideas = brainstorm(app, "held commits")
    with ThreadPoolExecutor(1) as pool:
        with signals_locked(db_url):
            reply = pool.submit(app.sender.reaction, user="U0BOB", emoji="+1",
                                channel=CHANNEL, ts=ideas[0]["ts"])
            try:  # an answer that comes while the lock is held is no 200
                early = reply.result(timeout=1.5)
            except FutureTimeout:
                early = None
            assert early is None or early.status != 200, "acknowledged before its commit"
        answer = reply.result(timeout=10)
    item = app.stores.signals.item_at(CHANNEL, str(ideas[0]["ts"]))
    assert item is not None
    stored = score_of(app.stores, item.id)["approvals"]
    assert (answer.status, stored) in ((200, 1), (503, 0)), (answer.status, stored)


def test_bad_reactions_are_refused_alone_and_good_ones_all_kept(app: RunningApp) -> None:
    _, ideas = brainstorm(app, "one bad apple")
    bad = ["\ud800", "x" * 101, "fire\x00", "has space"]
    replies = []
    for n in range(40):
        emoji = bad[n % len(bad)] if n % 10 == 9 else "+1"
        replies.append((emoji, app.sender.reaction(user=f"U{n:04d}", emoji=emoji,
                                                  channel=CHANNEL, ts=ideas[n % 5]["ts"])))
    assert all(reply.status == (200 if emoji == "+1" else 400) for emoji, reply in replies)
    total = sum(score_of(app.stores, app.stores.signals.item_at(CHANNEL, str(idea["ts"])).id)
                ["approvals"] for idea in ideas)  # type: ignore[union-attr]
    assert total == 36


def test_an_idea_that_cannot_be_posted_is_posted_later_in_order_and_once(
        app: RunningApp) -> None:
    # Idea 3 fails on three attempts (the client does not repeat posts); the fourth
    # carries on from it.
    app.slack.fail("chat.postMessage", status=503, times=3, after=3)
    _, ideas = brainstorm(app, "flaky slack")
    numbers = [str(message["text"]).split(".")[0] for message in ideas]
    assert numbers == ["1", "2", "3", "4", "5"]
    assert len(app.slack.calls_to("chat.postMessage", include_failed=True)) == 1 + 5 + 3


def test_an_idea_slack_posted_before_failing_is_not_posted_twice(app: RunningApp) -> None:
    app.slack.fail("chat.postMessage", error="fatal_error", after_effect=True, after=2)
    _, ideas = brainstorm(app, "lost answers")
    assert sorted(str(message["text"]).split(".")[0] for message in ideas) == \
        ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("fault", [
    {"status": 429, "retry_after": 1},
    {"status": 500},
    {"status": 503, "times": 2},
    {"drop": True},
])
def test_slack_errors_mid_brainstorm_still_deliver_every_idea_once_in_order(
        app: RunningApp, fault: dict) -> None:
    """A rate limit is waited out by the client; a 5xx or a dropped connection stops
    the run at that idea, and the next attempt carries on from it, in order."""
    assert app.sender.command("better retros").status == 200
    app.slack.wait_for("chat.postMessage")  # the header
    app.slack.fail("chat.postMessage", **fault)
    eventually(lambda: _no_pending(app), timeout=20)
    [header] = [m for m in app.slack.state.history(CHANNEL) if "better retros" in m["text"]]
    ideas = app.slack.state.thread(CHANNEL, header["ts"])[1:]
    assert [str(m["text"]).split(".")[0] for m in ideas] == ["1", "2", "3", "4", "5"]
    assert "5 ideas in the thread" in json.dumps(header["blocks"])
    assert len(list(app.stores.reports.export_rows())) == 5


@pytest.mark.parametrize("after", [0, 2])  # the header; the third idea
def test_a_post_that_fails_with_a_5xx_after_slack_made_it_is_not_repeated(
        app: RunningApp, after: int) -> None:
    """A 5xx can come after Slack created the message: the client does not repeat a post
    (that would make a second message); the run looks for it by its metadata instead."""
    app.slack.fail("chat.postMessage", status=500, after_effect=True, after=after)
    assert app.sender.command("answered with a 500").status == 200
    eventually(lambda: _no_pending(app), timeout=20)
    [header] = [m for m in app.slack.state.history(CHANNEL) if "answered with a 500" in m["text"]]
    ideas = app.slack.state.thread(CHANNEL, header["ts"])[1:]
    assert sorted(str(m["text"]).split(".")[0] for m in ideas) == ["1", "2", "3", "4", "5"]
    assert "5 ideas in the thread" in json.dumps(header["blocks"])


def test_a_header_slack_posted_before_failing_is_found_not_posted_again(
        app: RunningApp) -> None:
    # Slack creates the header, then the answer is lost: the run cannot know its ts.
    app.slack.fail("chat.postMessage", error="fatal_error", after_effect=True)
    assert app.sender.command("answer lost").status == 200
    eventually(lambda: _no_pending(app), timeout=20)
    [header] = [m for m in app.slack.state.history(CHANNEL) if "answer lost" in m["text"]]
    assert "5 ideas in the thread" in json.dumps(header["blocks"])
    assert len(app.slack.state.thread(CHANNEL, header["ts"])) == 1 + 5


def test_a_run_that_lost_its_lease_while_the_model_answered_saves_and_posts_nothing(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    """One process stalls past its lease while the model answers; another takes the
    brainstorm over. The first must not save or post once it wakes (its check before
    saving stops it): the second does, once. The check before each post is
    `test_a_retried_attempt_that_loses_its_lease_before_posting_posts_nothing`'s."""
    gates = [threading.Event(), threading.Event()]
    calls = itertools.count()

    def held_ideas(body: dict[str, object]) -> str:
        assert gates[next(calls)].wait(20)
        return json.dumps({"ideas": default_ideas(body)})  # type: ignore[arg-type]

    llm.reply(held_ideas)
    env = {"OPENAI_BASE_URL": llm.base_url, "IDEALOOP_LLM_TIMEOUT": "30"}
    with running_app(slack, db_url, **env) as stalled, \
            running_app(slack, db_url, **env) as other:
        assert stalled.sender.command("taken over").status == 200
        llm.wait_for_requests(1)  # its header is posted; it waits on the model
        assert stalled.deps.work.let_go_all() == 1  # its lease, as if it had run out
        before = render().decode()
        assert other.deps.worker.sweep() == 1
        taken = other.deps.metrics().decode()  # counted, and still pending while it runs
        assert value(taken, "idealoop_work_takeovers_total", kind="brainstorm") \
            - value(before, "idealoop_work_takeovers_total", kind="brainstorm") == 1
        assert value(taken, "idealoop_work_queue_depth") == 1
        llm.wait_for_requests(2)
        gates[0].set()  # the stalled process wakes up, with ideas to post
        assert stalled.deps.jobs.wait_idle(10)
        [header] = [m for m in slack.state.history(CHANNEL) if "taken over" in m["text"]]
        assert slack.state.thread(CHANNEL, header["ts"])[1:] == []  # it posted nothing
        assert stalled.deps.for_team(TEAM).brainstormer.saved(CHANNEL, header["ts"]) is None
        gates[1].set()
        assert other.deps.wait_quiet(20)
        ideas = slack.state.thread(CHANNEL, header["ts"])[1:]
        assert sorted(str(m["text"]).split(".")[0] for m in ideas) == ["1", "2", "3", "4", "5"]
        assert other.deps.work.store.backlog()[0] == 0


def test_a_retried_attempt_that_loses_its_lease_before_posting_posts_nothing(
        slack: SlackApiServer, db_url: str) -> None:
    """The first attempt saves the ideas but Slack is away for the first of them; the
    second reads the thread for what was posted, and while Slack answers, the work
    passes to another owner. The ideas are saved already, so only the check before each
    post can stop it: it posts nothing, and the owner that takes the work after posts
    each idea once."""
    answered = threading.Event()
    # the header passes, the first idea meets Slack away; the retry's read is held
    slack.fail("chat.postMessage", status=503, after=1)
    slack.fail("conversations.replies", held=answered)
    with running_app(slack, db_url, IDEALOOP_WORK_LEASE="3") as app:
        assert app.sender.command("lease lost at the post").status == 200
        eventually(lambda: _arrived(slack), timeout=20)  # the second attempt is reading
        engine = app.deps.work.store.engine
        try:
            assert _take_over(engine, "another process") == 1
        finally:
            answered.set()
        assert app.deps.jobs.wait_idle(10)
        [header] = [m for m in slack.state.history(CHANNEL)
                    if "lease lost at the post" in m["text"]]
        assert slack.state.thread(CHANNEL, header["ts"])[1:] == []  # it posted nothing
        saved = app.deps.for_team(TEAM).brainstormer.saved(CHANNEL, header["ts"])
        assert saved is not None and len(saved.ideas) == 5  # by the first attempt
        assert not any(idea.ts for idea in saved.ideas)
        assert app.deps.work.store.let_go_all("another process") == 1  # it died, say
        eventually(lambda: _no_pending(app), timeout=20)  # this process takes it over
        ideas = slack.state.thread(CHANNEL, header["ts"])[1:]
        assert [str(m["text"]).split(".")[0] for m in ideas] == ["1", "2", "3", "4", "5"]


def _take_over(engine: Engine, owner: str) -> int:
    """Give every pending piece of work to `owner` in one statement (no other process
    can take it in between): what a take-over after a lost lease leaves in the table."""
    with engine.begin() as conn:
        return conn.execute(update(Work).where(Work.state == PENDING)
                            .values(owner=owner, lease_until=db_now(engine.dialect.name)
                                    + 300)).rowcount


def test_a_reaction_before_its_idea_is_recorded_is_delivered_again(app: RunningApp) -> None:
    """A reaction can beat the record of the idea it judges (posted, then recorded):
    while work in the channel runs, Slack is asked to deliver it again."""
    store = app.deps.work.store
    running = store.accept(NewWork(kind="brainstorm", delivery_key="command:elsewhere",
                                   channel=CHANNEL, user_id="U0ALICE", request={"topic": "t"},
                                   team=app.slack.state.team_id),
                           owner="another process", lease=300)
    assert running is not None
    idea = app.slack.state.post_message(CHANNEL, "1. an idea being recorded")
    human = app.slack.state.post_message(CHANNEL, "a person's message", user="U0BOB")
    early = app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=idea["ts"],
                                event_id="EvEARLY", event_ts="1800000000.000001")
    assert early.status == 503
    on_human = app.sender.reaction(user="U0CAROL", emoji="+1", channel=CHANNEL,
                                   ts=human["ts"], item_user="U0BOB")
    assert on_human.status == 200  # never an item: no reason to ask again
    saved = app.stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel=CHANNEL, requester="U0ALICE", topic="t", model="m", ideas=["an idea"],
        header_ts="1700000000.000009"))
    assert saved is not None
    app.stores.brainstorms.mark_posted(saved.item_ids[0], idea["ts"])
    again = app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL, ts=idea["ts"],
                                event_id="EvEARLY", event_ts="1800000000.000001", retry_num=1)
    assert again.status == 200
    assert score_of(app.stores, saved.item_ids[0])["approvals"] == 1


def test_a_header_that_cannot_be_settled_is_settled_later(app: RunningApp) -> None:
    app.slack.fail("chat.update", status=500, times=5)  # beyond the client's own retries
    header_ts, ideas = brainstorm(app, "stuck header")
    assert len(ideas) == 5
    header = app.slack.state.get_message(CHANNEL, header_ts)
    assert header is not None and "5 ideas in the thread" in json.dumps(header["blocks"])


def test_a_header_slack_cannot_update_for_a_while_is_settled_after_the_last_attempt(
        app: RunningApp) -> None:
    """The last attempt settles what is unfinished; showing that is itself tried again
    while Slack is away: here every update of the first five attempts fails."""
    app.slack.fail("chat.update", error="fatal_error", times=5)  # one call an attempt
    # Five attempts' pauses (0.2 to 2.7 s with this test's 1 s lease) come to about 6 s.
    header_ts, ideas = brainstorm(app, "slack away at the end", timeout=60)
    assert len(ideas) == 5
    header = app.slack.state.get_message(CHANNEL, header_ts)
    assert header is not None and "5 ideas in the thread" in json.dumps(header["blocks"])


def test_a_header_slack_refuses_to_update_is_explained_to_the_person(app: RunningApp) -> None:
    app.slack.fail("chat.update", error="no_permission")
    url = app.slack.new_response_url(channel=CHANNEL, user="U0ALICE")
    assert app.sender.command("cannot settle", response_url=url).status == 200
    told = eventually(lambda: _only(app.slack.state.responses), timeout=10)
    assert "no_permission" in told["body"]["text"]
    eventually(lambda: _no_pending(app), timeout=10)


def test_a_header_posted_just_as_the_work_was_lost_is_taken_back(
        slack: SlackApiServer, db_url: str) -> None:
    """The header post is slow; meanwhile the work passes to another process, which
    posts its own. The first, learning it lost the work, deletes the header it posted."""
    with running_app(slack, db_url) as slow, running_app(slack, db_url) as other:
        slack.fail("chat.postMessage", delay=2.0)
        assert slow.sender.command("two headers?").status == 200
        eventually(lambda: _arrived(slack), timeout=5)  # the slow post is in flight
        assert slow.deps.work.let_go_all() == 1  # its lease, as if it had run out
        # the other process takes it over: this sweep, or its own background one (a
        # first sweep that starts late on a loaded machine can come first)
        other.deps.worker.sweep()
        assert slow.deps.work.owner not in other.deps.work.store.pending_owners()
        assert other.deps.wait_quiet(20) and slow.deps.wait_quiet(20)
        headers_left = [m for m in slack.state.history(CHANNEL) if "two headers?" in m["text"]]
        assert len(headers_left) == 1
        assert "5 ideas in the thread" in json.dumps(headers_left[0]["blocks"])
        assert slack.calls_to("chat.delete")


def _arrived(slack: SlackApiServer) -> None:
    assert slack.faults_left() == 0


def test_when_the_channel_refuses_the_person_hears_it_through_the_response_url(
        app: RunningApp) -> None:
    app.slack.fail("chat.postMessage", error="not_in_channel")
    url = app.slack.new_response_url(channel=CHANNEL, user="U0ALICE")
    assert app.sender.command("nowhere to post", response_url=url).status == 200
    told = eventually(lambda: _only(app.slack.state.responses), timeout=10)
    assert "/invite @idealoop" in told["body"]["text"]
    assert told["body"]["response_type"] == "ephemeral"
    eventually(lambda: _no_pending(app), timeout=10)
    assert headers(app) == []


def test_when_slack_is_unreachable_the_work_is_retried_then_settled(app: RunningApp) -> None:
    app.slack.fail("chat.postMessage", drop=True, times=100)
    url = app.slack.new_response_url(channel=CHANNEL, user="U0ALICE")
    assert app.sender.command("slack is away", response_url=url).status == 200
    told = eventually(lambda: _only(app.slack.state.responses), timeout=20)
    assert "can't reach Slack" in told["body"]["text"]
    eventually(lambda: _no_pending(app), timeout=10)
    app.slack.clear_faults()


def _only(entries: list[dict[str, object]]) -> dict[str, object]:
    assert len(entries) == 1, entries
    return entries[0]


def _no_pending(app: RunningApp) -> None:
    assert app.deps.work.store.backlog()[0] == 0


def test_a_duplicate_delivery_is_one_brainstorm(app: RunningApp) -> None:
    for _ in range(3):
        assert app.sender.command("said three times", trigger_id="trig-dup").status == 200
    app.deps.wait_quiet()
    eventually(lambda: _no_pending(app), timeout=10)
    assert len(headers(app)) == 1


# -- a database that cannot write, and one that is not there --------------------------------


@pytest.fixture
def read_only(slack: SlackApiServer, tmp_path: Path) -> Iterator[RunningApp]:
    """A database with a posted brainstorm in it, opened read-only."""
    path = tmp_path / "ro.db"
    url = migrate(f"sqlite:///{path}")
    stores = Stores.open(make_engine(url), team=TEAM)  # the emulated workspace's
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel=CHANNEL, requester="U0ALICE", topic="kept", model="m", ideas=["an idea"],
        header_ts="1700000000.000001"))
    assert saved is not None
    stores.brainstorms.mark_posted(saved.item_ids[0], "1700000000.000002")
    stores.engine.dispose()
    with running_app(slack, f"sqlite:///file:{path}?mode=ro&uri=true", **FAST) as running:
        yield running


def test_a_read_only_database_refuses_cleanly_and_says_so(
        read_only: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    app = read_only
    answer = app.sender.command("cannot be saved")
    assert answer.status == 200 and "nothing was saved" in answer.json()["text"]
    reaction = app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL,
                                   ts="1700000000.000002")
    assert reaction.status == 503  # Slack will deliver it again
    assert score_of(app.stores, 1)["approvals"] == 0
    # a click cannot be delivered again by Slack: the person is told to click again
    idea = {"ts": "1700000000.000002", "thread_ts": "1700000000.000001"}
    click = app.sender.click(
        {"type": "feedback_buttons", "action_id": "idealoop_feedback", "value": "up",
         "block_id": "b", "action_ts": "1700000001.000001"}, user="U0BOB", channel=CHANNEL,
        message=idea, response_url=app.slack.new_response_url(channel=CHANNEL, user="U0BOB"))
    assert click.status == 503
    [told] = app.slack.wait_for("response_url")  # told after Slack has its answer
    assert "nothing was saved" in told.params["text"] and "Click again" in told.params["text"]
    assert score_of(app.stores, 1)["approvals"] == 0
    message = app.slack.state.post_message(CHANNEL, "<@U0BOT> summarise", user="U0ALICE")
    event = mention_event(user="U0ALICE", text=message["text"], channel=CHANNEL,
                          ts=message["ts"])
    # Slack's first delivery and its three re-deliveries: told of the first and the last.
    replies = [app.sender.event(event, event_id="EvRO", retry_num=n) for n in (None, 1, 2, 3)]
    assert [reply.status for reply in replies] == [503] * 4
    first, last = app.slack.state.ephemeral
    assert first["user"] == "U0ALICE" and "nothing was saved" in first["text"]
    assert "again in a minute or two" in first["text"]
    assert "nothing was saved" in last["text"] and "send me your request" not in last["text"]
    assert headers(app) == []
    assert "Traceback" not in caplog.text


def test_a_database_that_is_not_there(slack: SlackApiServer,
                                      caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2"
    with running_app(slack, url, **FAST) as app, caplog.at_level(logging.WARNING):
        assert "nothing was saved" in app.sender.command("no database").json()["text"]
        assert app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL,
                                   ts="1700000000.000002").status == 503
        top_url = slack.new_response_url(channel=CHANNEL, user="U0ALICE")
        assert app.sender.command("top", response_url=top_url).status == 200
        told = eventually(lambda: _only(slack.state.responses), timeout=10)
        assert "nothing was saved" in told["body"]["text"]
    assert "Traceback" not in caplog.text
