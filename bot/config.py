"""Settings: every environment variable idealoop reads, parsed once, in one place.

Each field is filled by one variable of `bot.config_spec` (its name, type, default,
bounds and help are written there, once). `Settings.from_env(environ)` is the only
reader of the environment. The CLI builds one `Settings` at start-up and passes it
down; tests pass a plain dict. A missing or malformed value raises `ConfigError` whose
message is one line naming the variable, which the CLI prints instead of a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values

from bot import config_spec as spec
from bot.config_spec import (
    DEFAULT_APPROVE,
    DEFAULT_MODEL,
    DEFAULT_REJECT,
    DEFAULT_WORKER_PROCESSES_MOST,
    LLM_MODES,
)
from bot.errors import ConfigError

__all__ = ["BOT_SCOPES", "DEFAULT_APPROVE", "DEFAULT_MODEL", "DEFAULT_REJECT",
           "DEFAULT_WORKER_PROCESSES_MOST", "LLM_MODES", "Settings", "read_environ", "variables"]

# The bot scopes an OAuth install asks for: manifest.yml's (tests/test_manifest.py keeps
# the two the same).
BOT_SCOPES = ("app_mentions:read", "assistant:write", "canvases:write", "channels:history",
              "channels:read", "chat:write", "commands", "groups:history", "groups:read",
              "im:history", "im:write", "reactions:read", "users:read")


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


# The connection budget on PostgreSQL (docs/operating.md, *Scale*): the web process's pool
# is SQLAlchemy's default, 5 + 10 overflow; each worker process's is `worker_pool_size`.
WORKER_POOL_MARGIN = 5
WORKER_POOL_MOST = 15  # SQLAlchemy's default pool and overflow together


@dataclass(frozen=True)
class Settings:
    """Typed, immutable configuration. Build with `from_env`; tests may build directly."""

    slack_bot_token: str | None = spec.SLACK_BOT_TOKEN.field()
    slack_client_id: str | None = spec.SLACK_CLIENT_ID.field()  # OAuth: many workspaces
    slack_client_secret: str | None = spec.SLACK_CLIENT_SECRET.field()
    slack_redirect_uri: str | None = spec.SLACK_REDIRECT_URI.field()
    slack_signing_secret: str | None = spec.SLACK_SIGNING_SECRET.field()
    slack_app_token: str | None = spec.SLACK_APP_TOKEN.field()
    slack_api_url: str = spec.SLACK_API_URL.field()
    slack_retry_pause: float = spec.IDEALOOP_SLACK_RETRY_PAUSE.field()
    openai_api_key: str | None = spec.OPENAI_API_KEY.field()
    openai_base_url: str | None = spec.OPENAI_BASE_URL.field()
    model: str = spec.IDEALOOP_MODEL.field()
    temperature: float | None = spec.IDEALOOP_TEMPERATURE.field()  # None: nothing sent
    # `auto` resolved: "openai" when a key or base URL is set, else "offline".
    llm_mode: str = spec.IDEALOOP_LLM.field(default="offline")
    embedding_model: str | None = spec.IDEALOOP_EMBEDDING_MODEL.field()  # None: by words
    embedding_threshold: float = spec.IDEALOOP_EMBEDDING_THRESHOLD.field()
    database_url: str = spec.DATABASE_URL.field()
    timezone: str = spec.IDEALOOP_TIMEZONE.field()
    port: int = spec.PORT.field()
    worker_processes: int | None = spec.IDEALOOP_WORKER_PROCESSES.field()  # None: auto
    worker_port: int = spec.IDEALOOP_WORKER_PORT.field()
    approve_emoji: frozenset[str] = spec.IDEALOOP_APPROVE_EMOJI.field()
    reject_emoji: frozenset[str] = spec.IDEALOOP_REJECT_EMOJI.field()
    ideas_per_brainstorm: int = spec.IDEALOOP_IDEAS.field()
    topic_max_chars: int = spec.IDEALOOP_TOPIC_MAX_CHARS.field()
    llm_timeout: float = spec.IDEALOOP_LLM_TIMEOUT.field()
    llm_max_retries: int = spec.IDEALOOP_LLM_RETRIES.field()
    workers: int = spec.IDEALOOP_WORKERS.field()
    prompt_budget: int = spec.IDEALOOP_PROMPT_BUDGET.field()
    digest_grace_minutes: int = spec.IDEALOOP_DIGEST_GRACE_MINUTES.field()
    stream_interval: float = spec.IDEALOOP_STREAM_INTERVAL.field()
    stream_ideas: bool = spec.IDEALOOP_STREAM_IDEAS.field()
    work_lease: float = spec.IDEALOOP_WORK_LEASE.field()
    log_format: str = spec.IDEALOOP_LOG_FORMAT.field()  # `bot.runtime.log_format.formatter`
    metrics_dir: str | None = spec.PROMETHEUS_MULTIPROC_DIR.field()  # `bot.metrics`
    # Governance (`bot.limits`): empty / 0 means no limit.
    channels: frozenset[str] = spec.IDEALOOP_CHANNELS.field()
    daily_limit_person: int = spec.IDEALOOP_DAILY_LIMIT_PERSON.field()
    daily_limit_channel: int = spec.IDEALOOP_DAILY_LIMIT_CHANNEL.field()
    daily_tokens: int = spec.IDEALOOP_DAILY_TOKENS.field()
    # Privacy (`bot.privacy`, `bot.redaction`).
    retention_days: int = spec.IDEALOOP_RETENTION_DAYS.field()
    redact: bool = spec.IDEALOOP_REDACT.field()

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv_path: str | Path | None = None
    ) -> Settings:
        """Read settings from `environ` (default `os.environ`) over a `.env` file.

        Real environment variables win over `.env`, as operators expect. Pass
        `dotenv_path=None` with an explicit `environ` to skip `.env` entirely.
        """
        env = read_environ(environ, dotenv_path=dotenv_path)
        values = {field.name: field.metadata["var"].value(env) for field in fields(cls)}

        # What one variable cannot check alone.
        configured = values["openai_api_key"] or values["openai_base_url"]
        if values["llm_mode"] == "auto":
            values["llm_mode"] = "openai" if configured else "offline"
        if values["llm_mode"] == "openai" and not configured:
            raise ConfigError("IDEALOOP_LLM=openai needs OPENAI_API_KEY or OPENAI_BASE_URL")
        both = values["approve_emoji"] & values["reject_emoji"]
        if both:
            raise ConfigError(
                f"IDEALOOP_APPROVE_EMOJI and IDEALOOP_REJECT_EMOJI share: "
                f"{', '.join(sorted(both))} (the defaults apply to whichever is unset)"
            )
        return cls(**values)

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

    def worker_process_count(self) -> int:
        """How many worker processes `serve` starts: `IDEALOOP_WORKER_PROCESSES`, else
        none on SQLite (one process: `make demo`, the embedded default) and on
        PostgreSQL one per core, at most DEFAULT_WORKER_PROCESSES_MOST (each holds up to
        `worker_pool_size() + 1` connections: the connection budget in docs/operating.md,
        *Scale*)."""
        if self.worker_processes is not None:
            return self.worker_processes
        if self.database_url.startswith("sqlite"):
            return 0
        try:  # the cores this process may run on (a container's cpuset), not the host's
            cores = len(os.sched_getaffinity(0)) or 1
        except (AttributeError, OSError):
            cores = os.cpu_count() or 1
        return min(cores, DEFAULT_WORKER_PROCESSES_MOST)

    def worker_pool_size(self) -> int:
        """The most database connections a worker process's pool opens (PostgreSQL):
        one per job it runs at once (`IDEALOOP_WORKERS`) and WORKER_POOL_MARGIN for the
        rest (its claims and lease renewals, the scheduler's tick, the two signal
        writers' connections, a health or metrics read), at most WORKER_POOL_MOST: a job
        spends most of its time on the model, not the database, and one beyond waits its
        turn. Its LISTEN connection is one more, outside the pool."""
        return min(self.workers + WORKER_POOL_MARGIN, WORKER_POOL_MOST)

    @property
    def oauth(self) -> bool:
        """Installed by OAuth in any number of workspaces (else one, by its bot token)."""
        return bool(self.slack_client_id)

    def require_serve(self, *, endpoint: bool = True) -> None:
        """Check what `idealoop serve` needs beyond the defaults, naming what is missing;
        without the `endpoint` (`idealoop worker`: it answers Slack nothing), only the
        tokens that reach Slack."""
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
        if endpoint and not self.slack_app_token and not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set (needed in HTTP mode; "
                "set SLACK_APP_TOKEN to use Socket Mode instead)"
            )


def variables() -> tuple[spec.Var[Any], ...]:
    """Every variable `Settings` reads, in the order of its fields."""
    return tuple(field.metadata["var"] for field in fields(Settings))
