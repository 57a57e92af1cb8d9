"""Many workspaces, installed through Bolt's OAuth flow against the emulated Slack: the
install pages, the token exchange (`oauth.v2.access`), two workspaces with the same
channel id kept apart in every table, uninstalling, installing again, token rotation —
over real HTTP to the real app, with requests signed as Slack signs them."""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.app import adopt_unowned_rows, digest_poster, remind_due
from bot.config import BOT_SCOPES
from bot.digests import UNINSTALLED
from bot.emulator.web_api import SlackApiServer
from storage.brainstorms import NewBrainstorm
from storage.decisions import NewDecision
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.waiting import eventually, wait_until

CHANNEL = "C0GENERAL"  # the same id in both workspaces
BLUE, RED = "T0BLUE", "T0RED"
ALICE, BOB = "U0ALICE", "U0BOB"
CLIENT_ID, CLIENT_SECRET = "1234.5678", "oauth-test-secret"


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[RunningApp]:
    slack.enable_oauth(CLIENT_ID, CLIENT_SECRET)
    with running_app(slack, db_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID=CLIENT_ID,
                     SLACK_CLIENT_SECRET=CLIENT_SECRET, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as running:
        yield running


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    """GET `url`: status, body and headers (names in lower case)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), _lower(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), _lower(err.headers)


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def install(app: RunningApp, team: str) -> str:
    """Install idealoop in `team` as a person would: open the install page, "Allow" in
    Slack, come back to the redirect URL. The success page's text."""
    base = app.server.url.removesuffix("/slack/events")
    status, page, headers = get(f"{base}/slack/install")
    assert status == 200 and "slack.com/oauth/v2/authorize" in page
    cookie = headers["set-cookie"].split(";")[0]
    state = cookie.split("=", 1)[1]
    assert f"state={state}" in page
    assert f"scope={','.join(BOT_SCOPES)}&" in page  # the manifest's scopes
    code = app.slack.authorize(team)
    query = urlencode({"code": code, "state": state})
    status, done, _ = get(f"{base}/slack/oauth_redirect?{query}", {"Cookie": cookie})
    assert status == 200, done
    return done


def brainstorm(app: RunningApp, llm: FakeOpenAI, team: str, topic: str,
               ideas: list[str]) -> list[dict[str, Any]]:
    """/brainstorm in `team`'s #general; the ideas as posted in that workspace."""
    llm.reply(json.dumps({"ideas": ideas}))
    workspace = app.slack.workspaces[team]
    before = len(workspace.history(CHANNEL))
    reply = app.sender.command(topic, team=team,
                               response_url=workspace.new_response_url(app.slack.base))
    assert reply.status == 200 and reply.body == ""
    assert app.deps.wait_quiet(timeout=20)
    [header] = workspace.history(CHANNEL)[before:]
    return workspace.thread(CHANNEL, header["ts"])


def react(app: RunningApp, team: str, message: dict[str, Any], user: str, emoji: str) -> None:
    assert app.sender.reaction(user=user, emoji=emoji, channel=CHANNEL, ts=message["ts"],
                               team=team).status == 200
    assert app.deps.wait_quiet()


def installed(app: RunningApp, team: str) -> bool:
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=app.deps.stores.engine)
    return store.find_bot(enterprise_id=None, team_id=team) is not None


