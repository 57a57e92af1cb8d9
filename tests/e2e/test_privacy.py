"""Privacy end to end: `/brainstorm forget me` with its confirmation, `idealoop forget`,
the retention purge against the app's database, and redaction of thread text before it
reaches the LLM — over signed HTTP to the real app."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.emulator.shell import find_button
from bot.emulator.slack_requests import mention_event
from bot.emulator.web_api import SlackApiServer
from bot.privacy import Privacy
from storage.base import utcnow
from storage.privacy import PrivacyStore
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.processes import child_env

CHANNEL = "C0GENERAL"
BOT = "U0BOT"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    slack.state.streaming_refused = True
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05") as running:
        yield running


def brainstorm(app: RunningApp, llm: FakeOpenAI, topic: str, ideas: list[str],
               user: str = "U0ALICE") -> list[dict[str, Any]]:
    llm.reply(json.dumps({"ideas": ideas}))
    reply = app.sender.command(topic, user=user, response_url=app.slack.new_response_url())
    assert reply.status == 200
    assert app.deps.wait_quiet(timeout=20)
    header = app.slack.calls_to("chat.postMessage")[-len(ideas) - 1].response["ts"]
    return app.slack.state.thread(CHANNEL, header)[1:]


def react(app: RunningApp, message: dict[str, Any], user: str, emoji: str = "+1") -> None:
    assert app.sender.reaction(user=user, emoji=emoji, channel=CHANNEL,
                               ts=message["ts"]).status == 200
    assert app.deps.wait_quiet()


def mention(app: RunningApp, text: str, thread_ts: str, user: str = "U0ALICE") -> None:
    """`@idealoop <text>` in a thread, delivered as Slack does; waits for the answer."""
    message = app.slack.state.post_message(CHANNEL, f"<@{BOT}> {text}", user=user,
                                           thread_ts=thread_ts)
    assert app.sender.event(mention_event(user=user, text=message["text"], channel=CHANNEL,
                                          ts=message["ts"], thread_ts=thread_ts)).status == 200
    assert app.deps.wait_quiet(timeout=20)


def tallies(app: RunningApp) -> dict[str, tuple[int, int, str]]:
    return {row["text"]: (row["approvals"], row["rejections"], row["topic"])
            for row in app.stores.reports.export_rows()}


def ask_to_forget(app: RunningApp, user: str) -> list[dict[str, Any]]:
    reply = app.sender.command("forget me", user=user)
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert "*Forget me?*" in answer["text"] and "stay in Slack" in answer["text"]
    return answer["blocks"]


def press(app: RunningApp, shown: list[dict[str, Any]], name: str, user: str) -> int:
    button = find_button({"blocks": shown}, name)
    assert button is not None
    url = app.slack.new_response_url(channel=CHANNEL, user=user)
    reply = app.sender.click(button, user=user, channel=CHANNEL,
                             message={"ts": "1700000000.000100"}, response_url=url,
                             ephemeral=True)
    assert app.deps.wait_quiet()
    return reply.status


def test_forget_me_asks_first_then_removes_that_persons_signals_and_words(
        app: RunningApp, llm: FakeOpenAI) -> None:
    walking, async_updates = brainstorm(app, llm, "standups at 10:15",
                                        ["Walking standups", "Async updates"])
    bobs = brainstorm(app, llm, "faster reviews", ["Pair reviews"], user="U0BOB")
    react(app, walking, "U0ALICE")
    react(app, walking, "U0BOB")
    react(app, async_updates, "U0ALICE", "-1")
    react(app, bobs[0], "U0ALICE")

    shown = ask_to_forget(app, "U0ALICE")
    assert press(app, shown, "cancel", "U0ALICE") == 200
    assert app.slack.calls_to("response_url")[-1].params["text"] == "Nothing was removed."
    assert tallies(app)["Walking standups"] == (2, 0, "standups at 10:15")

    assert press(app, ask_to_forget(app, "U0ALICE"), "forget", "U0ALICE") == 200
    outcome = app.slack.calls_to("response_url")[-1].params
    assert outcome["replace_original"] is True
    assert outcome["text"] == ("Done: idealoop has forgotten you. Removed 3 reactions and "
                               "clicks, 1 brainstorm topic, 0 draft texts, 0 channel "
                               "guidances. Anything you do from now on is counted again.")
    after = tallies(app)
    assert after["Walking standups"] == (1, 0, "")  # Bob's approval stays; her topic goes
    assert after["Async updates"] == (0, 0, "")
    assert after["Pair reviews"] == (0, 0, "faster reviews")
    why = app.sender.command("why", user="U0ALICE").json()["text"]
    assert why.startswith("You have not asked for a brainstorm in this channel yet")


def test_a_draft_asked_for_is_forgotten_with_the_person_who_asked(
        app: RunningApp, llm: FakeOpenAI) -> None:
    root = app.slack.state.post_message(CHANNEL, "Standups move to 10:15 from Monday",
                                        user="U0ALICE")
    llm.reply("Polished: standups move to 10:15 from Monday.")
    mention(app, "polish", root["ts"])
    assert "Polished: standups" in json.dumps([row["text"] for row in
                                               app.stores.reports.export_rows()])
    assert press(app, ask_to_forget(app, "U0ALICE"), "forget", "U0ALICE") == 200
    assert "1 draft text" in app.slack.calls_to("response_url")[-1].params["text"]
    [row] = app.stores.reports.export_rows()
    assert row["text"] == "" and row["purged"] is True and row["kind"] == "polish"


def test_the_operator_forgets_a_person_from_the_command_line(
        app: RunningApp, llm: FakeOpenAI, db_url: str) -> None:
    [idea] = brainstorm(app, llm, "standups", ["Walking standups"])
    react(app, idea, "U0BOB")
    # this tree's code first on the path: the child runs the code (and migrations) under test
    env = {**child_env(DATABASE_URL=db_url), "PATH": "/usr/bin:/bin"}
    refused = subprocess.run([sys.executable, "-m", "bot.cli", "forget", "--user", "bob"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--user takes a Slack user id" in refused.stderr
    done = subprocess.run([sys.executable, "-m", "bot.cli", "forget", "--user", "U0BOB",
                           "--yes"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "idealoop: forgetting U0BOB in every workspace: every channel, every date",
        "idealoop: Done: idealoop has forgotten U0BOB. Removed 1 reaction or click, 0 "
        "brainstorm topics, 0 draft texts, 0 channel guidances."]
    assert tallies(app)["Walking standups"] == (0, 0, "standups")


def test_retention_purges_old_words_once_a_day_and_people_see_it(
        app: RunningApp, llm: FakeOpenAI) -> None:
    walking, _ = brainstorm(app, llm, "standups", ["Walking standups", "Async updates"])
    react(app, walking, "U0BOB")
    later = utcnow() + timedelta(days=31)
    settings = Settings(retention_days=30)
    replicas = [Privacy(settings, PrivacyStore(app.stores.engine, clock=lambda: later),
                        owner=f"replica-{n}", clock=lambda: later) for n in range(2)]
    first, second = (replica.purge_if_due() for replica in replicas)
    assert first is not None and first.items == 2 and first.brainstorms == 1
    assert second is None  # the other replica found today's purge done

    [row, _] = app.stores.reports.export_rows()
    assert (row["text"], row["topic"], row["approvals"], row["purged"]) == ("", "", 1, True)
    app.sender.command("top all", response_url=app.slack.new_response_url())
    assert app.deps.wait_quiet()
    top = app.slack.calls_to("response_url")[-1].params
    assert "no approved ideas" in top["text"].lower(), top["text"]
    stats = app.sender.command("stats").json()["text"]
    assert "2 posted, 1 judged (50%) — 1 approved, 0 rejected" in stats  # counts stay
    # A click on an idea whose words are gone says so instead of drafting nothing.
    message = app.slack.state.get_message(CHANNEL, walking["ts"])
    button = find_button(message, "draft")
    assert button is not None
    app.sender.click(button, user="U0BOB", channel=CHANNEL, message=message,
                     response_url=app.slack.new_response_url(channel=CHANNEL, user="U0BOB"))
    assert app.deps.wait_quiet()
    assert "no longer kept" in app.slack.calls_to("response_url")[-1].params["text"]
    assert len(llm.requests) == 1


def test_redaction_hides_contact_and_card_details_from_the_llm(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    slack.state.streaming_refused = True
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_REDACT="1") as app:
        root = app.slack.state.post_message(
            CHANNEL, "Refund the customer: card 4111 1111 1111 1111, call +44 20 7946 0958",
            user="U0BOB")
        app.slack.state.post_message(CHANNEL, "Their address is jane.doe@example.com",
                                     user="U0CAROL", thread_ts=root["ts"])
        llm.reply("Summary: refund agreed.")
        mention(app, "summarise for ops@example.org", root["ts"])
        sent = json.dumps(llm.requests[-1]["body"]["messages"])
        for secret in ("4111", "7946", "jane.doe", "ops@example.org"):
            assert secret not in sent
        assert "[card]" in sent and "[phone]" in sent and sent.count("[email]") == 2
        assert "Refund the customer" in sent  # the rest of the thread is there


# One of each kind issue 21 measured reaching the LLM, as people write them in Slack.
TEL_LINK = "<tel:+14155550132|+1 415 555 0132>"
IBAN = "DE89 3704 0044 0532 0130 00"
PERSONAL = f"josé@exämple.de, 030/12345678, {TEL_LINK}, card 4111.1111.1111.1111, {IBAN}"
TRACES = ("josé", "exämple", "12345678", "4155550132", "415 555 0132", "4111", "DE89",
          "3704 0044")


def test_redaction_hides_personal_data_in_guidance_topics_and_seeds_from_the_llm(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    slack.state.streaming_refused = True
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_REDACT="1") as app:
        guided = app.sender.command(f"guide Answer our partner: {PERSONAL}", user="U0CAROL")
        assert "030/12345678" in guided.json()["text"]  # shown as typed
        ideas = brainstorm(app, llm, f"refunds for {PERSONAL}",
                           ["Call 030/12345678 before refunding", f"Refund to {IBAN} today"])
        react(app, ideas[0], "U0BOB")  # approved: it steers the next brainstorm
        more = find_button(ideas[1], "more")
        assert more is not None
        llm.reply(json.dumps({"ideas": ["Refund within a day"]}))
        app.sender.click(more, user="U0BOB", channel=CHANNEL, message=ideas[1],
                         response_url=app.slack.new_response_url(channel=CHANNEL, user="U0BOB"))
        assert app.deps.wait_quiet(timeout=20)
        brainstorm(app, llm, "refunds, again", ["Refund faster"])

        assert len(llm.requests) == 3
        sent = json.dumps([request["body"] for request in llm.requests], ensure_ascii=False)
        for trace in TRACES:
            assert trace not in sent
        last = llm.requests[-1]["body"]["messages"][-1]["content"]
        assert "Answer our partner: [email], [phone], [phone], card [card], [iban]" in last
        assert "- Call [phone] before refunding" in last  # the approved idea, redacted
        seeded = llm.requests[1]["body"]["messages"][-1]["content"]
        assert "more ideas like this one" in seeded and "Refund to [iban] today" in seeded
        # Only what is sent is redacted: Slack shows, and the database keeps, what was typed.
        posted = json.dumps([call.params for call in app.slack.calls_to("chat.postMessage")],
                            ensure_ascii=False)
        assert "030/12345678" in posted and IBAN in posted
        assert any("030/12345678" in row["topic"] for row in app.stores.reports.export_rows())
