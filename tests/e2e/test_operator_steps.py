"""The operator's steps in the README that can run here: a model server that does not
have the default model (as Ollama answers), and backups of a database in use, restored —
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.config import DEFAULT_MODEL
from bot.emulator.web_api import SlackApiServer
from storage.db import is_current, make_engine
from storage.stores import Stores
from testkit.app import RunningApp, running_app
from testkit.databases import scratch_database
from testkit.fake_openai import FakeOpenAI
from tests.conftest import POSTGRES_ADMIN_URL

CHANNEL = "C0GENERAL"


def brainstorm(app: RunningApp, topic: str) -> dict:
    """/brainstorm; the header as it settled."""
    reply = app.sender.command(topic, response_url=app.slack.new_response_url())
    assert reply.status == 200
    assert app.deps.wait_quiet(timeout=20)
    return app.slack.state.history(CHANNEL)[0]


def test_a_server_without_the_default_model_names_the_setting_to_fix(
        slack: SlackApiServer, db_url: str) -> None:
    with (FakeOpenAI(local=True) as ollama,  # answers an unknown model as Ollama does
          running_app(slack, db_url, OPENAI_BASE_URL=ollama.base_url) as app):  # no model set
        header = brainstorm(app, "shorter standups")
        assert ollama.requests[0]["body"]["model"] == DEFAULT_MODEL
        said = json.dumps(header["blocks"])
        assert (f"The AI service does not offer the model '{DEFAULT_MODEL}'. Ask whoever runs "
                "idealoop to check IDEALOOP_MODEL.") in said
        assert list(app.stores.reports.export_rows()) == []  # nothing saved


def _exported(url: str) -> list[dict]:
    stores = Stores.open(make_engine(url))
    try:
        assert is_current(stores.engine)
        return [{key: row[key] for key in ("text", "approvals", "team")}
                for row in stores.reports.export_rows()]
    finally:
        stores.engine.dispose()


def _with_data(slack: SlackApiServer, url: str) -> list[dict]:
    with running_app(slack, url, IDEALOOP_LLM="offline") as app:
        brainstorm(app, "shorter standups")
        [idea, *_] = app.slack.state.thread(CHANNEL, app.slack.state.history(CHANNEL)[0]["ts"])[1:]
        assert app.sender.reaction(user="U0BOB", emoji="+1", channel=CHANNEL,
                                   ts=idea["ts"]).status == 200
        assert app.deps.wait_quiet()
        return _exported(url)


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 command here")
def test_a_sqlite_backup_taken_while_serving_restores_everything(
        slack: SlackApiServer, sqlite_url: str, tmp_path: Path) -> None:
    kept = _with_data(slack, sqlite_url)
    assert kept and kept[0]["approvals"] == 1
    backup = tmp_path / "idealoop-backup.db"
    source = make_url(sqlite_url).database
    subprocess.run(["sqlite3", str(source), f".backup {backup}"], check=True, timeout=60)
    assert _exported(f"sqlite:///{backup}") == kept


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="no pg_dump here")
def test_a_postgresql_dump_restores_into_an_empty_database(
        slack: SlackApiServer, postgres_url: str, tmp_path: Path) -> None:
    with scratch_database(POSTGRES_ADMIN_URL, prefix="idealoop_backup") as source, \
            scratch_database(POSTGRES_ADMIN_URL, prefix="idealoop_restore",
                             migrated=False) as target:
        kept = _with_data(slack, source)
        dump = tmp_path / "idealoop.dump"
        libpq = [make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False) for url in (source, target)]
        with dump.open("wb") as out:
            subprocess.run(["pg_dump", "--format=custom", libpq[0]], stdout=out, check=True,
                           timeout=120)
        subprocess.run(["pg_restore", "--no-owner", "-d", libpq[1], str(dump)], check=True,
                       timeout=120)
        assert _exported(target) == kept