def test_two_workspaces_with_the_same_channel_id_never_share_anything(
        app: RunningApp, llm: FakeOpenAI) -> None:
    assert "Thank you!" in install(app, BLUE) and "Thank you!" in install(app, RED)
    assert installed(app, BLUE) and installed(app, RED)

    blue_header, *blue_ideas = brainstorm(app, llm, BLUE, "standups",
                                          ["Walking standups", "Async updates"])
    red_header, *red_ideas = brainstorm(app, llm, RED, "standups",
                                        ["Standups by video", "Standups twice a week"])
    # Each workspace's messages went to its own Slack, under its own token.
    assert [m["text"].split(" — ")[0] for m in blue_ideas] == ["1. Walking standups",
                                                              "2. Async updates"]
    assert [m["text"].split(" — ")[0] for m in red_ideas] == ["1. Standups by video",
                                                             "2. Standups twice a week"]
    posts = app.slack.calls_to("chat.postMessage")
    assert {c.headers.get("Authorization", "").split("-")[1] for c in posts} == {BLUE, RED}

    # Signals: Blue's judgements stay Blue's.
    react(app, BLUE, blue_ideas[0], "U0ALICE", "+1")
    react(app, BLUE, blue_ideas[0], "U0BOB", "+1")
    react(app, BLUE, blue_ideas[1], "U0BOB", "-1")
    blue, red = app.deps.for_team(BLUE).stores.reports, app.deps.for_team(RED).stores.reports
    assert blue.channel_stats(CHANNEL).people == 2 and red.channel_stats(CHANNEL).people == 0
    assert [item.text for item in blue.top_items(CHANNEL)] == ["Walking standups"]
    assert red.top_items(CHANNEL) == []
    # A reaction in Red on the message that has the same ts as a Blue idea would be a
    # different message: nothing in Red is judged by it.
    react(app, RED, {"ts": blue_ideas[0]["ts"]}, "U0CAROL", "+1")
    assert red.channel_stats(CHANNEL).people == 0

    # Steering: Red's next brainstorm is steered by nothing of Blue's.
    brainstorm(app, llm, RED, "standups", ["Standups on Mondays only"])
    red_prompt = llm.requests[-1]["body"]["messages"][-1]["content"]
    assert "Walking standups" not in red_prompt and "Async updates" not in red_prompt
    brainstorm(app, llm, BLUE, "standups", ["Standups with a timer"])
    blue_prompt = llm.requests[-1]["body"]["messages"][-1]["content"]
    assert "Walking standups" in blue_prompt and "Async updates" in blue_prompt

    # Guidance: set in Blue, not in Red.
    said = app.sender.command("guide Keep it short.", team=BLUE).json()
    assert said["response_type"] == "in_channel"
    assert "no guidance" in app.sender.command("guide", team=RED).json()["text"]

    # Digests: each channel's schedule is its own; only Blue approved anything, so only
    # Blue's digest (of the week so far) has ideas.
    assert app.sender.command("digest daily 09:00 UTC", team=BLUE).status == 200
    assert app.sender.command("digest weekly 17:00 Europe/Paris", team=RED).status == 200
    schedules = {sub.team: (sub.channel, sub.period) for sub in
                 app.deps.digests.digest_store.subscriptions()}
    assert schedules == {BLUE: (CHANNEL, "day"), RED: (CHANNEL, "week")}
    for team in (BLUE, RED):
        slot = app.deps.for_team(team).digests.slot_for(CHANNEL, "week", "UTC")
        slot = dataclasses.replace(slot, due=app.deps.digests.clock())  # up to now
        outcome = digest_poster(app.deps).post(slot)
        assert outcome.status == ("posted" if team == BLUE else "empty"), team
    [digest] = [m for m in app.slack.workspaces[BLUE].history(CHANNEL)
                if "digest" in m["text"].lower()]
    assert "Walking standups" in json.dumps(digest["blocks"])
    assert not [m for m in app.slack.workspaces[RED].history(CHANNEL)
                if "digest" in m["text"].lower()]

    # Export names each row's workspace.
    teams = {row["team"] for row in app.deps.stores.reports.export_rows()}
    assert teams == {BLUE, RED}
    del blue_header, red_header


def test_uninstalling_removes_the_tokens_and_stops_the_schedules_until_installed_again(
        app: RunningApp, llm: FakeOpenAI) -> None:
    install(app, BLUE)
    install(app, RED)
    for team in (BLUE, RED):
        assert app.sender.command("digest daily 09:00 UTC", team=team).status == 200
    app.slack.uninstall(RED)
    assert app.sender.event({"type": "app_uninstalled", "event_ts": "1800000000.000001"},
                            team=RED).status == 200
    assert not installed(app, RED) and installed(app, BLUE)
    red = app.deps.for_team(RED).digests.digest_store.subscription(CHANNEL)
    assert red is not None and red.paused == UNINSTALLED
    # Tomorrow's 09:00 slot, seen at 09:30: today's may fall before the schedules began.
    tomorrow = app.deps.digests.clock() + timedelta(days=1)
    assert [slot.team for slot in app.deps.digests.due_slots(
        tomorrow.replace(hour=9, minute=30))] == [BLUE]
    # Red's requests are not served any more; Blue's are.
    calls = len(app.slack.calls)
    app.sender.command("standups", team=RED)
    assert len(app.slack.calls) == calls  # nothing was posted anywhere for Red
    brainstorm(app, llm, BLUE, "standups", ["Walking standups"])

    install(app, RED)  # installed again: the schedule runs again, from now on
    red = app.deps.for_team(RED).digests.digest_store.subscription(CHANNEL)
    assert red is not None and red.paused is None
    brainstorm(app, llm, RED, "standups", ["Standups by video"])


