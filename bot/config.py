"""Settings: every environment variable idealoop reads, parsed once, in one place.

`Settings.from_env(environ)` is the only reader of the environment. The CLI builds
one `Settings` at start-up and passes it down; tests pass a plain dict. A missing or
malformed value raises `ConfigError` whose message is one line naming the variable,
which the CLI prints instead of a traceback.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values

from bot.errors import ConfigError
from bot.slack_values import is_slack_id

T = TypeVar("T", int, float)
DEFAULT_MODEL = "gpt-5-mini"  # a current small OpenAI model (a reasoning model)
DEFAULT_APPROVE = (
    "+1", "white_check_mark", "heavy_check_mark", "heart", "star", "fire", "tada",
    "raised_hands", "100",
)
DEFAULT_REJECT = ("-1", "x", "no_entry_sign", "thumbsdown")
LLM_MODES = ("auto", "openai", "offline")
LOG_FORMATS = ("text", "json")  # `bot.runtime.logs.formatter`
# The bot scopes an OAuth install asks for: manifest.yml's (tests/test_manifest.py keeps
# the two the same).
BOT_SCOPES = ("app_mentions:read", "assistant:write", "channels:history", "chat:write",
              "commands", "groups:history", "im:history", "reactions:read", "users:read")
# Every variable `Settings.from_env` reads, as `idealoop serve --help` lists them
# (tests/bot/test_cli.py checks this list against the reads below).
ENVIRONMENT: tuple[tuple[str, str], ...] = (
    ("SLACK_BOT_TOKEN", "bot token (xoxb-…): one workspace"),
    ("SLACK_CLIENT_ID", "OAuth client id: installs in many workspaces (not with a bot token)"),
    ("SLACK_CLIENT_SECRET", "OAuth client secret, with SLACK_CLIENT_ID"),
    ("SLACK_REDIRECT_URI", "OAuth redirect URL, if the app lists several"),
    ("SLACK_SIGNING_SECRET", "verifies Slack's HTTP requests; required in HTTP mode"),
    ("SLACK_APP_TOKEN", "app-level token (xapp-…): Socket Mode instead of HTTP"),
    ("SLACK_API_URL", "Slack Web API base URL (default https://slack.com/api/)"),
    ("OPENAI_API_KEY", "key for the LLM server"),
    ("OPENAI_BASE_URL", "any OpenAI-compatible server (OPENAI_API_BASE works too)"),
    ("OPENAI_API_BASE", "the same as OPENAI_BASE_URL"),
    ("IDEALOOP_MODEL", f"model name (default {DEFAULT_MODEL})"),
    ("IDEALOOP_TEMPERATURE", "sampling temperature 0-2, sent only when set (reasoning "
                             "models take only their default)"),
    ("IDEALOOP_LLM", "auto | openai | offline (default auto)"),
    ("IDEALOOP_EMBEDDING_MODEL", "embeddings model: rejected ideas recognised by meaning"),
    ("IDEALOOP_EMBEDDING_THRESHOLD", "cosine of the same idea (default 0.85)"),
    ("DATABASE_URL", "SQLAlchemy URL (default sqlite:///idealoop.db)"),
    ("IDEALOOP_TIMEZONE", "default time zone of digests (default UTC)"),
    ("PORT", "HTTP port (default 3000)"),
    ("IDEALOOP_APPROVE_EMOJI", "emoji that approve, comma-separated"),
    ("IDEALOOP_REJECT_EMOJI", "emoji that reject, comma-separated"),
    ("IDEALOOP_IDEAS", "ideas per brainstorm, 1-10 (default 5)"),
    ("IDEALOOP_TOPIC_MAX_CHARS", "longest topic (default 300)"),
    ("IDEALOOP_LLM_TIMEOUT", "seconds per LLM request (default 60)"),
    ("IDEALOOP_LLM_RETRIES", "retries of an LLM request (default 2)"),
    ("IDEALOOP_PROMPT_BUDGET", "draft prompt tokens (default 6000)"),
    ("IDEALOOP_STREAM_INTERVAL", "seconds between draft updates (default 1.0)"),
    ("IDEALOOP_STREAM_IDEAS", "post each idea as it is written, 1 or 0 (default 1)"),
    ("IDEALOOP_DIGEST_GRACE_MINUTES", "a missed digest is posted this late (default 720)"),
    ("IDEALOOP_WORKERS", "brainstorms and drafts at once (default 32)"),
    ("IDEALOOP_WORK_LEASE", "seconds a process holds work unrenewed (default 30)"),
    ("IDEALOOP_CHANNELS", "channel ids idealoop works in, comma-separated (default all)"),
    ("IDEALOOP_DAILY_LIMIT_PERSON", "brainstorms and drafts per person a day (0: none)"),
    ("IDEALOOP_DAILY_LIMIT_CHANNEL", "brainstorms and drafts per channel a day (0: none)"),
    ("IDEALOOP_DAILY_TOKENS", "LLM tokens per workspace a day (0: no budget)"),
    ("IDEALOOP_RETENTION_DAYS", "texts older than this many days are purged (0: kept)"),
    ("IDEALOOP_REDACT", "1: e-mail, phone, card numbers and IBANs hidden from the LLM"),
    ("IDEALOOP_LOG_FORMAT", "text | json: one JSON object per log line (default text)"),
)


def _emoji_set(raw: str | None, default: tuple[str, ...], name: str) -> frozenset[str]:
    if raw is None or not raw.strip():
        return frozenset(default)
    names = [part.strip().strip(":") for part in raw.split(",")]
    if not all(names):
        raise ConfigError(f"{name} must be a comma-separated list of emoji names, got {raw!r}")
    return frozenset(names)


def _number(env: Mapping[str, str], name: str, default: T, low: T, high: T,
            kind: type[T]) -> T:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return _number(env, name, default, low, high, int)


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    return _number(env, name, default, low, high, float)


def _optional_float(env: Mapping[str, str], name: str, low: float, high: float) \
        -> float | None:
    """A number when the variable is set, else None (nothing is sent for it)."""
    if not env.get(name, "").strip():
        return None
    return _float(env, name, low, low, high)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true/false), got {raw!r}")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (the first when unset)."""
    raw = env.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _channel_ids(raw: str | None) -> frozenset[str]:
    ids = [part.strip() for part in (raw or "").split(",") if part.strip()]
    wrong = [part for part in ids if not (is_slack_id(part) and part.startswith(("C", "G")))]
    if wrong:
        raise ConfigError("IDEALOOP_CHANNELS must list channel ids such as C0123ABCD, "
                          f"comma-separated; {wrong[0]!r} is not one")
    return frozenset(ids)


