"""Governance end to end: the channel allow-list, daily limits per person and per channel,
the workspace's daily token budget, and `/brainstorm usage` — over signed HTTP to the real
app, against the emulated Slack and the fake LLM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.fake_openai import FakeOpenAI
from testkit.queries import count_rows

CHANNEL = "C0GENERAL"
BOT = "U0BOT"


@contextmanager
def limited(slack: SlackApiServer, llm: FakeOpenAI, db_url: str, **env: str) \
        -> Iterator[RunningApp]:
    slack.state.streaming_refused = True
    with running_app(slack, db_url, OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
                     IDEALOOP_STREAM_INTERVAL="0.05", **env) as app:
        yield app


def brainstorm(app: RunningApp, topic: str, *, user: str = "U0ALICE",
               channel: str = CHANNEL) -> str:
    """Run /brainstorm; the ack's text ("" when accepted). Waits for accepted work."""
    reply = app.sender.command(topic, user=user, channel=channel,
                               response_url=app.slack.new_response_url())
    assert reply.status == 200
    assert app.deps.wait_quiet(timeout=20)
    return reply.json()["text"] if reply.body else ""


def mention(app: RunningApp, text: str, *, user: str = "U0BOB") -> None:
    message = app.slack.state.post_message(CHANNEL, f"<@{BOT}> {text}", user=user)
    reply = app.sender.event({"type": "app_mention", "user": user, "text": message["text"],
                              "ts": message["ts"], "channel": CHANNEL,
                              "event_ts": message["ts"]})
    assert reply.status == 200  # a refusal is an answer, not a failure to re-deliver
    assert app.deps.wait_quiet(timeout=20)


def privately_told(app: RunningApp) -> list[str]:
    return [call.params["text"] for call in app.slack.calls_to("chat.postEphemeral")]


def test_a_person_who_reached_the_daily_limit_is_told_when_it_resets_and_nothing_starts(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with limited(slack, llm, db_url, IDEALOOP_DAILY_LIMIT_PERSON="2",
                 IDEALOOP_TIMEZONE="Europe/Berlin") as app:
        assert brainstorm(app, "shorter standups") == ""
        mention(app, "draft a summary", user="U0ALICE")  # drafts count too
        refused = brainstorm(app, "faster reviews")
        assert refused.startswith("You have started 2 brainstorms and drafts today, the most "
                                  "one person may. Nothing was started; the count starts "
                                  "again at 00:00 Europe/Berlin, in ")
        assert len(llm.requests) == 2
        assert count_rows(app.stores.engine, "work") == 2  # nothing half-done
        assert count_rows(app.stores.engine, "brainstorms") == 1
        # Someone else still can, and the limit holds for mentions as well.
        assert brainstorm(app, "faster reviews", user="U0BOB") == ""
        mention(app, "and another draft", user="U0ALICE")
        assert privately_told(app)[-1].startswith("You have started 2 brainstorms")
        assert len(llm.requests) == 3

        usage = app.sender.command("usage", user="U0ALICE").json()["text"]
        assert "• You: 2 of 2 brainstorms and drafts" in usage
        assert "• This channel: 3 (no limit) brainstorms and drafts" in usage


def test_failed_work_does_not_count_against_the_limit(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with limited(slack, llm, db_url, IDEALOOP_DAILY_LIMIT_PERSON="1") as app:
        llm.fail(500, times=1)
        brainstorm(app, "shorter standups")  # the AI is down: it fails, and says so
        assert "not answering" in json.dumps(app.slack.calls_to("chat.update")[-1].params)
        assert brainstorm(app, "shorter standups") == ""
        assert brainstorm(app, "shorter standups").startswith("You have started 1 ")


def test_a_channel_limit_refuses_everyone_there_with_a_private_answer(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with limited(slack, llm, db_url, IDEALOOP_DAILY_LIMIT_CHANNEL="1") as app:
        mention(app, "draft the plan", user="U0BOB")
        mention(app, "draft it again", user="U0CAROL")
        [told] = privately_told(app)
        assert told.startswith("This channel has had 1 brainstorms and drafts today")
        assert app.slack.calls_to("chat.postEphemeral")[0].params["user"] == "U0CAROL"
        assert len(llm.requests) == 1
        # Another channel is not affected.
        assert brainstorm(app, "standups", channel="C0OTHER") == ""


def test_the_token_budget_counts_brainstorms_and_drafts_and_then_refuses(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with limited(slack, llm, db_url, IDEALOOP_DAILY_TOKENS="300") as app:
        assert brainstorm(app, "shorter standups") == ""
        used = app.sender.command("usage").json()["text"]
        brainstorm_tokens = _tokens(used)
        assert 0 < brainstorm_tokens < 300  # the fake reports usage: that is what counts
        llm.reply("A draft " * 60)
        mention(app, "draft a summary")
        draft_tokens = _tokens(app.sender.command("usage").json()["text"]) - brainstorm_tokens
        assert draft_tokens > 0  # the draft's reported usage is stored with it
        refused = brainstorm(app, "faster reviews")
        assert refused.startswith("This workspace has used its AI budget for today (")
        assert "of 300 tokens). Nothing was started" in refused
        assert count_rows(app.stores.engine, "brainstorms") == 1


def test_a_server_that_reports_no_usage_is_still_counted(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    llm.reject_stream_options()
    with limited(slack, llm, db_url, IDEALOOP_DAILY_TOKENS="100000") as app:
        brainstorm(app, "shorter standups")
        mention(app, "draft a summary")
        assert len(llm.requests) == 5  # each asked with usage, refused, asked without
        used = _tokens(app.sender.command("usage").json()["text"])
        assert used > 100  # estimated from the text, generously


def test_the_allow_list_keeps_idealoop_to_its_channels(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with limited(slack, llm, db_url, IDEALOOP_CHANNELS="C0IDEAS, C0OTHER") as app:
        for text in ("shorter standups", "top", "stats", "guide be brief", "digest daily"):
            answer = brainstorm(app, text)
            assert answer.startswith("idealoop is not enabled in this channel."), text
        mention(app, "draft a summary")
        assert privately_told(app) == [
            "idealoop is not enabled in this channel. Ask whoever runs idealoop to add it to "
            "IDEALOOP_CHANNELS, or use a channel where it is."]
        assert "not enabled in this channel" in app.sender.command("usage").json()["text"]
        assert llm.requests == [] and count_rows(app.stores.engine, "work") == 0
        assert brainstorm(app, "shorter standups", channel="C0IDEAS") == ""
        assert len(llm.requests) == 1


def _tokens(usage: str) -> int:
    line = next(line for line in usage.splitlines() if line.startswith("• This workspace"))
    return int(line.split(": ")[1].split(" ")[0].replace(",", ""))


def test_tokens_spent_on_an_attempt_that_saved_nothing_still_count(
        slack: SlackApiServer, llm: FakeOpenAI, db_url: str) -> None:
    with limited(slack, llm, db_url, IDEALOOP_DAILY_TOKENS="100000") as app:
        llm.reply(json.dumps({"ideas": []}))  # the model answers, with nothing usable
        assert brainstorm(app, "shorter standups") == ""
        assert count_rows(app.stores.engine, "brainstorms") == 0  # nothing was saved
        assert _tokens(app.sender.command("usage").json()["text"]) > 0
