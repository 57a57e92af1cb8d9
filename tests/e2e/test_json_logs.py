"""`idealoop serve` as its own process with `IDEALOOP_LOG_FORMAT=json`: every line it
writes is one JSON object, and the lines about a signed /brainstorm name its workspace
and channel (Bolt's dispatch) and, once it runs, its work id (the worker)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.emulator.slack_requests import TEAM, SlackSender
from bot.emulator.web_api import SlackApiServer
from storage.db import make_engine
from testkit.app import SECRET, TOKEN
from testkit.fake_openai import FakeOpenAI
from testkit.processes import ServeProcess

CHANNEL = "C0GENERAL"


def work_ids(database_url: str) -> list[int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return [int(row[0]) for row in conn.execute(text("SELECT id FROM work"))]
    finally:
        engine.dispose()


def test_every_line_is_json_and_the_lines_about_a_brainstorm_say_where_it_was(
        slack: SlackApiServer, llm: FakeOpenAI, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/served.db"
    env = dict(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url,
               OPENAI_BASE_URL=llm.base_url, IDEALOOP_MODEL="fake-model",
               DATABASE_URL=database_url, IDEALOOP_LLM_RETRIES="0",
               IDEALOOP_LOG_FORMAT="json")
    # DEBUG: Bolt writes its lines about each request (the middleware it applies, the
    # listener it runs), which INFO leaves out.
    module = ("bot.cli", "--log-level", "DEBUG", "serve")
    with ServeProcess(env, cwd=tmp_path, module=module) as served:
        reply = SlackSender(served.url, SECRET).command("shorter standups", channel=CHANNEL)
        assert reply.status == 200
        slack.wait_for("chat.update", timeout=15)
        assert served.stop() == 0
        log = served.log_text()

    [work_id] = work_ids(database_url)
    entries: list[dict[str, Any]] = []
    for line in log.splitlines():  # the process writes nothing but log records
        entry = json.loads(line)
        assert isinstance(entry, dict) and {"time", "level", "logger", "message"} <= set(entry)
        entries.append(entry)
    assert TOKEN not in log and SECRET not in log

    started = next(e for e in entries if e["message"].startswith("idealoop listening on"))
    assert not {"team", "channel", "work_id"} & set(started)

    dispatched = [e for e in entries if e["logger"] == "slack_bolt"
                  and e["message"].startswith(("Applying ", "Running listener: brainstorm"))]
    assert dispatched and any("Running listener" in e["message"] for e in dispatched)
    for entry in dispatched:  # the request: its workspace and channel, no work yet
        assert (entry.get("team"), entry.get("channel")) == (TEAM, CHANNEL), entry
        assert "work_id" not in entry

    running = [e for e in entries if "work_id" in e]
    # The brainstorm's request to the model, written by the HTTP library under the SDK.
    assert any("/chat/completions" in e["message"] for e in running), running
    for entry in running:
        assert (entry["team"], entry["channel"], entry["work_id"]) == (TEAM, CHANNEL, work_id)
