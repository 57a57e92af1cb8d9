"""Decisions end to end (issue 25): "Decide…" on an idea opens a modal (`views.open` with
the click's trigger), its submission is stored before Slack is answered and announced in
the idea's thread; a wrong form or a database that is away keeps the modal open with the
reason under the field; the owner's reminder comes once, and its buttons close the
decision and update the message. Signed HTTP requests to the real Bolt app, the emulated
Slack Web API and the fake LLM."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import digest_poster, remind_due
from bot.emulator.shell import find_button
from bot.emulator.slack_requests import TEAM, home_opened_event
from bot.emulator.web_api import SlackApiServer
from storage.brainstorms import NewBrainstorm
from storage.db import make_engine
from storage.decisions import NewDecision
from storage.stores import Stores
from testkit.app import RunningApp, running_app
from testkit.databases import migrate
from testkit.fake_openai import FakeOpenAI
from testkit.faults import inserts_refused
from testkit.processes import child_env, idealoop
from testkit.waiting import wait_until
from tests.e2e.test_brainstorm import CHANNEL, brainstorm, thread_replies

ALICE, BOB, CAROL, DAN = "U0ALICE", "U0BOB", "U0CAROL", "U0DAN"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as running:
        yield running


def an_idea(app: RunningApp, llm: FakeOpenAI) -> tuple[str, dict[str, Any]]:
    llm.reply(json.dumps({"ideas": ["Walking standups <!channel>", "Async updates"]}))
    header_ts = brainstorm(app, "standups")
    return header_ts, thread_replies(app, header_ts)[0]


def open_decide(app: RunningApp, message: dict[str, Any], user: str = ALICE) \
        -> dict[str, Any]:
    """Click "Decide…" on `message`; the modal Slack opened."""
    action = find_button(message, "decide")
    assert action is not None, "no Decide… button"
    opened = len(app.slack.calls_to("views.open"))
    reply = app.sender.click(action, user=user, channel=CHANNEL, message=message,
                             response_url=app.slack.new_response_url(channel=CHANNEL,
                                                                     user=user))
    assert reply.status == 200
    calls = app.slack.calls_to("views.open")
    assert len(calls) == opened + 1 and calls[-1].response["ok"], calls[-1].response
    return calls[-1].response["view"]


def values(text: str | None = "Walk at ten", owner: str | None = BOB,
           due: str | None = None, note: str | None = "Try it for a month") -> dict[str, Any]:
    return {"decision": text, "owner": owner,
            "due": due or (date.today() + timedelta(days=3)).isoformat(), "note": note}


def test_decide_opens_a_prefilled_modal_stores_once_and_announces_in_the_thread(
        app: RunningApp, llm: FakeOpenAI) -> None:
    header_ts, idea = an_idea(app, llm)
    modal = open_decide(app, idea)
    assert modal["callback_id"] == "idealoop_decide_modal"
    inputs = {block["block_id"]: block["element"] for block in modal["blocks"]
              if block["type"] == "input"}
    assert inputs["decision"]["initial_value"] == "Walking standups <!channel>"
    assert inputs["owner"]["type"] == "users_select" and inputs["owner"]["initial_user"] == ALICE
    assert inputs["due"]["type"] == "datepicker"

    reply = app.sender.submit(modal, values("Walking standups, <!here> from Monday"),
                              user=ALICE)
    assert reply.status == 200 and reply.body == ""  # the modal closes
    stored = app.stores.decisions.export_rows()  # stored before the answer
    assert [(d.text, d.decider, d.owner, d.status) for d in stored] == [
        ("Walking standups, <!here> from Monday", ALICE, BOB, "planned")]
    app.deps.wait_quiet()
    said = [call.params for call in app.slack.calls_to("chat.postMessage")
            if "recorded a decision" in call.params.get("text", "")]
    assert len(said) == 1 and said[0]["thread_ts"] == header_ts
    shown = json.dumps(said[0]["blocks"])
    assert f"<@{ALICE}>" in shown and f"<@{BOB}>" in shown
    assert "<!here>" not in shown and "&lt;!here&gt;" in shown  # no ping from the text

    # the same submission delivered again stores and announces nothing more
    assert app.sender.submit(modal, values("Another"), user=ALICE).status == 200
    app.deps.wait_quiet()
    assert len(app.stores.decisions.export_rows()) == 1
    assert sum("recorded a decision" in call.params.get("text", "")
               for call in app.slack.calls_to("chat.postMessage")) == 1
    # a decision is the decider's strong approval of the idea
    row = next(r for r in app.stores.reports.export_rows()
               if r["text"].startswith("Walking standups"))
    assert (row["approvals"], row["score"]) == (1, 1)


@pytest.mark.database_matters  # a trigger that raises needs PostgreSQL
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_decision_whose_approval_cannot_be_stored_is_not_stored_either(
        app: RunningApp, llm: FakeOpenAI, db_url: str) -> None:
    """The database goes away between the decision and the decider's approval of the
    idea (the signal's INSERT refused): the modal says nothing was saved, and indeed
    nothing was, nor announced; the same submission again stores both."""
    _, idea = an_idea(app, llm)
    modal = open_decide(app, idea)
    with inserts_refused(db_url, "signals"):
        answer = app.sender.submit(modal, values(), user=ALICE)
        assert answer.status == 200 and answer.json()["response_action"] == "errors"
        assert "nothing was saved" in answer.json()["errors"]["decision"]
    app.deps.wait_quiet()
    assert app.stores.decisions.export_rows() == []
    assert not [c for c in app.slack.calls_to("chat.postMessage")
                if "recorded a decision" in c.params.get("text", "")]
    assert app.sender.submit(modal, values(), user=ALICE).status == 200
    app.deps.wait_quiet()
    assert len(app.stores.decisions.export_rows()) == 1
    row = next(r for r in app.stores.reports.export_rows()
               if r["text"].startswith("Walking standups"))
    assert row["approvals"] == 1


@pytest.mark.parametrize(("form", "field", "said"), [
    (values(text="  "), "decision", "Say what was decided."),
    (values(owner=None), "owner", "Pick who owns this decision."),
    (values(due="2020-01-01"), "due", "Pick a date from today"),
    (values(due="next week"), "due", "That is not a date"),
    (values(note="x" * 1001), "note", "Keep the note under 1,000 characters."),
])
def test_a_wrong_form_stays_open_with_the_reason_under_its_field(
        app: RunningApp, llm: FakeOpenAI, form: dict[str, Any], field: str, said: str) -> None:
    _, idea = an_idea(app, llm)
    modal = open_decide(app, idea)
    answer = app.sender.submit(modal, form, user=ALICE).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [field] and answer["errors"][field].startswith(said)
    assert app.stores.decisions.export_rows() == []


def read_only_with_a_decision(slack: SlackApiServer, tmp_path: Path) -> tuple[str, int]:
    """A database with a posted idea and a decision on it, to be opened read-only."""
    path = tmp_path / "ro.db"
    stores = Stores.open(make_engine(migrate(f"sqlite:///{path}")), team=TEAM)
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel=CHANNEL, requester=ALICE, topic="kept", model="m", ideas=["an idea"],
        header_ts="1700000000.000001"))
    assert saved is not None
    stores.brainstorms.mark_posted(saved.item_ids[0], "1700000000.000002")
    decision, _ = stores.decisions.save(NewDecision(
        channel=CHANNEL, item_id=saved.item_ids[0], thread_ts="1700000000.000001",
        view_id="V0", text="Walk at ten", decider=ALICE, owner=BOB, due=date.today()))
    stores.engine.dispose()
    return f"sqlite:///file:{path}?mode=ro&uri=true", decision.id


def test_a_database_away_keeps_the_modal_open_and_says_so(slack: SlackApiServer,
                                                          tmp_path: Path) -> None:
    """A read-only database: the modal opens (a read), the submission cannot be stored, so
    the modal stays open saying so, and Slack got no promise."""
    url, _ = read_only_with_a_decision(slack, tmp_path)
    idea = {"ts": "1700000000.000002", "thread_ts": "1700000000.000001",
            "blocks": [{"type": "actions", "block_id": "b", "elements": [
                {"type": "button", "action_id": "idealoop_decide", "value": "1",
                 "text": {"type": "plain_text", "text": "Decide…"}}]}]}
    with running_app(slack, url) as app:
        modal = open_decide(app, idea)
        answer = app.sender.submit(modal, values(), user=ALICE)
        assert answer.status == 200 and answer.json()["response_action"] == "errors"
        assert "nothing was saved" in answer.json()["errors"]["decision"]
        assert len(app.stores.decisions.export_rows()) == 1  # only the one from before


def test_a_reminder_click_the_database_cannot_store_is_said_and_answered_503(
        slack: SlackApiServer, tmp_path: Path) -> None:
    url, decision_id = read_only_with_a_decision(slack, tmp_path)
    reminder = {"ts": "1700000001.000001", "blocks": [
        {"type": "actions", "block_id": "b", "elements": [
            {"type": "button", "action_id": "idealoop_decision_done",
             "value": str(decision_id), "text": {"type": "plain_text", "text": "Done"}}]}]}
    with running_app(slack, url) as app:
        action = find_button(reminder, "done")
        assert action is not None
        reply = app.sender.click(action, user=BOB, channel="D0BOB", message=reminder,
                                 response_url=app.slack.new_response_url(channel="D0BOB",
                                                                         user=BOB))
        assert reply.status == 503  # not a promise: the person clicks again
        # told after Slack has its answer (a slow response URL must not hold it)
        told = app.slack.wait_for("response_url")[-1].params["text"]
        assert "nothing was saved" in told and "Click again" in told
        stored = app.stores.decisions.get(decision_id)
        assert stored is not None and stored.status == "planned"


def test_decide_on_a_message_that_is_no_idea_is_refused_privately(app: RunningApp,
                                                                 llm: FakeOpenAI) -> None:
    header_ts, idea = an_idea(app, llm)
    forged = {**idea, "ts": header_ts}  # the header is not an item
    action = find_button(idea, "decide")
    assert action is not None
    app.sender.click(action, user=ALICE, channel=CHANNEL, message=forged,
                     response_url=app.slack.new_response_url(channel=CHANNEL, user=ALICE))
    app.deps.wait_quiet()
    assert not app.slack.calls_to("views.open")
    assert "ideas and drafts" in app.slack.calls_to("response_url")[-1].params["text"]


def test_an_expired_trigger_opens_nothing(app: RunningApp, llm: FakeOpenAI) -> None:
    _, idea = an_idea(app, llm)
    action = find_button(idea, "decide")
    assert action is not None
    app.sender.click(action, user=ALICE, channel=CHANNEL, message=idea,
                     trigger_id="1000.1.abc",  # issued long ago
                     response_url=app.slack.new_response_url(channel=CHANNEL, user=ALICE))
    app.deps.wait_quiet()
    assert app.slack.calls_to("views.open")[-1].response["error"] == "expired_trigger_id"
    assert "Click *Decide…* again" in app.slack.calls_to("response_url")[-1].params["text"]


def decided(app: RunningApp, llm: FakeOpenAI, due: date) -> int:
    _, idea = an_idea(app, llm)
    modal = open_decide(app, idea)
    assert app.sender.submit(modal, values(due=due.isoformat()), user=ALICE).body == ""
    [decision] = app.stores.decisions.export_rows()
    return decision.id


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def reminders(app: RunningApp) -> list[Any]:
    return [call for call in app.slack.calls_to("chat.postMessage")
            if call.params.get("text", "").startswith(":alarm_clock:")]


def test_the_owner_is_reminded_once_on_the_due_date_and_done_closes_it(
        app: RunningApp, llm: FakeOpenAI) -> None:
    due = date.today() + timedelta(days=2)
    decision_id = decided(app, llm, due)
    tick = remind_due(app.deps)
    assert tick(at(due - timedelta(days=1), 12)) == 0
    assert tick(at(due, 8)) == 0  # reminders go out at 09:00 (IDEALOOP_TIMEZONE: UTC)
    assert tick(at(due, 9)) == 1
    app.deps.wait_quiet()
    assert wait_until(lambda: len(reminders(app)) == 1, 10)
    [sent] = reminders(app)
    assert sent.params["channel"] == "D0BOB" and sent.response["channel"] == "D0BOB"
    assert tick(at(due, 10)) == 0 and tick(at(due + timedelta(days=1), 9)) == 0
    stored = app.stores.decisions.get(decision_id)
    assert stored is not None and stored.reminded_on == due
    assert stored.reminder_ts == sent.response["ts"]

    message = app.slack.state.get_message("D0BOB", sent.response["ts"])
    url = app.slack.new_response_url(channel="D0BOB", user=BOB,
                                     message_ts=sent.response["ts"])
    action = find_button(message, "done")
    assert action is not None
    assert app.sender.click(action, user=BOB, channel="D0BOB", message=message,
                            response_url=url).status == 200
    closed = app.stores.decisions.get(decision_id)
    assert closed is not None and (closed.status, closed.closed_by) == ("done", BOB)
    app.deps.wait_quiet()
    after = app.slack.state.get_message("D0BOB", sent.response["ts"])
    assert "Marked done" in after["text"]
    assert find_button(after, "done") is None  # the buttons are gone
    # the same click delivered again changes nothing
    assert app.sender.click(action, user=BOB, channel="D0BOB", message=message,
                            response_url=url).status == 200
    app.deps.wait_quiet()
    assert "already closed" in app.slack.state.get_message("D0BOB", sent.response["ts"])[
        "text"]


def test_snooze_a_week_reminds_again_a_week_later(app: RunningApp, llm: FakeOpenAI) -> None:
    due = date.today()
    decision_id = decided(app, llm, due)
    tick = remind_due(app.deps)
    assert tick(at(due, 9)) == 1
    app.deps.wait_quiet()
    assert wait_until(lambda: len(reminders(app)) == 1, 10)
    [sent] = reminders(app)
    message = app.slack.state.get_message("D0BOB", sent.response["ts"])
    action = find_button(message, "snooze")
    assert action is not None
    app.sender.click(action, user=BOB, channel="D0BOB", message=message,
                     response_url=app.slack.new_response_url(
                         channel="D0BOB", user=BOB, message_ts=sent.response["ts"]))
    snoozed = app.stores.decisions.get(decision_id)
    assert snoozed is not None and snoozed.remind_on == due + timedelta(days=7)
    assert tick(at(due + timedelta(days=6), 12)) == 0
    assert tick(at(due + timedelta(days=7), 9)) == 1
    app.deps.wait_quiet()
    assert wait_until(lambda: len(reminders(app)) == 2, 10)


def nine_in(zone: str, day: date) -> datetime:
    """09:00 of `day` in `zone`, in UTC."""
    return datetime.combine(day, time(9), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_each_owner_is_reminded_at_nine_in_their_own_time_zone(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    """Owners in Los Angeles and Tokyo, and one Slack says no zone for: each reminder
    comes at 09:00 of the due date where its owner lives (Slack's `users.info` `tz`),
    the last at 09:00 in IDEALOOP_TIMEZONE (here Paris); each once."""
    slack.state.set_zone(BOB, "America/Los_Angeles")
    slack.state.set_zone(CAROL, "Asia/Tokyo")
    slack.state.add_user(DAN, "dan")
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_TIMEZONE="Europe/Paris") as app:
        due = date.today() + timedelta(days=3)
        llm.reply(json.dumps({"ideas": ["Walking standups", "Async updates", "Demo day"]}))
        ideas = thread_replies(app, brainstorm(app, "standups"))
        owners = {}
        for idea, owner in zip(ideas, (BOB, CAROL, DAN), strict=True):
            if owner == DAN:  # Slack does not say where dan lives (asked again: no)
                slack.fail("users.info", error="user_not_found", times=2)
            modal = open_decide(app, idea)
            form = values(owner=owner, due=due.isoformat())
            assert app.sender.submit(modal, form, user=ALICE).body == ""
            owners[owner] = next(d for d in app.stores.decisions.export_rows()
                                 if d.owner == owner)
        assert owners[BOB].owner_tz == "America/Los_Angeles"
        assert owners[CAROL].owner_tz == "Asia/Tokyo" and owners[DAN].owner_tz is None
        app.deps.wait_quiet()
        tick = remind_due(app.deps)
        second = timedelta(seconds=1)
        moments = sorted([(nine_in("Asia/Tokyo", due), CAROL),
                          (nine_in("Europe/Paris", due), DAN),
                          (nine_in("America/Los_Angeles", due), BOB)])
        for n, (moment, owner) in enumerate(moments, start=1):
            assert tick(moment - second) == 0, owner
            assert tick(moment) == 1, owner
            assert tick(moment + second) == 0, owner  # once
            app.deps.wait_quiet()
            assert wait_until(lambda n=n: len(reminders(app)) == n, 10)
            assert reminders(app)[-1].params["channel"] == "D" + owner[1:]
        assert tick(nine_in("America/Los_Angeles", due) + timedelta(days=1)) == 0


def test_a_zone_slack_was_slow_to_give_is_asked_again_once_the_decision_is_stored(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    """Slack answers `users.info` too late for the modal (over its one second): the
    decision is stored without a zone, and the announcement's work asks again, so the
    reminder still comes at 09:00 where the owner lives."""
    slack.state.set_zone(CAROL, "Asia/Tokyo")
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_TIMEZONE="Europe/Paris") as app:
        due = date.today() + timedelta(days=3)
        llm.reply(json.dumps({"ideas": ["Walking standups", "Async updates", "Demo day"]}))
        idea = thread_replies(app, brainstorm(app, "standups"))[0]
        modal = open_decide(app, idea)
        slack.fail("users.info", delay=1.5)  # longer than the submission waits
        assert app.sender.submit(modal, values(owner=CAROL, due=due.isoformat()),
                                 user=ALICE).body == ""
        app.deps.wait_quiet()

        def zone() -> str | None:
            [decision] = app.stores.decisions.export_rows()
            return decision.owner_tz

        assert wait_until(lambda: zone() == "Asia/Tokyo", 10)
        tick = remind_due(app.deps)
        assert tick(nine_in("Asia/Tokyo", due) - timedelta(seconds=1)) == 0
        assert tick(nine_in("Asia/Tokyo", due)) == 1
        app.deps.wait_quiet()
        assert wait_until(lambda: len(reminders(app)) == 1, 10)


@pytest.mark.database_matters
def test_two_replicas_remind_once(slack: SlackApiServer, llm: FakeOpenAI, db_url: str,
                                  app: RunningApp) -> None:
    slack.state.set_zone(BOB, "Asia/Tokyo")  # the owner's 09:00 is 00:00 UTC
    due = date.today() + timedelta(days=1)
    decided(app, llm, due)
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as other:
        ticks = [remind_due(app.deps), remind_due(other.deps)]
        with ThreadPoolExecutor(4) as pool:
            accepted = list(pool.map(lambda n: ticks[n % 2](nine_in("Asia/Tokyo", due)),
                                     range(8)))
        app.deps.wait_quiet()
        other.deps.wait_quiet()
    assert sum(accepted) == 1
    assert wait_until(lambda: len(reminders(app)) == 1, 10)


def test_home_digest_and_export_show_the_decision(app: RunningApp, llm: FakeOpenAI,
                                                  db_url: str, tmp_path: Path) -> None:
    due = date.today() + timedelta(days=2)
    decided(app, llm, due)
    assert app.sender.event(home_opened_event(BOB)).status == 200
    app.deps.wait_quiet()
    home = json.dumps(app.slack.state.home_views[BOB]["blocks"], ensure_ascii=False)
    assert "Your decisions" in home and "Walk at ten" in home and "Due this week" in home
    assert home.count("Walk at ten") == 2  # owned by Bob, due within the week
    poster = digest_poster(app.deps)
    slot = app.deps.for_team(TEAM).digests.slot_for(CHANNEL, "day", "UTC")
    assert poster.post(slot.forced(datetime.now(UTC) + timedelta(minutes=1))).status == \
        "posted"
    digest = app.slack.calls_to("chat.postMessage")[-1].params
    shown = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "Decided this period" in shown and "Walk at ten" in shown
    assert "<@" not in shown  # named, not mentioned
    env = child_env(DATABASE_URL=db_url)
    jsonl = idealoop("export", "--decisions", env=env, cwd=tmp_path)
    assert jsonl.returncode == 0, jsonl.stderr
    lines = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [(d["text"], d["decider"], d["owner"], d["status"], d["due"], d["item_kind"])
            for d in lines] == [("Walk at ten", ALICE, BOB, "planned", due.isoformat(), "idea")]
    table = idealoop("export", "--decisions", "--format", "csv", env=env, cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["text"], r["owner"], r["note"]) for r in rows] == [
        ("Walk at ten", BOB, "Try it for a month")]


def test_a_decided_idea_leads_the_next_brainstorm_and_is_named_as_decided(
        app: RunningApp, llm: FakeOpenAI) -> None:
    llm.reply(json.dumps({"ideas": ["Walking standups", "Async updates", "Timebox"]}))
    walking, async_updates, _ = thread_replies(app, brainstorm(app, "standups"))
    app.sender.reaction(user=BOB, emoji="+1", channel=CHANNEL, ts=async_updates["ts"])
    app.sender.reaction(user="U0CAROL", emoji="+1", channel=CHANNEL, ts=async_updates["ts"])
    modal = open_decide(app, walking)
    assert app.sender.submit(modal, values("Walking standups"), user=ALICE).body == ""
    app.deps.wait_quiet()
    llm.reply(json.dumps({"ideas": ["Standing desks"]}))
    header_ts = brainstorm(app, "standups again")
    app.deps.wait_quiet()
    header = json.dumps(app.slack.state.get_message(CHANNEL, header_ts)["blocks"],
                        ensure_ascii=False)
    assert "Steered by 2 approved ideas (1 decided)" in header
    # the decided idea (one approval) leads the approved ones (two approvals)
    prompt = json.dumps(llm.requests[-1], ensure_ascii=False)
    assert prompt.index("Walking standups") < prompt.index("Async updates")
    why = app.sender.command("why").json()
    shown = json.dumps(why, ensure_ascii=False)
    assert "Walking standups _(decided: the team made a decision on it)_" in shown
    assert "Async updates _(decided" not in shown


def test_an_announcement_slack_refused_for_a_moment_is_posted_once_later(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_WORK_LEASE="1") as app:
        _, idea = an_idea(app, llm)
        modal = open_decide(app, idea)
        slack.fail("chat.postMessage", status=503, times=1)
        assert app.sender.submit(modal, values(), user=ALICE).body == ""
        assert wait_until(lambda: all(d.announced_ts for d in
                                      app.stores.decisions.export_rows()), 20)
        app.deps.wait_quiet()
        said = [call for call in slack.calls_to("chat.postMessage")
                if "recorded a decision" in call.params.get("text", "") and call.response
                and call.response.get("ok")]
        assert len(said) == 1


def test_a_decision_whose_announcement_was_lost_is_announced_by_the_tick(
        app: RunningApp, llm: FakeOpenAI) -> None:
    _, idea = an_idea(app, llm)
    item = app.stores.signals.item_at(CHANNEL, idea["ts"])
    assert item is not None
    stored, _ = app.stores.decisions.save(NewDecision(  # as if the process died right here
        channel=CHANNEL, item_id=item.id, thread_ts=idea["thread_ts"], view_id="VLOST",
        text="Walk at ten", decider=ALICE, owner=BOB, due=date.today()))
    tick = remind_due(app.deps)
    tick(datetime.now(UTC))  # too fresh: its own work may still be running
    app.deps.wait_quiet()
    assert app.stores.decisions.get(stored.id).announced_ts is None  # type: ignore[union-attr]
    tick(datetime.now(UTC) + timedelta(minutes=1))
    tick(datetime.now(UTC) + timedelta(minutes=2))
    app.deps.wait_quiet()
    said = [call for call in app.slack.calls_to("chat.postMessage")
            if "recorded a decision" in call.params.get("text", "")]
    assert len(said) == 1 and said[0].params["thread_ts"] == idea["thread_ts"]
    announced = app.stores.decisions.get(stored.id)
    assert announced is not None and announced.announced_ts == said[0].response["ts"]


def test_decide_in_a_channel_idealoop_does_not_work_in_is_refused(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_CHANNELS="C0OTHER") as app:
        stores = app.stores.for_team(TEAM)
        saved = stores.brainstorms.save_brainstorm(NewBrainstorm(  # from before the list
            channel=CHANNEL, requester=ALICE, topic="kept", model="m", ideas=["an idea"],
            header_ts="1700000000.000001"))
        assert saved is not None
        stores.brainstorms.mark_posted(saved.item_ids[0], "1700000000.000002")
        idea = {"ts": "1700000000.000002", "thread_ts": "1700000000.000001",
                "blocks": [{"type": "actions", "block_id": "b", "elements": [
                    {"type": "button", "action_id": "idealoop_decide", "value": "1",
                     "text": {"type": "plain_text", "text": "Decide…"}}]}]}
        action = find_button(idea, "decide")
        assert action is not None
        reply = app.sender.click(action, user=ALICE, channel=CHANNEL, message=idea,
                                 response_url=app.slack.new_response_url(channel=CHANNEL,
                                                                         user=ALICE))
        assert reply.status == 200
        app.deps.wait_quiet()
        assert not app.slack.calls_to("views.open")
        assert "not enabled in this channel" in app.slack.calls_to("response_url")[-1].params[
            "text"]
        # a submission forged for that channel stores nothing either
        modal = {"type": "modal", "id": "VFORGED", "callback_id": "idealoop_decide_modal",
                 "private_metadata": json.dumps({"c": CHANNEL, "m": idea["ts"]}),
                 "blocks": []}
        answer = app.sender.submit(modal, values(), user=ALICE).json()
        assert "not enabled in this channel" in answer["errors"]["decision"]
        assert stores.decisions.export_rows() == []


@pytest.mark.slack_refusals("user_not_found")
def test_a_reminder_slack_refuses_for_good_is_not_tried_again(app: RunningApp,
                                                              llm: FakeOpenAI) -> None:
    _, idea = an_idea(app, llm)
    modal = open_decide(app, idea)
    due = date.today()
    assert app.sender.submit(modal, values(owner="U0GHOST", due=due.isoformat()),
                             user=ALICE).body == ""  # someone Slack does not know (any more)
    tick = remind_due(app.deps)
    assert tick(at(due, 9)) == 1
    app.deps.wait_quiet()
    [decision] = app.stores.decisions.export_rows()

    def reminded_on() -> date | None:
        stored = app.stores.decisions.get(decision.id)
        return stored.reminded_on if stored else None

    assert wait_until(lambda: reminded_on() == due, 10)
    assert reminders(app) == []
    assert tick(at(due + timedelta(days=2), 9)) == 0


def test_decide_over_socket_mode_answers_in_the_envelope_ack(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    """The Decide flow over Socket Mode, as `serve` runs with SLACK_APP_TOKEN. A
    `view_submission` envelope accepts a response payload (`accepts_response_payload`),
    and what an HTTP answer's body would say goes in the ack instead:
    `{"envelope_id": …, "payload": {"response_action": "errors", "errors": {…}}}`
    (https://docs.slack.dev/apis/events-api/using-socket-mode/, "Acknowledge events":
    the payload of the ack is the response; for modals, https://docs.slack.dev/surfaces/
    modals/ "Displaying errors in views"). A wrong form keeps the modal open that way; a
    right one is acked empty (the modal closes) only once it is stored; the same
    submission delivered again stores and announces nothing more."""
    with running_app(slack, db_url, transport="socket_mode", OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as app:
        assert app.link is not None
        _, idea = an_idea(app, llm)
        modal = open_decide(app, idea)

        wrong = app.sender.submit(modal, values(due="2020-01-01"), user=ALICE)
        ack = app.link.acks()[-1]
        assert wrong.status == 200 and ack.payload is not None
        assert set(ack.payload) == {"response_action", "errors"}
        assert ack.payload["response_action"] == "errors"
        assert list(ack.payload["errors"]) == ["due"]
        assert ack.payload["errors"]["due"].startswith("Pick a date from today")
        assert wrong.json() == ack.payload
        assert app.stores.decisions.export_rows() == []

        right = app.sender.submit(modal, values(), user=ALICE)
        assert right.status == 200 and right.body == ""
        assert app.link.acks()[-1].payload is None  # acked empty: the modal closes
        [stored] = app.stores.decisions.export_rows()  # stored when the ack left
        assert (stored.owner, stored.decider, stored.status) == (BOB, ALICE, "planned")

        again = app.sender.submit(modal, values(text="Something else"), user=ALICE)
        assert again.status == 200 and again.body == ""
        app.deps.wait_quiet()
        assert len(app.stores.decisions.export_rows()) == 1
        assert wait_until(lambda: sum(
            "recorded a decision" in call.params.get("text", "")
            for call in app.slack.calls_to("chat.postMessage")) == 1, 10)


def test_a_database_away_over_socket_mode_keeps_the_modal_open_in_the_ack(
        slack: SlackApiServer, tmp_path: Path) -> None:
    """A read-only database over Socket Mode: the ack itself carries the error under the
    decision, so the modal stays open and says so; nothing is stored."""
    url, _ = read_only_with_a_decision(slack, tmp_path)
    idea = {"ts": "1700000000.000002", "thread_ts": "1700000000.000001",
            "blocks": [{"type": "actions", "block_id": "b", "elements": [
                {"type": "button", "action_id": "idealoop_decide", "value": "1",
                 "text": {"type": "plain_text", "text": "Decide…"}}]}]}
    with running_app(slack, url, transport="socket_mode") as app:
        assert app.link is not None
        modal = open_decide(app, idea)
        answer = app.sender.submit(modal, values(), user=ALICE)
        ack = app.link.acks()[-1]
        assert answer.status == 200 and ack.payload is not None
        assert ack.payload["response_action"] == "errors"
        assert "nothing was saved" in ack.payload["errors"]["decision"]
        assert len(app.stores.decisions.export_rows()) == 1  # only the one from before