def test_decisions_of_a_workspace_that_is_gone_do_not_starve_the_others_reminders(
        app: RunningApp, llm: FakeOpenAI) -> None:
    """More decisions than one sweep takes (200) in a workspace where idealoop is not
    installed: their reminders and announcements end at once, recorded as not sent, so the
    next sweep reaches another workspace's decision — before, they stayed due and
    unannounced, the oldest 200, and took the whole batch at every tick."""
    install(app, BLUE)
    [idea] = brainstorm(app, llm, BLUE, "standups", ["Walking standups"])[1:]
    due = date.today() + timedelta(days=1)
    red = app.deps.stores.for_team(RED)
    saved = red.brainstorms.save_brainstorm(NewBrainstorm(
        channel=CHANNEL, requester=ALICE, topic="gone", model="m", ideas=["an idea"],
        header_ts="1700000000.000001"))
    assert saved is not None
    red.brainstorms.mark_posted(saved.item_ids[0], "1700000000.000002")
    for n in range(201):
        red.decisions.save(NewDecision(
            channel=CHANNEL, item_id=saved.item_ids[0], thread_ts="1700000000.000001",
            view_id=f"V{n}", text="Never told", decider=ALICE, owner=BOB, due=due))
    [blue_item] = [row["id"] for row in app.deps.stores.reports.export_rows(team=BLUE)
                   if row["ts"] == idea["ts"]]
    blue, _ = app.deps.stores.for_team(BLUE).decisions.save(NewDecision(
        channel=CHANNEL, item_id=blue_item, thread_ts=idea["thread_ts"], view_id="V0",
        text="Walk at ten", decider=ALICE, owner=BOB, due=due))

    tick = remind_due(app.deps)
    for _ in range(3):  # with 200 a sweep, the second reaches Blue's decision
        tick(datetime.combine(due, time(9), tzinfo=UTC))
        # what the full job pool gave back is taken by this process's sweep
        assert wait_until(lambda: app.deps.work.backlog()[0] == 0, 60)
        assert app.deps.wait_quiet(timeout=60)
    stored = app.deps.stores.for_team(BLUE).decisions.get(blue.id)
    assert stored is not None and stored.reminded_on == due and stored.reminder_ts
    assert stored.announced_ts
    posted = [call.params for call in app.slack.calls_to("chat.postMessage")]
    assert sum(p.get("text", "").startswith(":alarm_clock:") for p in posted) == 1
    assert sum("recorded a decision" in p.get("text", "") for p in posted) == 1
    gone = app.deps.stores.for_team(RED).decisions.export_rows()
    assert len(gone) == 201
    assert all(d.reminded_on == due and d.announced_ts == "" for d in gone)


def test_revoked_bot_tokens_are_removed_like_an_uninstall(app: RunningApp) -> None:
    install(app, BLUE)
    assert app.sender.command("digest daily 09:00 UTC", team=BLUE).status == 200
    app.slack.uninstall(BLUE)
    assert app.sender.event({"type": "tokens_revoked", "event_ts": "1800000000.000002",
                             "tokens": {"bot": ["U0BOT"]}}, team=BLUE).status == 200
    assert not installed(app, BLUE)
    sub = app.deps.for_team(BLUE).digests.digest_store.subscription(CHANNEL)
    assert sub is not None and sub.paused == UNINSTALLED


