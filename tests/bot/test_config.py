"""Tests for reading settings from the environment (`bot/config.py`).

Why these cases: an operator's first contact with idealoop is its configuration. Every
malformed value must stop start-up with ONE line that names the variable (and never
echoes a secret), defaults must be sensible, `.env` must fill gaps without overriding
the real environment, and secrets must not leak through `repr`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import DEFAULT_APPROVE, DEFAULT_MODEL, DEFAULT_REJECT, Settings
from bot.errors import ConfigError


def load(env: dict[str, str], dotenv: Path | None = None) -> Settings:
    return Settings.from_env(env, dotenv_path=dotenv)


def config_error(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as info:
        load(env)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message, message
    assert message.strip() == message and message
    assert info.value.user_message == message
    return message


# --- Defaults and LLM mode ------------------------------------------------------------------


def test_defaults() -> None:
    settings = load({})
    assert settings == Settings()
    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.openai_api_key is None
    assert settings.openai_base_url is None
    assert settings.model == DEFAULT_MODEL == "gpt-5-mini"
    assert settings.temperature is None  # nothing sent: the model's own default
    assert settings.llm_mode == "offline"
    assert settings.database_url == "sqlite:///idealoop.db"
    assert settings.timezone == "UTC"
    assert settings.port == 3000
    assert settings.approve_emoji == frozenset(DEFAULT_APPROVE)
    assert settings.reject_emoji == frozenset(DEFAULT_REJECT)
    assert settings.ideas_per_brainstorm == 5
    assert settings.topic_max_chars == 300
    assert settings.llm_timeout == 60.0
    assert settings.llm_max_retries == 2
    assert settings.workers == 32


def test_blank_values_mean_default() -> None:
    settings = load({"PORT": "  ", "IDEALOOP_TIMEZONE": "", "DATABASE_URL": " ",
                     "IDEALOOP_LLM": " ", "IDEALOOP_MODEL": ""})
    assert (settings.port, settings.timezone, settings.database_url) == (
        3000, "UTC", "sqlite:///idealoop.db")
    assert (settings.llm_mode, settings.model) == ("offline", DEFAULT_MODEL)


def test_values_parsed() -> None:
    settings = load({
        "SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_SIGNING_SECRET": "sig", "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": "http://localhost:9000/api/", "IDEALOOP_MODEL": "llama3.1",
        "DATABASE_URL": "postgresql+psycopg://u@h/db", "IDEALOOP_TIMEZONE": "Europe/Berlin",
        "PORT": " 8080 ", "IDEALOOP_IDEAS": "7", "IDEALOOP_TOPIC_MAX_CHARS": "500",
        "IDEALOOP_LLM_TIMEOUT": "12.5", "IDEALOOP_LLM_RETRIES": "0", "IDEALOOP_WORKERS": "4",
        "IDEALOOP_EMBEDDING_MODEL": " nomic-embed-text ", "IDEALOOP_EMBEDDING_THRESHOLD": "0.9",
    })
    assert settings.embedding_model == "nomic-embed-text"
    assert settings.embedding_threshold == 0.9
    assert settings.slack_bot_token == "xoxb-1-2"
    assert settings.slack_signing_secret == "sig"
    assert settings.slack_app_token == "xapp-1"
    assert settings.slack_api_url == "http://localhost:9000/api/"
    assert settings.model == "llama3.1"
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.timezone == "Europe/Berlin"
    assert settings.port == 8080
    assert settings.ideas_per_brainstorm == 7
    assert settings.topic_max_chars == 500
    assert settings.llm_timeout == 12.5
    assert settings.llm_max_retries == 0
    assert settings.workers == 4


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({}, "offline"),
        ({"IDEALOOP_LLM": "auto"}, "offline"),
        ({"IDEALOOP_LLM": "auto", "OPENAI_API_KEY": "   "}, "offline"),
        ({"IDEALOOP_LLM": "auto", "OPENAI_API_KEY": "sk-test"}, "openai"),
        ({"IDEALOOP_LLM": "auto", "OPENAI_BASE_URL": "http://localhost:11434/v1"}, "openai"),
        ({"OPENAI_API_KEY": "sk-test"}, "openai"),
        ({"IDEALOOP_LLM": "offline", "OPENAI_API_KEY": "sk-test"}, "offline"),
        ({"IDEALOOP_LLM": "openai", "OPENAI_API_KEY": "sk-test"}, "openai"),
        ({"IDEALOOP_LLM": "  OpenAI ", "OPENAI_BASE_URL": "https://llm.internal/v1"}, "openai"),
    ],
)
def test_llm_mode(env: dict[str, str], mode: str) -> None:
    assert load(env).llm_mode == mode


def test_openai_api_base_alias() -> None:
    settings = load({"OPENAI_API_BASE": "http://localhost:8000/v1"})
    assert settings.openai_base_url == "http://localhost:8000/v1"
    assert settings.llm_mode == "openai"


def test_openai_base_url_wins_over_alias() -> None:
    settings = load({"OPENAI_BASE_URL": "https://a.example/v1",
                     "OPENAI_API_BASE": "https://b.example/v1"})
    assert settings.openai_base_url == "https://a.example/v1"


# --- Malformed values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "80.5"}, "PORT"),
        ({"PORT": "0"}, "PORT"),
        ({"PORT": "65536"}, "PORT"),
        ({"PORT": "-1"}, "PORT"),
        ({"IDEALOOP_TIMEZONE": "Mars/Olympus"}, "IDEALOOP_TIMEZONE"),
        ({"IDEALOOP_TIMEZONE": "../../etc/passwd"}, "IDEALOOP_TIMEZONE"),
        ({"IDEALOOP_TIMEZONE": "Europe/Berlin\nX"}, "IDEALOOP_TIMEZONE"),
        ({"IDEALOOP_LLM": "gpt"}, "IDEALOOP_LLM"),
        ({"IDEALOOP_LLM": "off\nline"}, "IDEALOOP_LLM"),
        ({"IDEALOOP_LLM": "openai"}, "IDEALOOP_LLM"),
        ({"OPENAI_BASE_URL": "localhost:11434"}, "OPENAI_BASE_URL"),
        ({"OPENAI_BASE_URL": "ftp://x"}, "OPENAI_BASE_URL"),
        ({"OPENAI_API_BASE": "localhost:8000/v1"}, "OPENAI_API_BASE"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"DATABASE_URL": "idealoop.db"}, "DATABASE_URL"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"IDEALOOP_REJECT_EMOJI": "x,+1"}, "IDEALOOP_REJECT_EMOJI"),
        ({"IDEALOOP_APPROVE_EMOJI": "rocket,,fire"}, "IDEALOOP_APPROVE_EMOJI"),
        ({"IDEALOOP_REJECT_EMOJI": "-1,::"}, "IDEALOOP_REJECT_EMOJI"),
        ({"IDEALOOP_IDEAS": "11"}, "IDEALOOP_IDEAS"),
        ({"IDEALOOP_TOPIC_MAX_CHARS": "10"}, "IDEALOOP_TOPIC_MAX_CHARS"),
        ({"IDEALOOP_LLM_TIMEOUT": "soon"}, "IDEALOOP_LLM_TIMEOUT"),
        ({"IDEALOOP_LLM_TIMEOUT": "0.5"}, "IDEALOOP_LLM_TIMEOUT"),
        ({"IDEALOOP_LLM_RETRIES": "11"}, "IDEALOOP_LLM_RETRIES"),
        ({"IDEALOOP_WORKERS": "0"}, "IDEALOOP_WORKERS"),
        ({"IDEALOOP_EMBEDDING_THRESHOLD": "1.5"}, "IDEALOOP_EMBEDDING_THRESHOLD"),
        ({"IDEALOOP_TEMPERATURE": "warm"}, "IDEALOOP_TEMPERATURE"),
        ({"IDEALOOP_TEMPERATURE": "2.5"}, "IDEALOOP_TEMPERATURE"),
    ],
)
def test_malformed_value_is_one_line_naming_variable(env: dict[str, str], variable: str) -> None:
    assert variable in config_error(env)


def test_temperature_is_sent_only_when_set() -> None:
    assert load({"IDEALOOP_TEMPERATURE": " 0.9 "}).temperature == 0.9
    assert load({"IDEALOOP_TEMPERATURE": "0"}).temperature == 0.0
    assert load({"IDEALOOP_TEMPERATURE": " "}).temperature is None
    assert config_error({"IDEALOOP_TEMPERATURE": "warm"}) == (
        "IDEALOOP_TEMPERATURE must be a number, got 'warm'")
    assert config_error({"IDEALOOP_TEMPERATURE": "3"}) == (
        "IDEALOOP_TEMPERATURE must be between 0.0 and 2.0, got 3.0")


def test_port_messages() -> None:
    assert config_error({"PORT": "abc"}) == "PORT must be a whole number, got 'abc'"
    assert config_error({"PORT": "70000"}) == "PORT must be between 1 and 65535, got 70000"


def test_openai_mode_without_key_or_url_says_what_is_needed() -> None:
    message = config_error({"IDEALOOP_LLM": "openai"})
    assert "OPENAI_API_KEY" in message
    assert "OPENAI_BASE_URL" in message


def test_bot_token_message_does_not_echo_value() -> None:
    secret = "xoxp-1234-SECRET-abcdef"
    message = config_error({"SLACK_BOT_TOKEN": secret})
    assert "SLACK_BOT_TOKEN" in message
    assert "xoxb-" in message
    assert secret not in message
    assert "SECRET" not in message


def test_app_token_message_does_not_echo_value() -> None:
    secret = "xoxb-7777-APPSECRET"
    message = config_error({"SLACK_APP_TOKEN": secret})
    assert "xapp-" in message
    assert "APPSECRET" not in message


def test_database_url_message_does_not_echo_value() -> None:
    message = config_error({"DATABASE_URL": "user:hunter2@dbhost/idealoop"})
    assert "hunter2" not in message


def test_overlapping_emoji_named() -> None:
    message = config_error({"IDEALOOP_APPROVE_EMOJI": "rocket,fire",
                            "IDEALOOP_REJECT_EMOJI": ":fire:,x"})
    assert message == ("IDEALOOP_APPROVE_EMOJI and IDEALOOP_REJECT_EMOJI share: fire "
                       "(the defaults apply to whichever is unset)")


def test_overlap_from_approve_list_names_approve_variable() -> None:
    message = config_error({"IDEALOOP_APPROVE_EMOJI": "rocket,x"})
    assert "IDEALOOP_APPROVE_EMOJI" in message


# --- Emoji lists ----------------------------------------------------------------------------


def test_custom_emoji_lists_with_colons_stripped() -> None:
    settings = load({"IDEALOOP_APPROVE_EMOJI": " :rocket: , sparkles,:+1:",
                     "IDEALOOP_REJECT_EMOJI": ":poop:,-1"})
    assert settings.approve_emoji == frozenset({"rocket", "sparkles", "+1"})
    assert settings.reject_emoji == frozenset({"poop", "-1"})


def test_blank_emoji_list_means_default() -> None:
    settings = load({"IDEALOOP_APPROVE_EMOJI": "  ", "IDEALOOP_REJECT_EMOJI": ""})
    assert settings.approve_emoji == frozenset(DEFAULT_APPROVE)
    assert settings.reject_emoji == frozenset(DEFAULT_REJECT)


# --- .env -----------------------------------------------------------------------------------


def test_dotenv_values_used(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "PORT=4000\nIDEALOOP_TIMEZONE=Asia/Tokyo\nSLACK_BOT_TOKEN=xoxb-from-file\n"
        "# a comment\nEMPTY_KEY\n",
        encoding="utf-8",
    )
    settings = load({}, dotenv)
    assert settings.port == 4000
    assert settings.timezone == "Asia/Tokyo"
    assert settings.slack_bot_token == "xoxb-from-file"


def test_real_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=4000\nIDEALOOP_MODEL=from-file\n", encoding="utf-8")
    settings = load({"PORT": "5000"}, dotenv)
    assert settings.port == 5000
    assert settings.model == "from-file"


def test_malformed_dotenv_value_is_reported(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=eighty\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^PORT must be a whole number"):
        load({}, dotenv)


def test_missing_dotenv_file_is_ignored(tmp_path: Path) -> None:
    assert load({"PORT": "4001"}, tmp_path / "nope.env").port == 4001


def test_dotenv_path_none_skips_cwd_dotenv(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("PORT=4002\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load({}).port == 3000


def test_os_environ_and_cwd_dotenv_by_default(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("PORT=4003\nIDEALOOP_WORKERS=3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IDEALOOP_WORKERS", "9")
    settings = Settings.from_env()
    assert settings.port == 4003
    assert settings.workers == 9


# --- require_serve --------------------------------------------------------------------------


def test_require_serve_names_bot_token() -> None:
    with pytest.raises(ConfigError) as info:
        Settings(slack_signing_secret="sig").require_serve()
    assert str(info.value).startswith("SLACK_BOT_TOKEN is not set")
    assert "\n" not in str(info.value)


def test_require_serve_names_signing_secret() -> None:
    with pytest.raises(ConfigError) as info:
        Settings(slack_bot_token="xoxb-1").require_serve()
    assert str(info.value).startswith("SLACK_SIGNING_SECRET is not set")
    assert "SLACK_APP_TOKEN" in str(info.value)


@pytest.mark.parametrize(
    "settings",
    [
        Settings(slack_bot_token="xoxb-1", slack_signing_secret="sig"),
        Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1"),
    ],
)
def test_require_serve_passes(settings: Settings) -> None:
    assert settings.require_serve() is None


# --- Secrets in repr ------------------------------------------------------------------------


def test_repr_hides_openai_key() -> None:
    settings = load({"OPENAI_API_KEY": "sk-very-secret-key"})
    assert settings.openai_api_key == "sk-very-secret-key"
    assert "sk-very-secret-key" not in repr(settings)
    assert "sk-very-secret-key" not in str(settings)


@pytest.mark.parametrize(
    ("variable", "secret"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-bot-SECRET"),
        ("SLACK_SIGNING_SECRET", "signing-SECRET"),
        ("SLACK_APP_TOKEN", "xapp-app-SECRET"),
        ("DATABASE_URL", "postgresql+psycopg://idealoop:pw-SECRET@db/idealoop"),
    ],
)
def test_repr_hides_slack_secrets(variable: str, secret: str) -> None:
    assert secret not in repr(load({variable: secret}))


def test_credentials_in_the_llm_url_are_never_shown() -> None:
    settings = Settings.from_env({"OPENAI_BASE_URL": "https://joe:s3cret@llm.example.com:8443/v1"})
    assert "s3cret" not in repr(settings)
    assert settings.openai_base_url_shown == "https://***@llm.example.com:8443/v1"
    plain = Settings.from_env({"OPENAI_BASE_URL": "http://localhost:11434/v1"})
    assert plain.openai_base_url_shown == "http://localhost:11434/v1"


@pytest.mark.parametrize(("env", "said"), [
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"},
     "set SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"),
    ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET is not set"),
    ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"},
     "installing by OAuth (SLACK_CLIENT_ID) needs HTTP mode"),
])
def test_one_workspace_or_many_is_an_unambiguous_choice(env: dict[str, str], said: str) -> None:
    settings = Settings.from_env({"SLACK_SIGNING_SECRET": "secret", **env})
    with pytest.raises(ConfigError, match=re.escape(said)):
        settings.require_serve()


def test_oauth_needs_no_bot_token() -> None:
    settings = Settings.from_env({"SLACK_SIGNING_SECRET": "secret", "SLACK_CLIENT_ID": "1.2",
                                  "SLACK_CLIENT_SECRET": "oauth-secret-value"})
    settings.require_serve()
    assert settings.oauth and "oauth-secret-value" not in repr(settings)


def test_the_readme_states_the_default_model_the_settings_use() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    readme = "".join((docs / page).read_text(encoding="utf-8")
                     for page in ("configuration.md", "operating.md"))
    assert f"| `IDEALOOP_MODEL` | `{DEFAULT_MODEL}` |" in readme
    assert f"idealoop asks for `{DEFAULT_MODEL}`, which Ollama does not have" in readme
    assert f"does not offer the model '{DEFAULT_MODEL}'" in readme
    assert "| `IDEALOOP_TEMPERATURE` | — (the model's default) |" in readme
