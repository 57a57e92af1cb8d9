"""`idealoop serve` as its own process, driven only over HTTP, then `idealoop export`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from testkit.app import SECRET, TOKEN
from testkit.fake_openai import FakeOpenAI
from testkit.processes import ServeProcess, child_env, free_port, idealoop
from testkit.waiting import eventually

CHANNEL = "C0GENERAL"


@pytest.fixture
def served(slack: SlackApiServer, llm: FakeOpenAI, tmp_path: Path) -> Iterator[ServeProcess]:
    env = dict(
        SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url,
        OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
        DATABASE_URL=f"sqlite:///{tmp_path}/served.db", IDEALOOP_LLM_RETRIES="0",
    )
    with ServeProcess(env, cwd=tmp_path) as process:
        yield process


def test_serve_handles_brainstorm_reactions_and_export(served: ServeProcess,
                                                       slack: SlackApiServer) -> None:
    sender = SlackSender(served.url, SECRET)
    env, cwd = child_env(**served.env), served.cwd
    started = time.perf_counter()
    reply = sender.command("shorter standups")
    assert reply.status == 200 and time.perf_counter() - started < 1.0
    header_ts = slack.wait_for("chat.update", timeout=15)[0].params["ts"]
    ideas = slack.state.thread(CHANNEL, header_ts)[1:]
    assert len(ideas) == 5

    sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL, ts=ideas[0]["ts"])
    sender.reaction(user="U0BOB", emoji="+1::skin-tone-2", channel=CHANNEL, ts=ideas[0]["ts"])
    sender.reaction(user="U0BOB", emoji="x", channel=CHANNEL, ts=ideas[1]["ts"],
                    event_id="EvDUP")
    sender.reaction(user="U0BOB", emoji="x", channel=CHANNEL, ts=ideas[1]["ts"],
                    event_id="EvDUP", retry_num=1)

    def exported() -> list[dict]:
        result = idealoop("export", "--format", "jsonl", env=env, cwd=cwd)
        assert result.returncode == 0, result.stderr
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert [r["approvals"] for r in rows[:2]] == [2, 0], rows
        assert rows[1]["rejections"] == 1
        return rows

    rows = eventually(exported, timeout=10, interval=0.2)
    assert len(rows) == 5 and rows[0]["score"] == 2 and rows[1]["score"] == -1
    assert {r["topic"] for r in rows} == {"shorter standups"}

    csv_out = idealoop("export", "--format", "csv", env=env, cwd=cwd)
    lines = csv_out.stdout.splitlines()
    assert lines[0].startswith("id,kind,channel,ts,") and len(lines) == 6

    assert served.stop() == 0  # SIGTERM: a clean exit
    log = served.log_text()
    assert "idealoop stopped" in log
    assert "Traceback" not in log and TOKEN not in log


def test_serve_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    result = idealoop("serve", env=child_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_a_broken_database_url_is_one_clear_line(tmp_path: Path) -> None:
    env = child_env(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = idealoop("export", env=env, cwd=tmp_path)
    assert result.returncode == 3
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_socket_mode_that_cannot_connect_says_why(slack: SlackApiServer, tmp_path: Path) -> None:
    env = child_env(SLACK_BOT_TOKEN=TOKEN, SLACK_APP_TOKEN="xapp-1-test", SLACK_API_URL=slack.url,
                  DATABASE_URL=f"sqlite:///{tmp_path}/s.db")
    result = idealoop("serve", env=env, cwd=tmp_path)
    assert result.returncode == 4
    assert "SLACK_APP_TOKEN" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr and "xapp-1-test" not in result.stderr


def test_an_unreachable_slack_is_one_clear_line(tmp_path: Path) -> None:
    env = child_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                  SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",
                  DATABASE_URL=f"sqlite:///{tmp_path}/s.db")
    result = idealoop("serve", env=env, cwd=tmp_path)
    assert result.returncode == 4
    assert "cannot reach Slack" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr


def test_serve_takes_buttons_guidance_and_home(served: ServeProcess, slack: SlackApiServer,
                                               llm: FakeOpenAI) -> None:
    """Issue 13, through `idealoop serve` over HTTP: a click counts exactly as a reaction,
    "Draft this" delivered twice answers once, guidance reaches the next prompt, and the
    Home tab shows the channel's acceptance rate ("Draft this" counts as an approval)."""
    from bot.emulator.shell import find_button
    from bot.emulator.slack_requests import home_opened_event

    sender = SlackSender(served.url, SECRET)
    env, cwd = child_env(**served.env), served.cwd
    assert sender.command("shorter standups").status == 200
    header_ts = slack.wait_for("chat.update", timeout=15)[0].params["ts"]
    ideas = slack.state.thread(CHANNEL, header_ts)[1:]

    def click(message: dict, name: str, user: str) -> int:
        action = find_button(message, name)
        assert action is not None
        return sender.click(action, user=user, channel=CHANNEL, message=message,
                            response_url=slack.new_response_url(channel=CHANNEL,
                                                                user=user)).status

    assert click(ideas[0], "👍", "U0ALICE") == 200  # a click on the first idea
    sender.reaction(user="U0ALICE", emoji="+1", channel=CHANNEL, ts=ideas[1]["ts"])
    assert click(ideas[2], "👎", "U0BOB") == 200
    sender.reaction(user="U0BOB", emoji="-1", channel=CHANNEL, ts=ideas[3]["ts"])

    def exported() -> list[dict]:
        result = idealoop("export", "--format", "jsonl", env=env, cwd=cwd)
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        tallies = [(r["approvals"], r["rejections"], r["score"]) for r in rows[:4]]
        assert tallies == [(1, 0, 1), (1, 0, 1), (0, 1, -1), (0, 1, -1)], tallies
        return rows

    eventually(exported, timeout=10, interval=0.2)

    llm.reply("*Plan*\n• Start on Monday")
    assert click(ideas[4], "draft", "U0CAROL") == 200
    assert click(ideas[4], "draft", "U0CAROL") == 200  # the same click, delivered again

    def one_draft() -> None:
        result = idealoop("export", "--format", "jsonl", env=env, cwd=cwd)
        kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
        assert kinds.count("draft") == 1, kinds

    eventually(one_draft, timeout=15, interval=0.2)

    assert sender.command("guide Our audience is new joiners.").json()[
        "response_type"] == "in_channel"
    llm.reply(json.dumps({"ideas": ["A buddy for the first week"]}))
    assert sender.command("onboarding").status == 200

    def guided() -> None:
        prompt = llm.requests[-1]["body"]["messages"][-1]["content"]
        assert "Our audience is new joiners." in prompt and "onboarding" in prompt

    eventually(guided, timeout=15, interval=0.2)

    assert sender.event(home_opened_event("U0BOB")).status == 200

    def home() -> None:
        view = slack.state.home_views.get("U0BOB")
        assert view is not None
        assert "60% of decided ideas approved (3 approved, 2 rejected" in json.dumps(
            view["blocks"])

    eventually(home, timeout=10, interval=0.2)
    assert served.stop() == 0
    assert "Traceback" not in served.log_text()


def test_serve_with_no_llm_says_so_loudly_at_start(slack: SlackApiServer,
                                                   tmp_path: Path) -> None:
    env = dict(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url,
               DATABASE_URL=f"sqlite:///{tmp_path}/offline.db")
    with ServeProcess(env, cwd=tmp_path) as process:
        def warned() -> None:
            assert "serving Slack with the OFFLINE GENERATOR" in process.log_text()

        eventually(warned, timeout=10, interval=0.1)
        assert "no LLM is configured" in process.log_text()
        assert process.stop() == 0
