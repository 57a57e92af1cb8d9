"""Every environment variable idealoop reads, written once: name, type, default, bounds,
the line `idealoop serve --help` shows and the words the configuration page says.

Why one table: each fact about a setting used to be written four times (the field, its
default, its parsing, the docs), and they drifted. From this table `bot.config.Settings`
takes its defaults and its parsing, `idealoop serve --help` its environment list, and
`python -m bot.config_docs --write` writes docs/configuration.md's tables and
`.env.example` (a test fails when they are stale).

A `Var` reads one variable (or its alias) from the environment: blank means the default;
anything else is parsed by its `read`, which raises a one-line `ConfigError` naming the
variable and never echoing a secret. Checks across variables (the LLM mode against the
key, approve against reject emoji) stay in `Settings.from_env`.

One variable is read elsewhere, on purpose (`CONVENTIONS`): `NO_COLOR`
(https://no-color.org: a program that colours its output leaves colour off when it is
set, whatever the program) is a convention other tools share, not an idealoop setting,
with no default, bounds or page of ours, so `idealoop shell` reads it where it takes
effect (`bot/cli.py`). `PROMETHEUS_MULTIPROC_DIR` is prometheus_client's own name, but it
is a setting here (below, so a `.env` file may set it): `serve` and `worker` copy it into
the environment before `bot.metrics` imports prometheus_client, which reads it there. A
test fails when code reads any other variable outside this table.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from bot.errors import ConfigError
from bot.slack_values import is_slack_id

T = TypeVar("T")
N = TypeVar("N", int, float)

DEFAULT_MODEL = "gpt-5-mini"  # a current small OpenAI model (a reasoning model)
DEFAULT_APPROVE = (
    "+1", "white_check_mark", "heavy_check_mark", "heart", "star", "fire", "tada",
    "raised_hands", "100",
)
DEFAULT_REJECT = ("-1", "x", "no_entry_sign", "thumbsdown")
LLM_MODES = ("auto", "openai", "offline")
DEFAULT_WORKER_PROCESSES_MOST = 4  # on PostgreSQL, one worker process per core up to this
CONVENTIONS = ("NO_COLOR",)  # read where used: see above
LOG_FORMATS = ("text", "json")  # `bot.runtime.log_format.formatter`

# The groups, in the order the docs and `.env.example` show them.
SLACK, LLM, SERVER, BEHAVIOUR, GOVERNANCE, PRIVACY = (
    "Slack", "LLM", "Database and server", "Brainstorms, drafts and digests",
    "Governance", "Privacy")
GROUPS = (SLACK, LLM, SERVER, BEHAVIOUR, GOVERNANCE, PRIVACY)


@dataclass(frozen=True)
class Var(Generic[T]):
    """One environment variable: how it is read, its default and what it is for.

    `read(raw, name, var)` turns a non-blank, stripped value into the setting; `name` is
    the variable actually read (the alias, when the value came from it). `low`/`high`
    bound numbers (shown in the docs, and in the error message with the type they have
    here: `0.0` for a float). `shown`/`note` say the default in the docs when it is not
    simply `default`; `help` is the one line of `serve --help` and `.env.example`, `doc`
    the configuration page's fuller meaning.
    """

    env: str
    default: T
    read: Callable[[str, str, Var[T]], T]
    group: str
    help: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    secret: bool = False  # kept out of repr
    shown: str | None = None
    note: str = ""
    aliases: tuple[str, ...] = ()

    def value(self, env: Mapping[str, str]) -> T:
        """The setting from `env`: the first non-blank of the variable and its aliases."""
        for name in (self.env, *self.aliases):
            raw = env.get(name, "").strip()
            if raw:
                return self.read(raw, name, self)
        return self.default

    def field(self, *, default: Any = dataclasses.MISSING) -> T:
        """The `Settings` field this variable fills: its default (or `default`, when the
        field holds what the variable resolves to), hidden from repr when secret."""
        chosen = self.default if default is dataclasses.MISSING else default
        return cast(T, dataclasses.field(default=chosen, repr=not self.secret,
                                         metadata={"var": self}))

    @property
    def default_text(self) -> str:
        """The default as a value one would write (empty when there is none)."""
        if self.shown is not None:
            return self.shown
        value: object = self.default
        if value is None or value == frozenset():
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    @property
    def accepted(self) -> str:
        """What values are accepted, when that is a range or a list."""
        if self.choices:
            return ", ".join(self.choices)
        if self.low is not None and self.high is not None:
            return f"{_plain(self.low)}–{_plain(self.high)}"
        return ""


def _plain(number: float) -> str:
    return f"{number:,}" if isinstance(number, int) else f"{number:g}"


# --- Readers: a non-blank, stripped value in, the setting out, or one ConfigError line ----


def text(raw: str, name: str, var: Var[Any]) -> str:
    return raw


def token(prefix: str) -> Callable[[str, str, Var[Any]], str]:
    def read(raw: str, name: str, var: Var[Any]) -> str:
        if not raw.startswith(prefix):
            # Never echo the value: it may be a real secret pasted in the wrong place.
            raise ConfigError(f"{name} must start with {prefix!r}")
        return raw
    return read


def url(raw: str, name: str, var: Var[Any]) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw


def number(kind: type[N]) -> Callable[[str, str, Var[Any]], N]:
    def read(raw: str, name: str, var: Var[Any]) -> N:
        try:
            value = kind(raw)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{name} must be {what}, got {raw!r}") from None
        low, high = cast(N, var.low), cast(N, var.high)
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {var.low} and {var.high}, got {value}")
        return value
    return read


def flag(raw: str, name: str, var: Var[Any]) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true/false), got {lowered!r}")


def choice(raw: str, name: str, var: Var[Any]) -> str:
    lowered = raw.lower()
    if lowered not in var.choices:
        raise ConfigError(f"{name} must be one of {', '.join(var.choices)}, got {lowered!r}")
    return lowered


def time_zone(raw: str, name: str, var: Var[Any]) -> str:
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} is not a known time zone: {raw!r}") from None
    return raw


def directory(raw: str, name: str, var: Var[Any]) -> str:
    if not Path(raw).is_dir():
        raise ConfigError(f"{name} must be an existing directory, got {raw!r}")
    return raw


def database_url(raw: str, name: str, var: Var[Any]) -> str:
    if "://" not in raw:
        # Never echo the value: it may hold a password.
        raise ConfigError(f"{name} must be a SQLAlchemy URL such as sqlite:///idealoop.db "
                          "or postgresql+psycopg://user@host/db")
    return raw


def emoji(raw: str, name: str, var: Var[Any]) -> frozenset[str]:
    names = [part.strip().strip(":") for part in raw.split(",")]
    if not all(names):
        raise ConfigError(f"{name} must be a comma-separated list of emoji names, got {raw!r}")
    return frozenset(names)


def channel_ids(raw: str, name: str, var: Var[Any]) -> frozenset[str]:
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    wrong = [part for part in ids if not (is_slack_id(part) and part.startswith(("C", "G")))]
    if wrong:
        raise ConfigError(f"{name} must list channel ids such as C0123ABCD, "
                          f"comma-separated; {wrong[0]!r} is not one")
    return frozenset(ids)


def optional(read: Callable[[str, str, Var[Any]], T]) \
        -> Callable[[str, str, Var[Any]], T | None]:
    """A reader for a variable whose default is None (unset: nothing is sent)."""
    return read


# --- The variables, in the order of `Settings` ----------------------------------------------

SLACK_BOT_TOKEN: Var[str | None] = Var(
    "SLACK_BOT_TOKEN", None, optional(token("xoxb-")), SLACK, secret=True,
    help="bot token (xoxb-…): one workspace",
    doc="bot token (`xoxb-…`): one workspace (step 2a); `serve` needs it or the two below")
SLACK_CLIENT_ID: Var[str | None] = Var(
    "SLACK_CLIENT_ID", None, optional(text), SLACK,
    help="OAuth client id: installs in many workspaces (not with a bot token)",
    doc="OAuth client id: installs in many workspaces (step 2b); not together with "
        "`SLACK_BOT_TOKEN`")
SLACK_CLIENT_SECRET: Var[str | None] = Var(
    "SLACK_CLIENT_SECRET", None, optional(text), SLACK, secret=True,
    help="OAuth client secret, with SLACK_CLIENT_ID",
    doc="OAuth client secret, with `SLACK_CLIENT_ID`")
SLACK_REDIRECT_URI: Var[str | None] = Var(
    "SLACK_REDIRECT_URI", None, optional(url), SLACK,
    help="OAuth redirect URL, if the app lists several",
    doc="the OAuth redirect URL, when the app lists several")
SLACK_SIGNING_SECRET: Var[str | None] = Var(
    "SLACK_SIGNING_SECRET", None, optional(text), SLACK, secret=True,
    help="verifies Slack's HTTP requests; required in HTTP mode",
    doc="verifies HTTP requests from Slack; needed by `serve` in HTTP mode")
SLACK_APP_TOKEN: Var[str | None] = Var(
    "SLACK_APP_TOKEN", None, optional(token("xapp-")), SLACK, secret=True,
    help="app-level token (xapp-…): Socket Mode instead of HTTP",
    doc="app-level token (`xapp-…`); when set, `serve` uses Socket Mode")
SLACK_API_URL: Var[str] = Var(
    "SLACK_API_URL", "https://slack.com/api/", url, SLACK,
    help="Slack Web API base URL",
    doc="base URL of the Slack Web API (proxies, tests, the emulator)")
IDEALOOP_SLACK_RETRY_PAUSE: Var[float] = Var(
    "IDEALOOP_SLACK_RETRY_PAUSE", 0.5, number(float), SLACK, low=0.01, high=30.0,
    help="seconds before a Slack call is first repeated",
    doc="seconds before a Web API call that got a 5xx or a dropped connection is first "
        "repeated (only calls safe to repeat); each later try waits twice as long, plus a "
        "random share of up to twice this")
OPENAI_API_KEY: Var[str | None] = Var(
    "OPENAI_API_KEY", None, optional(text), LLM, secret=True,
    help="key for the LLM server", doc="key for the LLM server")
OPENAI_BASE_URL: Var[str | None] = Var(
    "OPENAI_BASE_URL", None, optional(url), LLM, secret=True,  # may carry credentials
    aliases=("OPENAI_API_BASE",), note="(the SDK's default)",
    help="any OpenAI-compatible server (OPENAI_API_BASE works too)",
    doc="any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio, a gateway); "
        "`OPENAI_API_BASE` is accepted too")
IDEALOOP_MODEL: Var[str] = Var(
    "IDEALOOP_MODEL", DEFAULT_MODEL, text, LLM,
    help="model name",
    doc="model name sent to the server (any family: see behaviour/models.md)")
IDEALOOP_TEMPERATURE: Var[float | None] = Var(
    "IDEALOOP_TEMPERATURE", None, optional(number(float)), LLM, low=0.0, high=2.0,
    note="(the model's default)",
    help="sampling temperature, sent only when set (reasoning models take only their "
         "default)",
    doc="sampling temperature, sent only when set; a model that refuses it (reasoning "
        "models take only their default, 1) is asked once more without it, and not sent "
        "it again while the process runs")
IDEALOOP_LLM: Var[str] = Var(
    "IDEALOOP_LLM", "auto", choice, LLM, choices=LLM_MODES,
    help="which model: auto is openai when a key or base URL is set",
    doc="`openai`, `offline`, or `auto` (= `openai` when a key or base URL is set, else "
        "`offline`)")
IDEALOOP_EMBEDDING_MODEL: Var[str | None] = Var(
    "IDEALOOP_EMBEDDING_MODEL", None, optional(text), LLM,
    help="embeddings model: rejected ideas recognised by meaning",
    doc="an embeddings model on the same server (`text-embedding-3-small`, Ollama's "
        "`nomic-embed-text`, …): rejected ideas are then recognised by meaning; unset, "
        "by their words")
IDEALOOP_EMBEDDING_THRESHOLD: Var[float] = Var(
    "IDEALOOP_EMBEDDING_THRESHOLD", 0.85, number(float), LLM, low=0.5, high=0.999,
    help="cosine of the same idea",
    doc="cosine at which two ideas count as the same; it depends on the model, so "
        "measure it: `python -m bench.similarity` with the two variables above set prints "
        "precision and recall per threshold")
DATABASE_URL: Var[str] = Var(
    "DATABASE_URL", "sqlite:///idealoop.db", database_url, SERVER, secret=True,
    help="SQLAlchemy URL",
    doc="any SQLAlchemy URL; PostgreSQL via `postgresql+psycopg://…`")
IDEALOOP_TIMEZONE: Var[str] = Var(
    "IDEALOOP_TIMEZONE", "UTC", time_zone, SERVER,
    help="default time zone of digests and due dates",
    doc="default time zone of digest schedules and decisions' due dates; a decision's "
        "reminder comes at 09:00 in its owner's Slack time zone, in this one when Slack "
        "does not say")
PORT: Var[int] = Var(
    "PORT", 3000, number(int), SERVER, low=1, high=65535,
    help="HTTP port",
    doc="HTTP port of `serve` (in Socket Mode: its `/healthz` and `/metrics` only)")
IDEALOOP_WORKER_PROCESSES: Var[int | None] = Var(
    "IDEALOOP_WORKER_PROCESSES", None, optional(number(int)), SERVER, low=0, high=64,
    note=f"(0 on SQLite, one per core on PostgreSQL, at most {DEFAULT_WORKER_PROCESSES_MOST})",
    help="worker processes `serve` starts beside the web process (0: the work runs in it)",
    doc="worker processes `serve` starts beside its web process to run brainstorms, "
        "drafts, digests, reminders, boards and purges (`serve --workers N` wins over "
        "it); `0`: all of it "
        "runs in the one process (see *Scale* under [Operating](operating.md#scale))")
IDEALOOP_WORKER_PORT: Var[int] = Var(
    "IDEALOOP_WORKER_PORT", 3001, number(int), SERVER, low=0, high=65535,
    help="port of `idealoop worker`'s /healthz and /metrics",
    doc="HTTP port of `idealoop worker`: `GET /healthz` and `GET /metrics`, nothing from "
        "Slack (`0`: any free port)")
IDEALOOP_APPROVE_EMOJI: Var[frozenset[str]] = Var(
    "IDEALOOP_APPROVE_EMOJI", frozenset(DEFAULT_APPROVE), emoji, BEHAVIOUR,
    shown=",".join(DEFAULT_APPROVE),
    help="emoji that approve, comma-separated",
    doc="emoji that approve (comma-separated; skin tones count as the base emoji)")
IDEALOOP_REJECT_EMOJI: Var[frozenset[str]] = Var(
    "IDEALOOP_REJECT_EMOJI", frozenset(DEFAULT_REJECT), emoji, BEHAVIOUR,
    shown=",".join(DEFAULT_REJECT),
    help="emoji that reject, comma-separated",
    doc="emoji that reject; any other emoji is a neutral signal")
IDEALOOP_IDEAS: Var[int] = Var(
    "IDEALOOP_IDEAS", 5, number(int), BEHAVIOUR, low=1, high=10,
    help="ideas per brainstorm", doc="ideas per brainstorm")
IDEALOOP_TOPIC_MAX_CHARS: Var[int] = Var(
    "IDEALOOP_TOPIC_MAX_CHARS", 300, number(int), BEHAVIOUR, low=20, high=2000,
    help="longest topic", doc="longest accepted `/brainstorm` topic")
IDEALOOP_LLM_TIMEOUT: Var[float] = Var(
    "IDEALOOP_LLM_TIMEOUT", 60.0, number(float), LLM, low=1.0, high=600.0,
    help="seconds per LLM request", doc="seconds before an LLM request is given up")
IDEALOOP_LLM_RETRIES: Var[int] = Var(
    "IDEALOOP_LLM_RETRIES", 2, number(int), LLM, low=0, high=10,
    help="retries of an LLM request",
    doc="retries of a failed LLM request (the SDK's backoff)")
IDEALOOP_WORKERS: Var[int] = Var(
    "IDEALOOP_WORKERS", 32, number(int), SERVER, low=1, high=512,
    help="brainstorms and drafts at once, in each process that runs work",
    doc="brainstorms and drafts run at once by each process that runs work (`serve` "
        "without worker processes, each worker process); more wait in a bounded queue, "
        "beyond that people are told to retry")
IDEALOOP_PROMPT_BUDGET: Var[int] = Var(
    "IDEALOOP_PROMPT_BUDGET", 6000, number(int), LLM, low=1000, high=1_000_000,
    help="draft prompt tokens",
    doc="estimated prompt tokens for a draft; longer threads are condensed in the middle")
IDEALOOP_DIGEST_GRACE_MINUTES: Var[int] = Var(
    "IDEALOOP_DIGEST_GRACE_MINUTES", 720, number(int), BEHAVIOUR, low=1, high=10080,
    help="a missed digest is posted this late",
    doc="a digest missed while idealoop was down is still posted (once) this long after "
        "its time")
IDEALOOP_STREAM_INTERVAL: Var[float] = Var(
    "IDEALOOP_STREAM_INTERVAL", 1.0, number(float), BEHAVIOUR, low=0.05, high=30.0,
    help="seconds between draft updates",
    doc="seconds between `chat.update` calls while a draft streams (Slack's Tier 3 limit)")
IDEALOOP_STREAM_IDEAS: Var[bool] = Var(
    "IDEALOOP_STREAM_IDEAS", True, flag, BEHAVIOUR, choices=("1", "0"),
    help="post each idea as it is written",
    doc="post each idea as soon as the model has written it (`0`: read the whole answer "
        "first)")
IDEALOOP_WORK_LEASE: Var[float] = Var(
    "IDEALOOP_WORK_LEASE", 30.0, number(float), SERVER, low=1.0, high=600.0,
    help="seconds a process holds work unrenewed",
    doc="seconds before the accepted work of a process that stopped renewing it (it died) "
        "is taken over by another")
IDEALOOP_LOG_FORMAT: Var[str] = Var(
    "IDEALOOP_LOG_FORMAT", "text", choice, SERVER, choices=LOG_FORMATS,
    help="text | json: one JSON object per log line",
    doc="`json`: one JSON object per log line, with the workspace, channel and work id "
        "where known (see *Logs* under [Operating](operating.md#logs))")
PROMETHEUS_MULTIPROC_DIR: Var[str | None] = Var(
    "PROMETHEUS_MULTIPROC_DIR", None, optional(directory), SERVER, note="(one process)",
    help="an empty directory the processes of one app share their metrics through",
    doc="an empty directory (emptied before each start; a tmpfs suits it) where every "
        "process of one app writes its metrics, so `GET /metrics` of any of them shows "
        "the sum (see *Metrics* under [Operating](operating.md#metrics))")
IDEALOOP_CHANNELS: Var[frozenset[str]] = Var(
    "IDEALOOP_CHANNELS", frozenset(), channel_ids, GOVERNANCE, note="(all)",
    help="channel ids idealoop works in, comma-separated (unset: all)",
    doc="channel ids idealoop works in, comma-separated (`C0123ABCD,G0456EFGH`); "
        "elsewhere `/brainstorm` (but `help`, `usage` and `forget me`), mentions, \"Draft "
        "this\" and \"More like this\" get a private \"not enabled in this channel\" and "
        "nothing starts; 👍 / 👎 clicks and reactions on ideas posted there before still "
        "count, and App Home edits are not checked; direct messages (the agent DM, the "
        "assistant pane) are always allowed")
IDEALOOP_DAILY_LIMIT_PERSON: Var[int] = Var(
    "IDEALOOP_DAILY_LIMIT_PERSON", 0, number(int), GOVERNANCE, low=0, high=100_000,
    note="(none)",
    help="brainstorms and drafts per person a day (0: none)",
    doc="brainstorms and drafts (feedback and polish included) one person may start a day")
IDEALOOP_DAILY_LIMIT_CHANNEL: Var[int] = Var(
    "IDEALOOP_DAILY_LIMIT_CHANNEL", 0, number(int), GOVERNANCE, low=0, high=1_000_000,
    note="(none)",
    help="brainstorms and drafts per channel a day (0: none)",
    doc="brainstorms and drafts one channel may have a day")
IDEALOOP_DAILY_TOKENS: Var[int] = Var(
    "IDEALOOP_DAILY_TOKENS", 0, number(int), GOVERNANCE, low=0, high=10**12, note="(none)",
    help="LLM tokens per workspace a day (0: no budget)",
    doc="LLM tokens the workspace may use a day")
IDEALOOP_RETENTION_DAYS: Var[int] = Var(
    "IDEALOOP_RETENTION_DAYS", 0, number(int), PRIVACY, low=0, high=36500, note="(kept)",
    help="texts older than this many days are purged (0: kept)",
    doc="the texts of ideas, drafts, topics and prompts older than this many days, and "
        "every copy of them, are purged once a day; counts stay")
IDEALOOP_REDACT: Var[bool] = Var(
    "IDEALOOP_REDACT", False, flag, PRIVACY, choices=("1", "0"),
    help="1: e-mail, phone, card numbers and IBANs hidden from the LLM",
    doc="`1`: e-mail addresses, phone numbers, card numbers and IBANs are replaced with "
        "`[email]`, `[phone]`, `[card]`, `[iban]` in everything sent to the LLM server "
        "(see *Retention, forgetting, redaction*)")


def names(variables: tuple[Var[Any], ...]) -> list[str]:
    """Every environment variable name read, aliases included, in order."""
    return [name for var in variables for name in (var.env, *var.aliases)]


def environment_lines(variables: tuple[Var[Any], ...]) -> list[tuple[str, str]]:
    """(name, one line) per variable and alias, as `serve --help` lists them."""
    lines = []
    for var in variables:
        accepted = f" [{var.accepted}]" if var.accepted else ""
        default = f" (default {var.default_text})" if var.default_text else ""
        lines.append((var.env, f"{var.help}{accepted}{default}"))
        lines += [(alias, f"the same as {var.env}") for alias in var.aliases]
    return lines