def test_an_install_with_a_forged_or_replayed_state_is_refused(app: RunningApp) -> None:
    base = app.server.url.removesuffix("/slack/events")
    code = app.slack.authorize(BLUE)
    status, page, _ = get(f"{base}/slack/oauth_redirect?code={code}&state=forged",
                          {"Cookie": "slack-app-oauth-state=forged"})
    assert status == 401 and "Something Went Wrong" in page  # Bolt's answer
    assert not installed(app, BLUE)
    assert "oauth.v2.access" not in {call.method for call in app.slack.calls}
    install(app, BLUE)


def test_rotating_tokens_are_refreshed_for_requests_and_for_later_work(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    """Tokens that expire in a minute: within any window. Where the window's edge lies is
    `test_a_token_is_exchanged_only_within_two_hours_of_expiring`'s."""
    slack.enable_oauth(CLIENT_ID, CLIENT_SECRET, rotation=True, lifetime=60)
    with running_app(slack, db_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID=CLIENT_ID,
                     SLACK_CLIENT_SECRET=CLIENT_SECRET, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as app:
        install(app, BLUE)
        first = _bot_token(app)
        assert first.startswith("xoxe.xoxb-")
        # Within two hours of its expiry, a token is exchanged before use: by Bolt for the
        # request, and by idealoop for the work done after Slack's answer.
        [idea] = brainstorm(app, llm, BLUE, "standups", ["Walking standups"])[1:]
        refreshes = [call for call in slack.calls_to("oauth.v2.access")
                     if call.params.get("grant_type") == "refresh_token"]
        assert refreshes, "no token was refreshed"
        assert _bot_token(app) != first
        slack.expire_tokens(BLUE)  # every token issued so far stops working
        eventually(lambda: _posts_with_fresh_token(app, llm, idea), timeout=20)


@pytest.mark.parametrize(("minutes", "exchanged"), [(119, True), (121, False)])
def test_a_token_is_exchanged_only_within_two_hours_of_expiring(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str, minutes: int,
        exchanged: bool) -> None:
    """The window is Bolt's default, 120 minutes: a token that expires in 119 is
    exchanged before use (for the request and for the work after it), one that expires in
    121 is used as it is."""
    slack.enable_oauth(CLIENT_ID, CLIENT_SECRET, rotation=True, lifetime=minutes * 60)
    with running_app(slack, db_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID=CLIENT_ID,
                     SLACK_CLIENT_SECRET=CLIENT_SECRET, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as app:
        install(app, BLUE)
        first = _bot_token(app)
        assert len(brainstorm(app, llm, BLUE, "standups", ["Walking standups"])) == 2
        refreshes = [call for call in slack.calls_to("oauth.v2.access")
                     if call.params.get("grant_type") == "refresh_token"]
        assert bool(refreshes) is exchanged
        assert (_bot_token(app) != first) is exchanged


def _bot_token(app: RunningApp) -> str:
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=app.deps.stores.engine)
    bot = store.find_bot(enterprise_id=None, team_id=BLUE)
    assert bot is not None and bot.bot_token
    return str(bot.bot_token)


def _posts_with_fresh_token(app: RunningApp, llm: FakeOpenAI, idea: dict[str, Any]) -> None:
    ideas = brainstorm(app, llm, BLUE, "reviews", ["Pair reviews"])
    assert re.match(r"1\. Pair reviews", ideas[1]["text"])
    del idea


def test_with_a_bot_token_a_restart_after_reinstalling_resumes_the_digests(
        slack: SlackApiServer, db_url: str) -> None:
    with running_app(slack, db_url) as app:  # one workspace, by its bot token
        team = app.slack.state.team_id
        assert app.sender.command("digest daily 09:00 UTC").status == 200
        assert app.sender.event({"type": "app_uninstalled",
                                 "event_ts": "1800000000.000003"}).status == 200
        digests = app.deps.for_team(team).digests.digest_store
        assert digests.subscription(CHANNEL).paused == UNINSTALLED  # type: ignore[union-attr]
        adopt_unowned_rows(app.deps)  # what `serve` does at start, with the new token
        assert digests.subscription(CHANNEL).paused is None  # type: ignore[union-attr]
