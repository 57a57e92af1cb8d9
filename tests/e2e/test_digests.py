"""Digests end to end, with an injected clock: ranking, once-only posting, catch-up."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_deps, close_deps, make_client
from bot.config import BOT_SCOPES, Settings
from bot.deps import Deps
from bot.digests import UNINSTALLED, DigestOutcome, Digests, ScheduleChange
from bot.emulator.slack_requests import TEAM
from bot.emulator.web_api import SlackApiServer
from bot.metrics import render
from handlers.digests import DigestPoster, SlackDigestChat
from storage.brainstorms import NewBrainstorm
from storage.digests import Subscription
from storage.signals import ReactionChange
from testkit.app import TOKEN, app_env, running_app
from testkit.metrics import value
from testkit.processes import child_env
from testkit.waiting import eventually

CHANNEL = "C0GENERAL"
NINE_BERLIN = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 09:00 CEST, after DST


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def set(self, now: datetime) -> None:
        with self.lock:
            self.now = now


def deps_for(slack: SlackApiServer, db_url: str, clock: Clock) -> Deps:
    """The app's parts, for the emulated workspace (where `idealoop digest` posts)."""
    return build_deps(Settings.from_env(app_env(slack, db_url, IDEALOOP_LLM="offline")),
                      clock=clock).for_team(TEAM)


def poster(deps: Deps) -> DigestPoster:
    return DigestPoster(deps.digests, deps.workspaces)


def quick_retries(deps: Deps, *, lease: timedelta = timedelta(minutes=10),
                  first_retry: timedelta = timedelta(0)) -> DigestPoster:
    """A poster whose claims and pauses after Slack failed are as short as a test needs."""
    digests = Digests(deps.stores, grace=deps.digests.grace,
                      clock=deps.digests.clock, claim_lease=lease, first_retry=first_retry)
    return DigestPoster(digests, deps.workspaces)


def _finished(outcomes: list[DigestOutcome]) -> list[DigestOutcome]:
    """The outcomes, once the claim was free to take (for `eventually`)."""
    assert [o.status for o in outcomes] not in (["taken"], ["waiting"]), \
        "the claim is still held"
    return outcomes


def _assert_equal(actual: object, expected: object) -> None:
    assert actual == expected, f"{actual!r} is not {expected!r} yet"


def seed(deps: Deps, slack: SlackApiServer, ideas: list[str]) -> list[int]:
    """Ideas posted in the emulated Slack and stored, like a finished brainstorm."""
    header = slack.state.post_message(CHANNEL, "Brainstorm: digest test", as_bot=True)
    saved = deps.stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel=CHANNEL, requester="U0ALICE", topic="digest test", model="m", ideas=ideas,
        header_ts=header["ts"]))
    for item_id, text in zip(saved.item_ids, ideas, strict=True):
        message = slack.state.post_message(CHANNEL, text, as_bot=True, thread_ts=header["ts"])
        deps.stores.brainstorms.mark_posted(item_id, message["ts"])
    return saved.item_ids


def react(deps: Deps, item_id: int, user: str, emoji: str = "+1", *, polarity: int = 1,
          active: bool = True, step: list[int] = [0]) -> None:  # noqa: B006 (a counter)
    step[0] += 1
    deps.stores.signals.apply_reactions([ReactionChange(item_id, user, emoji, polarity, active,
                                                event_us=step[0], at=deps.digests.clock())])


def subscribe(deps: Deps, period: str = "day") -> None:
    deps.digests.digest_store.subscribe(
        Subscription(CHANNEL, period, "09:00", "Europe/Berlin", 0, "U0ALICE"))


def subscribed_with_one_approved_idea(deps: Deps, slack: SlackApiServer) -> None:
    subscribe(deps)
    [item] = seed(deps, slack, ["an idea"])
    react(deps, item, "U0BOB")


@pytest.fixture
def clock() -> Clock:
    return Clock(NINE_BERLIN - timedelta(hours=5))


@pytest.fixture
def deps(slack: SlackApiServer, db_url: str, clock: Clock):
    built = deps_for(slack, db_url, clock)
    yield built
    close_deps(built)


def digests_posted(slack: SlackApiServer) -> list[dict]:
    """The digests in the channel, as people see them (whatever the API answered)."""
    return [m for m in slack.state.history(CHANNEL) if "idea digest" in m.get("text", "")]


