"""The fast path (`handlers.reactions.fast_path` and `handlers.actions.fast_path`, asked by
the one entry point `bot.runtime.entry.answer`): signed reactions and 👍 / 👎 clicks are
stored without Bolt's middleware chain, and everything Bolt refused is still refused.
Real app, real HTTP, signed as Slack signs; whether the fast path answered is read from
`/metrics` (`idealoop_fast_path_requests`)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.app import build_deps, close_deps, create_app
from bot.config import Settings
from bot.deps import Deps
from bot.emulator.slack_requests import (
    TEAM,
    SlackSender,
    block_actions_body,
    event_body,
    reaction_event,
)
from bot.emulator.web_api import SlackApiServer
from bot.runtime.server import HttpServer
from testkit.app import SECRET, app_env, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.metrics import scrape, value
from testkit.queries import signals_of
from testkit.waiting import eventually

pytestmark = pytest.mark.database_matters  # the group commit, one or two writers
CHANNEL = "C0GENERAL"
FAST = "idealoop_fast_path_requests_total"


@dataclass
class Served:
    bolt: App
    deps: Deps
    server: HttpServer
    sender: SlackSender
    slack: SlackApiServer
    ideas: list[str]  # the ts of each idea posted

    def metrics(self) -> str:
        return scrape(f"http://127.0.0.1:{self.server.port}/metrics")

    def signals(self, ts: str, team: str = TEAM) -> list[dict[str, Any]]:
        item = self.deps.for_team(team).judgements.item_at(CHANNEL, ts)
        return [] if item is None else signals_of(self.deps.stores.engine, item.id)


@contextmanager
def served(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[Served]:
    """The real app on `serve`'s HTTP server (as `testkit.app.serving`), its Bolt app at
    hand, after one brainstorm of three ideas."""
    llm.reply(json.dumps({"ideas": ["first idea", "second idea", "third idea"]}))
    settings = Settings.from_env(app_env(slack, db_url, OPENAI_BASE_URL=llm.base_url))
    deps = build_deps(settings)
    try:
        bolt = create_app(settings, deps=deps)
        server = HttpServer(bolt, deps.health, signing_secret=SECRET, host="127.0.0.1",
                            port=0, metrics=deps.metrics).start()
        try:
            sender = SlackSender(server.url, SECRET)
            assert sender.command("anything").status == 200
            assert deps.wait_quiet(timeout=10)
            header = slack.calls_to("chat.postMessage")[0].response["ts"]
            ideas = [m["ts"] for m in slack.state.thread(CHANNEL, header)[1:]]
            yield Served(bolt, deps, server, sender, slack, ideas)
        finally:
            server.close()
    finally:
        close_deps(deps)


@pytest.fixture
def app(slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> Iterator[Served]:
    with served(slack, llm, db_url) as running:
        yield running


def moved(before: str, after: str, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_signed_reaction_is_stored_through_the_fast_path(app: Served) -> None:
    before = app.metrics()
    idea = app.ideas[0]
    assert app.sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL,
                               ts=idea).status == 200
    assert app.sender.reaction(user="U0BOB", emoji="-1", channel=CHANNEL,
                               ts=idea).status == 200
    assert app.sender.reaction(added=False, user="U0BOB", emoji="-1", channel=CHANNEL,
                               ts=idea).status == 200
    # The bot's own reaction is Bolt's to ack unseen, as before.
    assert app.sender.reaction(user="U0BOT", emoji="+1", channel=CHANNEL,
                               ts=idea).status == 200
    after = app.metrics()
    assert moved(before, after, FAST, surface="event:reaction_added") == 2
    assert moved(before, after, FAST, surface="event:reaction_removed") == 1
    assert moved(before, after, "idealoop_acks_total", surface="event:reaction_added",
                 outcome="2xx") == 3  # every ack counted once, fast or not
    stored = {(s["user_id"], s["emoji"]): s["active"] for s in app.signals(idea)}
    assert stored == {("U0ALICE", "+1"): True, ("U0BOB", "-1"): False}  # acked = stored


def test_the_fast_path_refuses_what_bolt_refused(app: Served) -> None:
    idea = app.ideas[1]
    good = event_body(reaction_event(added=True, user="U0ALICE", emoji="+1",
                                     channel=CHANNEL, ts=idea))
    before = app.metrics()
    # Signature and timestamp window: refused before any payload is trusted.
    forged = SlackSender(app.sender.url, "not-the-secret")
    assert forged.signed(good, "application/json").status == 401
    stale = int(time.time()) - 6 * 60  # Slack's window is 5 minutes
    assert app.sender.signed(good, "application/json", timestamp=stale).status == 401
    # Shapes Slack never sends: refused by the gate (item not an object) or by the
    # reaction's own checks (no user, an emoji with spaces, a ts that is not one).
    for event in (
        {**reaction_event(added=True, user="U0ALICE", emoji="+1", channel=CHANNEL,
                          ts=idea), "item": "not an object"},
        {k: v for k, v in reaction_event(added=True, user="U0ALICE", emoji="+1",
                                         channel=CHANNEL, ts=idea).items() if k != "user"},
        reaction_event(added=True, user="U0ALICE", emoji="thumbs up", channel=CHANNEL,
                       ts=idea),
        reaction_event(added=True, user="U0ALICE", emoji="+1", channel=CHANNEL,
                       ts="yesterday"),
        reaction_event(added=True, user="not a user", emoji="+1", channel=CHANNEL, ts=idea),
    ):
        assert app.sender.event(event).status == 400, event
    # Another workspace: its own items, none at that ts, so nothing is judged anywhere.
    assert app.sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL, ts=idea,
                               team="T0OTHER").status == 200
    after = app.metrics()
    assert app.signals(idea) == [] and app.signals(idea, team="T0OTHER") == []
    assert moved(before, after, "idealoop_acks_total", surface="unverified",
                 outcome="4xx") == 3  # the forged, the stale and the item-less one
    # The reaction's own checks ran on the fast path: 4 refused there, 1 acked.
    assert moved(before, after, FAST, surface="event:reaction_added") == 5
    assert moved(before, after, "idealoop_acks_total", surface="event:reaction_added",
                 outcome="4xx") == 4


def _bolt_answer(bolt: App, body: dict[str, Any]) -> tuple[int, str, str]:
    response = bolt.dispatch(BoltRequest(body=json.dumps(body),
                                         headers={"content-type": "application/json"}))
    return _seen(response)


def _both_answers(bolt: App, taken: dict[str, dict[str, Any]],
                  left_to_bolt: dict[str, dict[str, Any]]) -> dict[str, tuple[int, str, str]]:
    """Bolt's answer to each payload, checking that the fast path answers those `taken`
    the same way and leaves the others to Bolt."""
    answers: dict[str, tuple[int, str, str]] = {}
    for name, payload in {**taken, **left_to_bolt}.items():
        by_bolt = _bolt_answer(bolt, deepcopy(payload))
        fast_path = getattr(bolt, "fast_path", None)
        fast = fast_path(deepcopy(payload)) if fast_path is not None else None
        assert (fast is None) == (name in left_to_bolt), name
        if fast is not None:
            assert _seen(fast) == by_bolt, name
        answers[name] = by_bolt
    return answers


def _seen(response: Any) -> tuple[int, str, str]:
    body = response.body if isinstance(response.body, str) else json.dumps(response.body)
    return response.status, body, response.headers.get("content-type", [""])[0]


def test_the_fast_path_answers_every_reaction_as_bolt_does(
        app: Served, llm: FakeOpenAI) -> None:
    """Each payload answered by Bolt's whole chain, then by the fast path (or left to
    Bolt, where the fast path says so): the same status, body and content type."""
    idea = app.ideas[2]
    # A message of the bot's that is no item yet, while a brainstorm in its channel
    # still runs: a reaction on it is NotYet (503, Slack delivers it again).
    unrecorded = app.slack.state.post_message(CHANNEL, "an idea on its way",
                                              user="U0BOT")["ts"]
    llm.delay(3.0)
    assert app.sender.command("something slow").status == 200
    eventually(lambda: app.deps.work.pending_in(TEAM, CHANNEL, unrecorded))

    def body(**changes: Any) -> dict[str, Any]:
        event = reaction_event(added=True, user="U0CAROL", emoji="+1", channel=CHANNEL,
                               ts=idea)
        event.update(changes)
        return json.loads(event_body(event))

    taken = {
        "approval": body(),
        "removal": body(type="reaction_removed"),
        "someone else's message": body(item={"type": "message", "channel": CHANNEL,
                                             "ts": "1600000000.000001"}, item_user="U0DAN"),
        "a file": body(item={"type": "file", "file": "F0001"}),
        "no user": {**body(), "event": {k: v for k, v in body()["event"].items()
                                        if k != "user"}},
        "an emoji with spaces": body(reaction="thumbs up"),
        "not a ts": body(event_ts="soon"),
        "not yet recorded": body(item={"type": "message", "channel": CHANNEL,
                                       "ts": unrecorded}),
        "another workspace": {**body(), "team_id": "T0OTHER", "authorizations": [
            {"team_id": "T0OTHER", "user_id": "U0BOT", "is_bot": True}]},
    }
    left_to_bolt = {
        "the bot's own": body(user="U0BOT"),
        "carrying a bot_id": body(bot_id="B0OTHER"),
        "an org-wide install": {**body(), "authorizations": [
            {"team_id": TEAM, "user_id": "U0BOT", "is_bot": True,
             "is_enterprise_install": True}]},
    }
    answers = _both_answers(app.bolt, taken, left_to_bolt)
    assert answers["not yet recorded"][0] == 503
    assert {answers[name][0] for name in ("no user", "an emoji with spaces",
                                          "not a ts")} == {400}
    assert {answers[name][0] for name in ("approval", "removal", "a file",
                                          "another workspace")} == {200}
    llm.delay(0)


def test_installed_by_oauth_it_serves_only_the_workspaces_bolt_authorizes(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    """With many workspaces, the fast path asks the authorization Bolt asks: a reaction
    from a workspace where idealoop is installed is stored there; one from a workspace
    where it is not is left to Bolt, which answers it as it always did."""
    from tests.e2e.test_workspaces import BLUE, CLIENT_ID, CLIENT_SECRET, brainstorm, install

    slack.enable_oauth(CLIENT_ID, CLIENT_SECRET)
    with running_app(slack, db_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID=CLIENT_ID,
                     SLACK_CLIENT_SECRET=CLIENT_SECRET, OPENAI_BASE_URL=llm.base_url,
                     IDEALOOP_MODEL="fake-model") as app:
        install(app, BLUE)
        _header, idea, *_ = brainstorm(app, llm, BLUE, "standups",
                                       ["Walking standups", "Async updates"])
        assert isinstance(app.server, HttpServer)
        url = f"http://127.0.0.1:{app.server.port}/metrics"
        before = scrape(url)
        assert app.sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL,
                                   ts=idea["ts"], team=BLUE).status == 200
        app.sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL, ts=idea["ts"],
                            team="T0GREEN")  # never installed: Bolt's answer, whatever it is
        after = scrape(url)
        assert moved(before, after, FAST, surface="event:reaction_added") == 1
        blue = app.deps.for_team(BLUE)
        item = blue.judgements.item_at(CHANNEL, idea["ts"])
        assert item is not None
        assert [s["user_id"] for s in signals_of(app.deps.stores.engine, item.id)] == ["U0ALICE"]
        green = app.deps.for_team("T0GREEN").judgements.item_at(CHANNEL, idea["ts"])
        assert green is None


def test_over_socket_mode_reactions_take_the_fast_path_too(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    """An envelope's payload reaches the same entry point as an HTTP request (no
    signature to check: Slack's own connection), so its reaction is stored the same
    way and counted once, as a fast-path ack."""
    llm.reply(json.dumps({"ideas": ["first idea", "second idea"]}))
    with running_app(slack, db_url, transport="socket_mode",
                     OPENAI_BASE_URL=llm.base_url) as app:
        assert app.sender.command("over the socket").status == 200
        assert app.deps.wait_quiet(timeout=10)
        header = app.slack.calls_to("chat.postMessage")[0].response["ts"]
        idea = app.slack.state.thread(CHANNEL, header)[1]["ts"]
        before = app.deps.metrics().decode()
        assert app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL,
                                   ts=idea).status == 200

        def counted() -> None:
            after = app.deps.metrics().decode()
            assert moved(before, after, FAST, surface="event:reaction_added") == 1
            assert moved(before, after, "idealoop_acks_total",
                         surface="event:reaction_added", outcome="2xx") == 1

        eventually(counted)
        item = app.stores.signals.item_at(CHANNEL, idea)
        assert item is not None
        assert [s["user_id"] for s in signals_of(app.deps.stores.engine, item.id)] == ["U0BOB"]


def feedback(value: str, action_ts: str = "1700000001.000001") -> dict[str, Any]:
    """The `actions[]` entry of a click on 👍 ("up") or 👎 ("down")."""
    return {"type": "feedback_buttons", "action_id": "idealoop_feedback", "value": value,
            "block_id": "b", "action_ts": action_ts}


def click_payload(app: Served, action: dict[str, Any], ts: str, *, user: str = "U0CAROL",
                  **changes: Any) -> dict[str, Any]:
    form = dict(parse_qsl(block_actions_body(
        action, user=user, channel=CHANNEL, message={"ts": ts},
        response_url=app.slack.new_response_url(channel=CHANNEL, user=user)).decode()))
    return {**json.loads(form["payload"]), **changes}  # type: ignore[no-any-return]


def test_a_feedback_click_is_stored_through_the_fast_path(app: Served) -> None:
    """👍 / 👎 take the reactions' shorter way: stored when Slack gets its 200, counted
    as a fast-path ack, and the person told through the response URL after it."""
    before = app.metrics()
    idea = app.ideas[0]
    reply = app.sender.click(feedback("up"), user="U0BOB", channel=CHANNEL,
                             message={"ts": idea},
                             response_url=app.slack.new_response_url(channel=CHANNEL,
                                                                     user="U0BOB"))
    assert reply.status == 200 and reply.body == ""
    after = app.metrics()
    assert moved(before, after, FAST, surface="block_actions") == 1
    assert moved(before, after, "idealoop_acks_total", surface="block_actions",
                 outcome="2xx") == 1
    assert [(s["user_id"], s["active"]) for s in app.signals(idea)] == [("U0BOB", True)]
    [told] = app.slack.wait_for("response_url")
    assert told.params["text"].startswith("👍 Counted: you approve this idea.")


def test_the_fast_path_answers_every_feedback_click_as_bolt_does(app: Served) -> None:
    """Each click answered by Bolt's whole chain, then by the fast path (or left to
    Bolt, where the fast path says so): the same status, body and content type."""
    idea = app.ideas[1]
    taken = {
        "approval": click_payload(app, feedback("up"), idea),
        "rejection": click_payload(app, feedback("down", "1700000002.000002"), idea,
                                   user="U0DAN"),
        "an unknown value": click_payload(app, feedback("sideways"), idea),
        "not an item": click_payload(app, feedback("up"), "1600000000.000001"),
        "no response URL": {k: v for k, v in click_payload(app, feedback("up"),
                                                           idea).items()
                            if k != "response_url"},
        "not a user": click_payload(app, feedback("up"), idea, user="somebody"),
        "another workspace": click_payload(app, feedback("up"), idea,
                                           team={"id": "T0OTHER", "domain": "other"}),
    }
    left_to_bolt = {
        "another button": click_payload(app, {**feedback("up"),
                                              "action_id": "not_ours"}, idea),
        "an org-wide install": click_payload(app, feedback("up"), idea,
                                             is_enterprise_install=True),
        "an attachment click": click_payload(app, feedback("up"), idea,
                                             type="interactive_message"),
    }
    answers = _both_answers(app.bolt, taken, left_to_bolt)
    assert {answers[name][0] for name in taken if name != "no response URL"} == {200}
    assert answers["no response URL"][0] == 400  # nowhere to tell the person: malformed
    assert "ephemeral" in answers["an unknown value"][1]
    assert app.deps.wait_quiet(timeout=10)
    assert sorted((s["user_id"], s["active"]) for s in app.signals(idea)) == [
        ("U0CAROL", True), ("U0DAN", True)]  # each click once, though answered twice


def test_where_bolt_keeps_no_bot_token_authorization_the_fast_path_takes_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    """The bot user of a bot token is read from Bolt's own `SingleTeamAuthorization`,
    which Bolt offers no public way to: a Bolt app without it (here one given an
    `authorize` function) leaves every request to Bolt, said once in the log, instead
    of failing to start."""
    from bot.app import _single_team_user

    bolt = App(name="other", authorize=lambda **_: None, signing_secret="s",
               request_verification_enabled=False)
    bot_user = _single_team_user(bolt)
    assert bot_user(TEAM) is None
    assert "reactions and clicks go through Bolt's middleware" in caplog.text
