"""`idealoop doctor` against the emulated Slack Web API, the fake OpenAI server and real
databases, over loopback: one test per failure it must name, and the all-green runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.cli import main
from bot.config import BOT_SCOPES
from bot.emulator.web_api import SlackApiServer
from storage.db import make_engine, upgrade
from testkit.fake_openai import FakeOpenAI
from testkit.processes import child_env, free_port


@pytest.fixture
def env(slack: SlackApiServer, llm: FakeOpenAI, sqlite_url: str) -> dict[str, str]:
    """A deployment in HTTP mode with everything right."""
    return {"DATABASE_URL": sqlite_url, "SLACK_API_URL": slack.url,
            "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "signing-secret",
            "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "sk-test",
            "IDEALOOP_MODEL": "gpt-4o-mini"}


def serve_only(llm: FakeOpenAI, *models: str) -> None:
    """The fake LLM server offers these models only; others are 404 model_not_found."""
    llm.models = models


def doctor(env: dict[str, str], **changes: str | None) -> tuple[int, list[str]]:
    """`idealoop doctor` with `env` changed (None unsets): its exit code and lines."""
    settings = {**env, **changes}
    result = CliRunner().invoke(main, ["doctor"], env={k: v for k, v in settings.items()
                                                       if v is not None})
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines()


def failure(lines: list[str], start: str) -> tuple[str, str]:
    """The one ✗ line that starts with `start` (after the mark), and its fix."""
    found = [n for n, line in enumerate(lines) if line.startswith(f"✗ {start}")]
    assert len(found) == 1, "\n".join(lines)
    fix = lines[found[0] + 1]
    assert fix.startswith("    fix: ")
    return lines[found[0]], fix.removeprefix("    fix: ")


def marks(lines: list[str]) -> dict[str, str]:
    """What each item got: {"database": "✓", "LLM": "✗", …} (the first line of each)."""
    got: dict[str, str] = {}
    for line in lines:
        if line[:1] in "✓✗–" and ":" in line:
            got.setdefault(line[2:].split(":")[0], line[0])
    return got


def test_all_green_over_http_runs_as_an_operator_runs_it(
        env: dict[str, str], llm: FakeOpenAI, tmp_path: Path) -> None:
    serve_only(llm, "gpt-4o-mini", "nomic-embed-text")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "doctor"], cwd=tmp_path,
                          env=child_env(**env, IDEALOOP_EMBEDDING_MODEL="nomic-embed-text"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert marks(lines) == {"configuration": "✓", "database": "✓", "LLM": "✓",
                            "embeddings": "✓", "bot token": "✓", "scopes": "✓",
                            "signing secret": "✓", "app token": "–", "OAuth": "–"}
    assert any(line.startswith("    model family: chat, ") for line in lines)
    assert lines[-1] == "idealoop doctor: all good"
    [chat] = [r["body"] for r in llm.requests if r["path"] == "/v1/chat/completions"]
    assert chat["model"] == "gpt-4o-mini" and 0 < chat["max_completion_tokens"] <= 64
    assert "max_tokens" not in chat and "temperature" not in chat


def test_a_reasoning_model_is_named_and_what_it_refused_is_adapted(
        env: dict[str, str], llm: FakeOpenAI) -> None:
    code, lines = doctor(env, IDEALOOP_MODEL="gpt-5-mini", IDEALOOP_TEMPERATURE="0.9")
    assert code == 0, "\n".join(lines)
    assert any(line.startswith("    model family: reasoning, ") for line in lines)
    assert ("    adapted: temperature is no longer sent (the server answered "
            "unsupported_value)") in lines
    sent = [(r["body"].get("temperature"), r["status"]) for r in llm.requests
            if r["path"] == "/v1/chat/completions"]
    assert sent == [(0.9, 400), (None, 200)]


def test_all_green_in_socket_mode_on_each_database(
        env: dict[str, str], db_url: str, slack: SlackApiServer) -> None:
    code, lines = doctor(env, DATABASE_URL=db_url, SLACK_SIGNING_SECRET=None,
                         SLACK_APP_TOKEN="xapp-1-A0IDEALOOP-1-secret")
    assert code == 0, "\n".join(lines)
    assert marks(lines)["app token"] == "✓" and marks(lines)["signing secret"] == "–"
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.response is not None and opened.response["url"].startswith("ws://")


def test_an_unreachable_database_is_named_without_its_password(env: dict[str, str]) -> None:
    url = f"postgresql+psycopg://idealoop:hunter2-secret@127.0.0.1:{free_port()}/idealoop"
    code, lines = doctor(env, DATABASE_URL=url)
    assert code == 1
    line, fix = failure(lines, "database")
    assert "cannot reach postgresql+psycopg://idealoop:***@127.0.0.1" in line
    assert "DATABASE_URL" in fix
    assert "hunter2-secret" not in "\n".join(lines)
    assert marks(lines)["LLM"] == "✓"  # the rest is still checked


def test_a_database_behind_the_code_says_to_upgrade(env: dict[str, str],
                                                      tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    upgrade(engine, "0016")
    engine.dispose()
    code, lines = doctor(env, DATABASE_URL=url)
    assert code == 1
    line, fix = failure(lines, "database")
    assert "not migrated: at 0016" in line and fix == "run `idealoop db upgrade`"


def test_a_missing_sqlite_file_is_reported_not_created(env: dict[str, str],
                                                        tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "idealoop.db"
    code, lines = doctor(env, DATABASE_URL=f"sqlite:///{path}")
    assert code == 1
    line, fix = failure(lines, "database")
    assert "does not exist" in line and "idealoop db upgrade" in fix
    assert not path.parent.exists()


def test_an_llm_that_is_down(env: dict[str, str]) -> None:
    code, lines = doctor(env, OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1")
    assert code == 1
    line, fix = failure(lines, "LLM")
    assert line.endswith("cannot reach the server") and "OPENAI_BASE_URL" in fix


def test_a_base_url_without_the_api_root(env: dict[str, str], llm: FakeOpenAI) -> None:
    code, lines = doctor(env, OPENAI_BASE_URL=llm.base_url.removesuffix("/v1"))
    assert code == 1
    line, fix = failure(lines, "LLM")
    assert line.endswith("no chat completions API at this URL") and "/v1" in fix


def test_a_model_the_server_does_not_offer(env: dict[str, str], llm: FakeOpenAI) -> None:
    serve_only(llm, "gpt-4o", "gpt-4o-mini")
    code, lines = doctor(env, IDEALOOP_MODEL="gpt-5-mini")
    assert code == 1
    line, fix = failure(lines, "LLM")
    assert "gpt-5-mini" in line and "does not offer this model" in line
    assert fix.startswith("set IDEALOOP_MODEL to a model the server offers")


def test_an_embeddings_model_the_server_does_not_have(env: dict[str, str],
                                                       llm: FakeOpenAI) -> None:
    llm.embeddings(offered=False)
    code, lines = doctor(env, IDEALOOP_EMBEDDING_MODEL="nomic-embed-text")
    assert code == 1
    assert marks(lines)["LLM"] == "✓"
    line, fix = failure(lines, "embeddings")
    assert "nomic-embed-text" in line and "IDEALOOP_EMBEDDING_MODEL" in fix


def test_offline_mode_says_the_offline_generator_is_used(env: dict[str, str],
                                                         llm: FakeOpenAI) -> None:
    code, lines = doctor(env, OPENAI_BASE_URL=None, OPENAI_API_KEY=None)
    assert code == 0
    assert any(line.startswith("✓ LLM: the offline generator") for line in lines)
    assert llm.requests == []


def test_an_invalid_bot_token(env: dict[str, str], slack: SlackApiServer) -> None:
    slack.fail("auth.test", error="invalid_auth")
    code, lines = doctor(env)
    assert code == 1
    line, fix = failure(lines, "bot token")
    assert "invalid_auth" in line and "SLACK_BOT_TOKEN" in fix
    assert "scopes" not in marks(lines)  # nothing to say about a token Slack refused


def test_slack_out_of_reach(env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    code, lines = doctor(env, SLACK_API_URL=url, SLACK_APP_TOKEN="xapp-1-A1-1-x")
    assert code == 1
    for item in ("bot token", "app token"):
        line, fix = failure(lines, item)
        assert f"cannot reach Slack at {url}" in line and "SLACK_API_URL" in fix


def test_missing_scopes_are_named(env: dict[str, str], slack: SlackApiServer) -> None:
    slack.grant_scopes(*(scope for scope in BOT_SCOPES
                         if scope not in ("reactions:read", "users:read")))
    code, lines = doctor(env)
    assert code == 1
    assert marks(lines)["bot token"] == "✓"
    line, fix = failure(lines, "scopes")
    assert line == "✗ scopes: the bot token lacks reactions:read, users:read"
    assert fix == "add them in the app config and reinstall"


def test_no_signing_secret_in_http_mode(env: dict[str, str]) -> None:
    code, lines = doctor(env, SLACK_SIGNING_SECRET=None)
    assert code == 1
    line, fix = failure(lines, "signing secret")
    assert "SLACK_SIGNING_SECRET is not set" in line and "SLACK_APP_TOKEN" in fix


def test_an_app_token_slack_refuses(env: dict[str, str], slack: SlackApiServer) -> None:
    slack.fail("apps.connections.open", error="invalid_auth")
    code, lines = doctor(env, SLACK_SIGNING_SECRET=None, SLACK_APP_TOKEN="xapp-1-revoked")
    assert code == 1
    line, fix = failure(lines, "app token")
    assert "invalid_auth" in line and "connections:write" in fix


def test_oauth_settings_serve_would_refuse(env: dict[str, str], slack: SlackApiServer) -> None:
    slack.enable_oauth("1234.5678", "client-secret")
    code, lines = doctor(env, SLACK_CLIENT_ID="1234.5678", SLACK_CLIENT_SECRET="client-secret",
                         SLACK_REDIRECT_URI="http://idealoop.example.com/slack/install")
    assert code == 1
    oauth = [line for line in lines if line.startswith(("✗ OAuth", "✓ OAuth"))]
    assert oauth == [
        "✗ OAuth: set SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and "
        "SLACK_CLIENT_SECRET to install in many; not both",
        "✓ OAuth: client id has Slack's shape",
        "✗ OAuth: SLACK_REDIRECT_URI http://idealoop.example.com/slack/install is not https "
        "(Slack refuses it)",
        "✓ OAuth: Slack accepts the client id and secret",
    ]


def test_oauth_with_a_wrong_secret_and_redirect_path(env: dict[str, str],
                                                     slack: SlackApiServer) -> None:
    slack.enable_oauth("1234.5678", "the-real-secret")
    code, lines = doctor(env, SLACK_BOT_TOKEN=None, SLACK_CLIENT_ID="1234.5678",
                         SLACK_CLIENT_SECRET="an-old-secret",
                         SLACK_REDIRECT_URI="https://idealoop.example.com/oauth")
    assert code == 1
    line, fix = failure(lines, "OAuth: SLACK_REDIRECT_URI")
    assert "does not end with /slack/oauth_redirect" in line
    assert fix.startswith("use https://idealoop.example.com/slack/oauth_redirect")
    line, fix = failure(lines, "OAuth: Slack refused SLACK_CLIENT_SECRET")
    assert line.endswith("for this client id") and "Client Secret" in fix
    assert marks(lines)["bot token"] == "–"  # by OAuth: no one token to check
    assert "an-old-secret" not in "\n".join(lines)


def test_oauth_all_green(env: dict[str, str], slack: SlackApiServer) -> None:
    slack.enable_oauth("1234.5678", "client-secret")
    code, lines = doctor(env, SLACK_BOT_TOKEN=None, SLACK_CLIENT_ID="1234.5678",
                         SLACK_CLIENT_SECRET="client-secret",
                         SLACK_REDIRECT_URI="https://idealoop.example.com/slack/oauth_redirect")
    assert code == 0, "\n".join(lines)
    assert sum(line.startswith("✓ OAuth") for line in lines) == 3
    assert "– scopes: no workspace has installed the app yet (/slack/install)" in lines


def install(url: str, team: str, scopes: tuple[str, ...]) -> None:
    """What an OAuth install leaves in the database (slack_sdk's store, as the app's)."""
    engine = make_engine(url)
    try:
        SQLAlchemyInstallationStore(client_id="1234.5678", engine=engine).save(Installation(
            app_id="A0IDEALOOP", team_id=team, user_id="U0ALICE", bot_user_id="U0BOT",
            bot_token=f"xoxb-{team}-1", bot_scopes=",".join(scopes)))
    finally:
        engine.dispose()


def test_oauth_workspaces_installed_with_fewer_scopes_are_named(
        env: dict[str, str], slack: SlackApiServer) -> None:
    slack.enable_oauth("1234.5678", "client-secret")
    install(env["DATABASE_URL"], "T0BLUE", BOT_SCOPES)
    install(env["DATABASE_URL"], "T0RED", BOT_SCOPES[:-1])
    code, lines = doctor(env, SLACK_BOT_TOKEN=None, SLACK_CLIENT_ID="1234.5678",
                         SLACK_CLIENT_SECRET="client-secret")
    assert code == 1
    line, fix = failure(lines, "scopes")
    assert line == f"✗ scopes: 1 of 2 installed workspaces: T0RED lacks {BOT_SCOPES[-1]}"
    assert fix == "add them in the app config and reinstall"
    install(env["DATABASE_URL"], "T0RED", BOT_SCOPES)  # reinstalled
    code, lines = doctor(env, SLACK_BOT_TOKEN=None, SLACK_CLIENT_ID="1234.5678",
                         SLACK_CLIENT_SECRET="client-secret")
    assert code == 0, "\n".join(lines)
    assert ("✓ scopes: all 2 installed workspaces granted every bot scope manifest.yml "
            "asks for") in lines


def test_a_malformed_setting_is_serves_line_and_the_rest_is_checked(
        env: dict[str, str]) -> None:
    code, lines = doctor(env, PORT="eighty", SLACK_BOT_TOKEN="xoxp-a-user-token")
    assert code == 1
    assert "✗ configuration error: PORT must be a whole number, got 'eighty'" in lines
    assert "✗ configuration error: SLACK_BOT_TOKEN must start with 'xoxb-'" in lines
    assert "xoxp-a-user-token" not in "\n".join(lines)
    got = marks(lines)
    assert got["database"] == got["LLM"] == got["signing secret"] == "✓"
    assert "– bot token: not checked (SLACK_BOT_TOKEN is malformed)" in lines
    assert lines[-1] == "idealoop doctor: 2 to fix"