def test_the_digest_ranks_by_distinct_approvers_and_names_them(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribe(deps)
    liked, loved, disputed, retracted, rejected = seed(
        deps, slack, ["liked", "loved", "disputed", "retracted", "rejected"])
    react(deps, liked, "U0ALICE")
    react(deps, liked, "U0ALICE", "fire")  # same person twice: still one approval
    for user in ("U0ALICE", "U0BOB", "U0CAROL"):
        react(deps, loved, user)
    react(deps, disputed, "U0ALICE")
    react(deps, disputed, "U0BOB")
    react(deps, disputed, "U0CAROL", "-1", polarity=-1)
    react(deps, retracted, "U0BOB")
    react(deps, retracted, "U0BOB", active=False)
    react(deps, rejected, "U0ALICE")
    react(deps, rejected, "U0BOB", "x", polarity=-1)
    react(deps, rejected, "U0CAROL", "-1", polarity=-1)

    clock.set(NINE_BERLIN + timedelta(minutes=1))
    [outcome] = poster(deps).post_due()
    assert outcome.status == "posted" and outcome.items == 3
    [digest] = digests_posted(slack)
    sections = [b["text"]["text"] for b in digest["blocks"] if b["type"] == "section"][1:]
    # liked and disputed tie on score +1; disputed has more approvals, so it ranks first
    assert [s.split("\n")[0] for s in sections] == ["*1.* loved", "*2.* disputed", "*3.* liked"]
    assert "score +3 · approved by alice, bob, carol" in sections[0]
    assert "<https://emulated.slack.local/archives/C0GENERAL/" in sections[0]
    assert "<@" not in json.dumps(digest["blocks"])  # named, never mentioned
    # the window in the subscription's time zone, whatever the process's
    assert "Sun 29 Mar 09:00 – Mon 30 Mar 09:00 (Europe/Berlin)" in digest["text"]
    assert len(digest["blocks"]) <= 50


def test_an_empty_period_posts_nothing(deps: Deps, slack: SlackApiServer,
                                       clock: Clock) -> None:
    subscribe(deps)
    seed(deps, slack, ["nobody reacted"])
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    [outcome] = poster(deps).post_due()
    assert outcome.status == "empty" and digests_posted(slack) == []
    assert poster(deps).post_due()[0].status == "taken"  # decided once, not retried


def test_ideas_outside_the_period_do_not_count(deps: Deps, slack: SlackApiServer,
                                               clock: Clock) -> None:
    subscribe(deps)
    clock.set(NINE_BERLIN - timedelta(days=2))
    [old] = seed(deps, slack, ["two days old"])
    react(deps, old, "U0BOB")
    clock.set(NINE_BERLIN - timedelta(hours=1))
    [new] = seed(deps, slack, ["fresh"])
    react(deps, new, "U0BOB")
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    poster(deps).post_due()
    [digest] = digests_posted(slack)
    assert "fresh" in json.dumps(digest["blocks"]) and "two days old" not in json.dumps(digest)


def test_the_same_period_runs_twice_posts_once_and_force_reposts(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    assert [o.status for o in poster(deps).post_due()] == ["posted"]
    clock.set(NINE_BERLIN + timedelta(minutes=2))
    assert [o.status for o in poster(deps).post_due()] == ["taken"]
    assert len(digests_posted(slack)) == 1
    slot = deps.digests.slot_for(CHANNEL, None, "UTC")
    assert poster(deps).post(slot.forced(clock())).status == "posted"
    assert len(digests_posted(slack)) == 2


def test_a_missed_run_is_caught_up_once_within_the_grace(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(hours=3))  # the process was down at 09:00
    assert [o.status for o in poster(deps).post_due()] == ["posted"]
    for minutes in (1, 2, 3):
        clock.set(NINE_BERLIN + timedelta(hours=3, minutes=minutes))
        assert [o.status for o in poster(deps).post_due()] == ["taken"]
    clock.set(NINE_BERLIN + timedelta(hours=13))  # past the 12 h grace of the next check
    assert len(digests_posted(slack)) == 1


def test_a_run_missed_beyond_the_grace_is_skipped(deps: Deps, slack: SlackApiServer,
                                                  clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(hours=13))
    assert poster(deps).post_due() == []
    assert digests_posted(slack) == []


def test_a_claim_left_by_a_crash_is_taken_over(deps: Deps, slack: SlackApiServer,
                                               clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    [slot] = deps.digests.due_slots()
    # a process claims with a one-second lease, then dies
    assert deps.digests.digest_store.claim(CHANNEL, slot.key, lease=1.0) is not None
    assert poster(deps).post_due()[0].status == "taken"
    [outcome] = eventually(lambda: _finished(poster(deps).post_due()), timeout=10)
    assert outcome.status == "posted"
    assert len(digests_posted(slack)) == 1


def test_a_digest_posted_just_before_a_crash_is_found_not_posted_again(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    [slot] = deps.digests.due_slots()
    # a process claims and posts, then dies before it records the post
    assert deps.digests.digest_store.claim(CHANNEL, slot.key, lease=1.0) is not None
    chat = SlackDigestChat(make_client(deps.settings))
    chat.post(slot, chat.render(slot, deps.digests.content(slot), []))
    [outcome] = eventually(lambda: _finished(poster(deps).post_due()), timeout=10)
    assert outcome.status == "found" and outcome.ts == digests_posted(slack)[0]["ts"]
    assert len(digests_posted(slack)) == 1
    assert poster(deps).post_due()[0].status == "taken"


def test_a_process_that_stalled_past_its_claim_does_not_post(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    # the first process holds its claim for one second, then stalls for three (here in
    # looking up a link for the digest); another takes the claim over and posts
    slack.fail("chat.getPermalink", delay=3.0)
    with ThreadPoolExecutor(1) as pool:
        stalled = pool.submit(quick_retries(deps, lease=timedelta(seconds=1)).post_due)
        eventually(lambda: _assert_equal(
            deps.digests.digest_store.run_status(CHANNEL, "day:2026-03-30"), "claimed"))
        [outcome] = eventually(lambda: _finished(poster(deps).post_due()), timeout=10)
        assert outcome.status == "posted"
        assert [o.status for o in stalled.result(timeout=10)] == ["taken"]
    assert len(digests_posted(slack)) == 1


def test_a_digest_whose_answer_was_lost_is_found_not_posted_again(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    # Slack creates the message, then answers 500: neither the client nor the next
    # try may post it again
    slack.fail("chat.postMessage", status=500, after_effect=True)
    quick = quick_retries(deps)
    assert quick.post_due()[0].status == "failed"
    assert len(digests_posted(slack)) == 1
    [outcome] = eventually(lambda: _finished(quick.post_due()), timeout=10)
    assert outcome.status == "found"
    assert len(digests_posted(slack)) == 1


def test_a_finished_digest_is_never_taken_over(deps: Deps, slack: SlackApiServer,
                                               clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    assert poster(deps).post_due()[0].status == "posted"
    clock.set(NINE_BERLIN + timedelta(minutes=31))
    assert poster(deps).post_due()[0].status == "taken"
    # even by a process whose every claim has already run out
    assert quick_retries(deps, lease=timedelta(seconds=-1)).post_due()[0].status == "taken"
    assert len(digests_posted(slack)) == 1


def test_slack_away_is_tried_again_after_a_pause(deps: Deps, slack: SlackApiServer,
                                                 clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    slack.fail("chat.postMessage", status=503)
    quick = quick_retries(deps, first_retry=timedelta(seconds=1))
    assert quick.post_due()[0].status == "failed"
    assert quick.post_due()[0].status == "waiting"  # the pause holds
    assert digests_posted(slack) == []
    [outcome] = eventually(lambda: _finished(quick.post_due()), timeout=10)
    assert outcome.status == "posted" and len(digests_posted(slack)) == 1


def test_a_digest_is_posted_when_its_look_ups_cannot_reach_slack(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    for method in ("users.info", "chat.getPermalink"):
        slack.fail(method, drop=True, times=3)  # past the client's own retries of reads
    assert [o.status for o in poster(deps).post_due()] == ["posted"]
    [digest] = digests_posted(slack)
    assert "approved by U0BOB" in json.dumps(digest["blocks"])  # the id, for want of a name


@pytest.mark.parametrize("error", ["invalid_auth", "msg_too_long"])
def test_a_refusal_that_is_not_the_channels_does_not_pause_it(
        deps: Deps, slack: SlackApiServer, clock: Clock, error: str) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    slack.fail("chat.postMessage", error=error)
    # the token (tried again after a pause), or this one message (this period only)
    expected = "failed" if error == "invalid_auth" else "refused"
    assert [o.status for o in poster(deps).post_due()] == [expected]
    sub = deps.digests.digest_store.subscription(CHANNEL)
    assert sub is not None and sub.paused is None
    assert slack.calls_to("chat.postMessage") == []  # nobody told


def test_slack_refusing_the_digest_for_good_pauses_the_schedule(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    slack.fail("chat.postMessage", error="channel_not_found")
    assert poster(deps).post_due()[0].status == "refused"
    sub = deps.digests.digest_store.subscription(CHANNEL)
    assert sub is not None and sub.paused is not None
    [told] = [c.params for c in slack.calls_to("chat.postMessage")
              if c.params.get("channel") == "U0ALICE"]
    assert "paused the digest" in told["text"]
    assert "`/brainstorm digest daily 09:00 Europe/Berlin`" in told["text"]  # its own zone
    for later in (timedelta(minutes=2), timedelta(days=1, minutes=1)):
        clock.set(NINE_BERLIN + later)
        assert poster(deps).post_due() == []  # no post tried, nobody told again
    assert "is paused" in deps.digests.change_schedule(
        CHANNEL, "U0BOB", ScheduleChange(None, False, "09:00", "UTC"))
    assert len(slack.calls_to("chat.postMessage", include_failed=True)) == 2  # post, DM

    subscribe(deps)  # someone subscribes again: the next slot is posted
    react(deps, seed(deps, slack, ["another idea"])[0], "U0CAROL")
    clock.set(NINE_BERLIN + timedelta(days=2, minutes=1))
    assert [o.status for o in poster(deps).post_due()] == ["posted"]


def test_a_subscription_starts_with_the_next_due_time(deps: Deps, slack: SlackApiServer,
                                                      clock: Clock) -> None:
    clock.set(NINE_BERLIN + timedelta(hours=6, minutes=1))  # 15:01 in Berlin
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(hours=6, minutes=2))
    assert poster(deps).post_due() == []  # not this morning's 09:00
    clock.set(NINE_BERLIN + timedelta(days=1, minutes=1))
    assert [o.status for o in poster(deps).post_due()] == ["posted"]


def test_an_idea_approved_after_its_period_is_in_the_next_digest_once(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribe(deps)
    clock.set(NINE_BERLIN - timedelta(days=3))
    [late] = seed(deps, slack, ["approved late"])
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    assert poster(deps).post_due()[0].status == "empty"
    clock.set(NINE_BERLIN + timedelta(hours=2))
    react(deps, late, "U0BOB")
    clock.set(NINE_BERLIN + timedelta(days=1, minutes=1))
    assert [o.status for o in poster(deps).post_due()] == ["posted"]
    [digest] = digests_posted(slack)
    assert "approved late" in json.dumps(digest["blocks"])
    react(deps, late, "U0BOB", "fire")  # the same person again, another emoji: not new
    clock.set(NINE_BERLIN + timedelta(days=2, minutes=1))
    assert poster(deps).post_due()[0].status == "empty"


def test_two_scheduler_processes_post_once(slack: SlackApiServer, db_url: str,
                                           clock: Clock) -> None:
    first, second = deps_for(slack, db_url, clock), deps_for(slack, db_url, clock)
    try:
        subscribe(first)
        [item] = seed(first, slack, ["an idea"])
        react(first, item, "U0BOB")
        clock.set(NINE_BERLIN + timedelta(seconds=30))
        barrier = threading.Barrier(2)

        def tick(deps: Deps) -> list[str]:
            barrier.wait()
            return [o.status for o in poster(deps).post_due()]

        with ThreadPoolExecutor(2) as pool:
            results = sorted(status for statuses in pool.map(tick, (first, second))
                             for status in statuses)
        assert results == ["posted", "taken"]
        assert len(digests_posted(slack)) == 1
    finally:
        close_deps(first)
        close_deps(second)


def test_the_slash_command_manages_the_schedule(slack: SlackApiServer, sqlite_url: str) -> None:
    with running_app(slack, sqlite_url, IDEALOOP_TIMEZONE="Europe/Paris") as app:
        reply = app.sender.command("digest").json()
        assert reply["response_type"] == "ephemeral" and "no digest" in reply["text"]
        reply = app.sender.command("digest daily 09:30 Europe/Berlin").json()
        assert reply["response_type"] == "in_channel"
        assert "every day at 09:30 (Europe/Berlin)" in reply["text"]
        subscribed = app.deps.for_team(TEAM).digests.digest_store.subscription(CHANNEL)
        assert subscribed is not None and subscribed.timezone == "Europe/Berlin"
        reply = app.sender.command("digest weekly").json()
        assert "every Monday at 09:00 (Europe/Paris)" in reply["text"]
        assert "not a time zone" in app.sender.command("digest daily 9:00 Nowhere/Land").json()[
            "text"]
        assert "off" in app.sender.command("digest off").json()["text"]
        assert app.deps.for_team(TEAM).digests.digest_store.subscription(CHANNEL) is None


def test_cli_digest_twice_at_once_posts_one(slack: SlackApiServer, db_url: str,
                                            tmp_path: Path) -> None:
    clock = Clock(datetime.now(UTC))
    deps = deps_for(slack, db_url, clock)
    try:
        [item] = seed(deps, slack, ["an idea for the CLI"])
        react(deps, item, "U0BOB")
    finally:
        close_deps(deps)
    env = child_env(PATH="/usr/bin:/bin", SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack.url,
                    DATABASE_URL=db_url)  # this tree's code, not an installed checkout's
    command = [sys.executable, "-m", "bot.cli", "digest", "--channel", CHANNEL, "--period",
               "day"]
    runs = [subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    said = " ".join(out for out, _ in outputs)
    assert said.count("posted with 1 ideas") == 1 and said.count("already posted") == 1
    assert len(digests_posted(slack)) == 1


def test_cli_digest_takes_a_channel_by_name_or_id_and_names_the_period(
        slack: SlackApiServer, db_url: str, tmp_path: Path) -> None:
    deps = deps_for(slack, db_url, Clock(datetime.now(UTC)))
    try:
        seed(deps, slack, ["an idea nobody judged"])
    finally:
        close_deps(deps)
    env = child_env(PATH="/usr/bin:/bin", SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack.url,
                    DATABASE_URL=db_url)  # this tree's code, not an installed checkout's

    def digest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "digest", *args], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              check=False)

    # By id: which channel, which period (dates and time zone), and what came of it.
    by_id = digest("--channel", CHANNEL, "--force")
    assert by_id.returncode == 0, by_id.stderr
    assert re.fullmatch(
        r"idealoop: digest of C0GENERAL for \w{3} \d\d \w{3} \d{4} \d\d:\d\d – \w{3} \d\d "
        r"\w{3} \d{4} \d\d:\d\d \(UTC\): nothing approved in the period; nothing posted\n",
        by_id.stdout), by_id.stdout

    # By name: a token installed before the manifest asked for channels:read cannot list
    # channels; said so.
    slack.grant_scopes(*(scope for scope in BOT_SCOPES if scope != "channels:read"))
    refused = digest("--channel", "general")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "Traceback" not in refused.stderr  # above it: INFO log lines (the database)
    assert refused.stderr.splitlines()[-1] + "\n" == (
        "idealoop: #general: looking a channel up by name needs the channels:read scope, "
        "which this token lacks (an install from before the manifest asked for it); give "
        "the channel's id (C0123…, at the bottom of its details in Slack) or reinstall "
        "idealoop\n")
    slack.grant_scopes(*BOT_SCOPES, "channels:read")
    for name in ("general", "#general"):
        by_name = digest("--channel", name, "--force")
        assert by_name.returncode == 0, by_name.stderr
        assert by_name.stdout.startswith("idealoop: digest of #general (C0GENERAL) for ")

    # An unknown channel is an error that names it, not an empty digest.
    for wanted, said in (("C0NOPE", "unknown channel C0NOPE"),
                         ("#nope", "Slack knows no channel #nope")):
        unknown = digest("--channel", wanted)
        assert unknown.returncode == 2 and unknown.stdout == ""
        last = unknown.stderr.splitlines()[-1]
        assert last.startswith(f"idealoop: {said}") and "Traceback" not in unknown.stderr, \
            unknown.stderr
    assert digests_posted(slack) == []


def test_digests_posted_and_schedules_paused_are_counted(
        deps: Deps, slack: SlackApiServer, clock: Clock) -> None:
    subscribed_with_one_approved_idea(deps, slack)
    clock.set(NINE_BERLIN + timedelta(minutes=1))
    before = render().decode()
    assert poster(deps).post_due()[0].status == "posted"
    assert deps.digests.pause_all(UNINSTALLED) == 1
    after = render().decode()
    assert value(after, "idealoop_digests_total", outcome="posted") \
        - value(before, "idealoop_digests_total", outcome="posted") == 1
    assert value(after, "idealoop_digests_paused_total", reason="uninstalled") \
        - value(before, "idealoop_digests_paused_total", reason="uninstalled") == 1
