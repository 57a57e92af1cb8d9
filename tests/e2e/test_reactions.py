"""Reactions end to end: signed events → real app → signals in the database."""

from __future__ import annotations

import json

import pytest

from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, Transport, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.queries import score_of, signals_of
from testkit.waiting import eventually

CHANNEL = "C0GENERAL"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str, transport: Transport):
    llm.reply(json.dumps({"ideas": ["first idea", "second idea", "third idea"]}))
    with running_app(slack, db_url, transport=transport,
                     OPENAI_BASE_URL=llm.base_url) as running:
        reply = running.sender.command("anything")
        assert reply.status == 200
        assert running.deps.wait_quiet(timeout=10)  # the brainstorm finished
        yield running


def idea_ts(app: RunningApp, position: int) -> str:
    header = app.slack.calls_to("chat.postMessage")[0].response["ts"]
    return app.slack.state.thread(CHANNEL, header)[position]["ts"]


def score(app: RunningApp, position: int) -> dict[str, int]:
    """The item's tally plus `signals`: how many signal rows exist (proves events arrived)."""
    item = app.stores.signals.item_at(CHANNEL, idea_ts(app, position))
    assert item is not None
    return {**score_of(app.stores, item.id), "signals": len(signals_of(app.stores.engine, item.id))}


def _expect(tally: dict[str, int], **expected: int) -> None:
    assert {key: tally[key] for key in expected} == expected, tally


def react(app: RunningApp, position: int, user: str, emoji: str, *, added: bool = True,
          **kwargs) -> None:
    reply = app.sender.reaction(added=added, user=user, emoji=emoji, channel=CHANNEL,
                                ts=idea_ts(app, position), **kwargs)
    assert reply.status == 200


def test_approvals_and_rejections_count_distinct_people(app: RunningApp) -> None:
    react(app, 1, "U0ALICE", "+1")
    react(app, 1, "U0ALICE", "fire")
    react(app, 1, "U0BOB", "heart")
    react(app, 1, "U0CAROL", "-1")
    react(app, 2, "U0CAROL", "eyes")
    def settled() -> None:
        _expect(score(app, 1), approvals=2, rejections=1, neutral=0, score=1)
        _expect(score(app, 2), approvals=0, rejections=0, neutral=1, score=0)

    eventually(settled)


def test_skin_tones_count_as_their_base_emoji(app: RunningApp) -> None:
    react(app, 1, "U0ALICE", "+1::skin-tone-3")
    react(app, 1, "U0BOB", "-1::skin-tone-6")
    eventually(lambda: _expect(score(app, 1), approvals=1, rejections=1))
    item = app.stores.signals.item_at(CHANNEL, idea_ts(app, 1))
    assert {row["emoji"] for row in signals_of(app.stores.engine, item.id)} == {"+1", "-1"}


def test_removal_retracts_and_readding_counts_again(app: RunningApp) -> None:
    react(app, 1, "U0ALICE", "+1", event_ts="1800000001.000000")
    react(app, 1, "U0ALICE", "+1", added=False, event_ts="1800000002.000000")
    eventually(lambda: _expect(score(app, 1), approvals=0, signals=1))
    react(app, 1, "U0ALICE", "+1", event_ts="1800000003.000000")
    eventually(lambda: _expect(score(app, 1), approvals=1))


def test_out_of_order_deliveries_end_in_the_newest_state(app: RunningApp) -> None:
    react(app, 1, "U0ALICE", "+1", added=False, event_ts="1800000002.000000")
    react(app, 1, "U0ALICE", "+1", event_ts="1800000001.000000")
    eventually(lambda: _expect(score(app, 1), approvals=0, signals=1))


def test_retries_and_duplicates_have_no_second_effect(app: RunningApp) -> None:
    react(app, 1, "U0ALICE", "+1", event_id="EvAAA", event_ts="1800000001.000000")
    react(app, 1, "U0ALICE", "+1", added=False, event_id="EvBBB", event_ts="1800000002.000000")
    # Slack retries the first event (it thinks we missed it): it must not undo the removal.
    react(app, 1, "U0ALICE", "+1", event_id="EvAAA", event_ts="1800000001.000000", retry_num=1)
    react(app, 1, "U0ALICE", "+1", event_id="EvAAA", event_ts="1800000001.000000", retry_num=2)
    eventually(lambda: _expect(score(app, 1), approvals=0, signals=1))


def test_a_retry_that_is_the_first_delivery_seen_is_processed(app: RunningApp) -> None:
    react(app, 2, "U0BOB", "star", event_id="EvRETRY", retry_num=1)
    eventually(lambda: _expect(score(app, 2), approvals=1))


def test_reactions_on_other_messages_and_by_the_bot_are_ignored(app: RunningApp) -> None:
    header_ts = app.slack.calls_to("chat.postMessage")[0].response["ts"]
    human = app.slack.state.post_message(CHANNEL, "a human message", user="U0BOB")
    for ts in (header_ts, human["ts"]):
        reply = app.sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL, ts=ts)
        assert reply.status == 200
    react(app, 1, "U0BOT", "+1")
    react(app, 3, "U0CAROL", "eyes")  # a marker that is stored: the others were handled too
    eventually(lambda: _expect(score(app, 3), neutral=1))
    assert app.deps.wait_quiet()  # every delivery above has been handled
    assert all(score(app, n)["signals"] == 0 for n in (1, 2))
    assert [row["approvals"] for row in app.stores.reports.export_rows()] == [0, 0, 0]


def test_configured_emoji_sets_are_honoured(slack: SlackApiServer, llm: FakeOpenAI,
                                            sqlite_url: str) -> None:
    llm.reply(json.dumps({"ideas": ["only idea"]}))
    with running_app(slack, sqlite_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_APPROVE_EMOJI="rocket", IDEALOOP_REJECT_EMOJI="+1") as app:
        app.sender.command("custom emoji")
        app.slack.wait_for("chat.update", timeout=10)
        react(app, 1, "U0ALICE", "rocket")
        react(app, 1, "U0BOB", "+1")
        eventually(lambda: _expect(score(app, 1), approvals=1, rejections=1, score=0))