def _url(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw


def _prefixed(env: Mapping[str, str], name: str, prefix: str) -> str | None:
    raw = env.get(name, "").strip() or None
    if raw is not None and not raw.startswith(prefix):
        # Never echo the value: it may be a real secret pasted in the wrong place.
        raise ConfigError(f"{name} must start with {prefix!r}")
    return raw


def read_environ(environ: Mapping[str, str] | None = None, *,
                 dotenv_path: str | Path | None = None) -> dict[str, str]:
    """What `Settings.from_env` reads: `environ` over the `.env` file at `dotenv_path`;
    with no `environ`, the process environment over `./.env` (real variables win)."""
    if environ is None:
        environ = os.environ
        dotenv_path = dotenv_path or Path.cwd() / ".env"
    env: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    env.update(environ)
    return env


@dataclass(frozen=True)
class Settings:
    """Typed, immutable configuration. Build with `from_env`; tests may build directly."""

    slack_bot_token: str | None = field(default=None, repr=False)
    slack_client_id: str | None = None  # with the secret: installed by OAuth, many workspaces
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_redirect_uri: str | None = None
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = field(default=None, repr=False)  # may carry credentials
    model: str = DEFAULT_MODEL
    temperature: float | None = None  # None: the model's own default (nothing is sent)
    llm_mode: str = "offline"
    embedding_model: str | None = None  # on the LLM server; None: ideas compared by words
    embedding_threshold: float = 0.85  # cosine at which two ideas are the same idea
    database_url: str = field(default="sqlite:///idealoop.db", repr=False)
    timezone: str = "UTC"
    port: int = 3000
    approve_emoji: frozenset[str] = frozenset(DEFAULT_APPROVE)
    reject_emoji: frozenset[str] = frozenset(DEFAULT_REJECT)
    ideas_per_brainstorm: int = 5
    topic_max_chars: int = 300
    llm_timeout: float = 60.0
    llm_max_retries: int = 2
    workers: int = 32
    prompt_budget: int = 6000
    digest_grace_minutes: int = 720
    stream_interval: float = 1.0
    stream_ideas: bool = True  # post each idea as the model finishes it
    work_lease: float = 30.0
    # Governance (`bot.limits`): empty / 0 means no limit.
    channels: frozenset[str] = frozenset()  # the channels idealoop works in
    daily_limit_person: int = 0  # brainstorms and drafts one person may start a day
    daily_limit_channel: int = 0  # … in one channel
    daily_tokens: int = 0  # LLM tokens a workspace may use a day
    # Privacy (`bot.privacy`, `bot.redaction`).
    retention_days: int = 0  # texts older than this are purged daily; 0: kept
    redact: bool = False  # hide e-mail addresses, phone and card numbers from the LLM
    log_format: str = "text"  # or "json": one object per line, for log pipelines

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv_path: str | Path | None = None
    ) -> Settings:
        """Read settings from `environ` (default `os.environ`) over a `.env` file.

        Real environment variables win over `.env`, as operators expect. Pass
        `dotenv_path=None` with an explicit `environ` to skip `.env` entirely.
        """
        env = read_environ(environ, dotenv_path=dotenv_path)

        key = env.get("OPENAI_API_KEY", "").strip() or None
        base_url = _url(env, "OPENAI_BASE_URL", None) or _url(env, "OPENAI_API_BASE", None)
        mode = env.get("IDEALOOP_LLM", "auto").strip().lower() or "auto"
        if mode not in LLM_MODES:
            raise ConfigError(f"IDEALOOP_LLM must be one of {', '.join(LLM_MODES)}, got {mode!r}")
        if mode == "auto":
            mode = "openai" if (key or base_url) else "offline"
        if mode == "openai" and not (key or base_url):
            raise ConfigError("IDEALOOP_LLM=openai needs OPENAI_API_KEY or OPENAI_BASE_URL")

        tz = env.get("IDEALOOP_TIMEZONE", "").strip() or "UTC"
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"IDEALOOP_TIMEZONE is not a known time zone: {tz!r}") from None

        database_url = env.get("DATABASE_URL", "").strip() or "sqlite:///idealoop.db"
        if "://" not in database_url:
            raise ConfigError(
                "DATABASE_URL must be a SQLAlchemy URL such as sqlite:///idealoop.db "
                "or postgresql+psycopg://user@host/db"
            )

        approve = _emoji_set(env.get("IDEALOOP_APPROVE_EMOJI"), DEFAULT_APPROVE,
                             "IDEALOOP_APPROVE_EMOJI")
        reject = _emoji_set(env.get("IDEALOOP_REJECT_EMOJI"), DEFAULT_REJECT,
                            "IDEALOOP_REJECT_EMOJI")
        if approve & reject:
            both = ", ".join(sorted(approve & reject))
            raise ConfigError(
                f"IDEALOOP_APPROVE_EMOJI and IDEALOOP_REJECT_EMOJI share: {both} "
                "(the defaults apply to whichever is unset)"
            )

        return cls(
            slack_bot_token=_prefixed(env, "SLACK_BOT_TOKEN", "xoxb-"),
            slack_client_id=env.get("SLACK_CLIENT_ID", "").strip() or None,
            slack_client_secret=env.get("SLACK_CLIENT_SECRET", "").strip() or None,
            slack_redirect_uri=_url(env, "SLACK_REDIRECT_URI", None),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip() or None,
            slack_app_token=_prefixed(env, "SLACK_APP_TOKEN", "xapp-"),
            slack_api_url=_url(env, "SLACK_API_URL", "https://slack.com/api/") or "",
            openai_api_key=key,
            openai_base_url=base_url,
            model=env.get("IDEALOOP_MODEL", "").strip() or DEFAULT_MODEL,
            temperature=_optional_float(env, "IDEALOOP_TEMPERATURE", 0.0, 2.0),
            llm_mode=mode,
            embedding_model=env.get("IDEALOOP_EMBEDDING_MODEL", "").strip() or None,
            embedding_threshold=_float(env, "IDEALOOP_EMBEDDING_THRESHOLD", 0.85, 0.5, 0.999),
            database_url=database_url,
            timezone=tz,
            port=_int(env, "PORT", 3000, 1, 65535),
            approve_emoji=approve,
            reject_emoji=reject,
            ideas_per_brainstorm=_int(env, "IDEALOOP_IDEAS", 5, 1, 10),
            topic_max_chars=_int(env, "IDEALOOP_TOPIC_MAX_CHARS", 300, 20, 2000),
            llm_timeout=_float(env, "IDEALOOP_LLM_TIMEOUT", 60.0, 1.0, 600.0),
            llm_max_retries=_int(env, "IDEALOOP_LLM_RETRIES", 2, 0, 10),
            workers=_int(env, "IDEALOOP_WORKERS", 32, 1, 512),
            digest_grace_minutes=_int(env, "IDEALOOP_DIGEST_GRACE_MINUTES", 720, 1, 10080),
            prompt_budget=_int(env, "IDEALOOP_PROMPT_BUDGET", 6000, 1000, 1_000_000),
            stream_interval=_float(env, "IDEALOOP_STREAM_INTERVAL", 1.0, 0.05, 30.0),
            stream_ideas=_flag(env, "IDEALOOP_STREAM_IDEAS", True),
            work_lease=_float(env, "IDEALOOP_WORK_LEASE", 30.0, 1.0, 600.0),
            channels=_channel_ids(env.get("IDEALOOP_CHANNELS")),
            daily_limit_person=_int(env, "IDEALOOP_DAILY_LIMIT_PERSON", 0, 0, 100_000),
            daily_limit_channel=_int(env, "IDEALOOP_DAILY_LIMIT_CHANNEL", 0, 0, 1_000_000),
            daily_tokens=_int(env, "IDEALOOP_DAILY_TOKENS", 0, 0, 10**12),
            retention_days=_int(env, "IDEALOOP_RETENTION_DAYS", 0, 0, 36500),
            redact=_flag(env, "IDEALOOP_REDACT", False),
            log_format=_choice(env, "IDEALOOP_LOG_FORMAT", LOG_FORMATS),
        )

    @property
    def openai_base_url_shown(self) -> str | None:
        """`OPENAI_BASE_URL` fit to show (banners, logs): any user or password hidden."""
        if self.openai_base_url is None:
            return None
        parts = urlsplit(self.openai_base_url)
        if parts.username is None and parts.password is None:
            return self.openai_base_url
        host = parts.hostname or ""
        netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def oauth(self) -> bool:
        """Installed by OAuth in any number of workspaces (else one, by its bot token)."""
        return bool(self.slack_client_id)

    def require_serve(self) -> None:
        """Check what `idealoop serve` needs beyond the defaults, naming what is missing."""
        if self.slack_client_id and self.slack_bot_token:
            raise ConfigError("set SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and "
                              "SLACK_CLIENT_SECRET to install in many; not both")
        if self.slack_client_id and not self.slack_client_secret:
            raise ConfigError("SLACK_CLIENT_SECRET is not set (needed with SLACK_CLIENT_ID)")
        if self.oauth and self.slack_app_token:
            raise ConfigError("installing by OAuth (SLACK_CLIENT_ID) needs HTTP mode for its "
                              "install pages: unset SLACK_APP_TOKEN")
        if not self.slack_bot_token and not self.oauth:
            raise ConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…; or set "
                              "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install by OAuth)")
        if not self.slack_app_token and not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set (needed in HTTP mode; "
                "set SLACK_APP_TOKEN to use Socket Mode instead)"
            )
