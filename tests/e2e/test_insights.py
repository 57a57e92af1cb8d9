"""`/brainstorm stats` and `idealoop export --pairs`: what the signals say."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import main
from bot.emulator.web_api import SlackApiServer
from testkit.app import running_app
from testkit.fake_openai import FakeOpenAI

CHANNEL = "C0GENERAL"


def test_stats_and_preference_pairs(slack: SlackApiServer, llm: FakeOpenAI,
                                    sqlite_url: str) -> None:
    llm.reply(json.dumps({"ideas": ["good one", "bad one", "meh one"]}))
    with running_app(slack, sqlite_url, OPENAI_BASE_URL=llm.base_url) as app:
        assert "has not posted anything" in app.sender.command("stats").json()["text"]
        app.sender.command("pairs topic")
        app.deps.wait_quiet()
        header = slack.calls_to("chat.postMessage")[0].response["ts"]
        good, bad, _ = (m["ts"] for m in slack.state.thread(CHANNEL, header)[1:])
        app.sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL, ts=good)
        app.sender.reaction(user="U0BOB", emoji="heart", channel=CHANNEL, ts=good)
        app.sender.reaction(user="U0BOB", emoji="x", channel=CHANNEL, ts=bad)
        app.deps.wait_quiet()

        text = app.sender.command("stats").json()["text"]
        assert "Ideas*: 3 posted, 2 judged (67%)" in text
        assert "1 approved, 1 rejected: an approval rate of 50%" in text
        assert "2 people have given signals" in text

    result = CliRunner().invoke(main, ["export", "--pairs"], env={"DATABASE_URL": sqlite_url})
    assert result.exit_code == 0, result.output
    [pair] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (pair["prompt"], pair["chosen"], pair["rejected"]) == ("pairs topic", "good one",
                                                                  "bad one")
    assert (pair["chosen_score"], pair["rejected_score"]) == (2, -1)

    result = CliRunner().invoke(main, ["export", "--pairs", "--format", "csv"],
                                env={"DATABASE_URL": sqlite_url})
    assert result.exit_code == 2 and "JSONL only" in result.output
