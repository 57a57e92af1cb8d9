"""`idealoop doctor`: a deployment checked from outside, one result per item.

Each check is a plain function that returns `Check` values (ok, what was found, and for
a failure the fix, one short line an operator can act on); `diagnose` runs them in order
and the command line only prints them. Nothing here changes anything: the database is
read, never migrated (nor created), the LLM gets one tiny request, Slack gets
`auth.test`, `apps.connections.open` and an `oauth.v2.access` with a made-up code (which
tells whether the client id and secret are right, and installs nothing).

A malformed setting is reported in the very line `serve` prints for it; the variable is
then left out (its default applies) and what does not depend on it is still checked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.config import BOT_SCOPES, Settings
from bot.errors import ConfigError, LLMBadOutput, LLMError
from bot.llm.families import family_of
from storage.db import DatabaseUrlError, make_engine, redact_url, revisions
from storage.errors import DatabaseUnavailable
from storage.installations import Installations

REDIRECT_PATH = "/slack/oauth_redirect"  # Bolt's OAuth flow serves the redirect here
CLIENT_ID = re.compile(r"\d+\.\d+")  # Slack's client ids: 1234567890.1234567890123
SLACK_TIMEOUT = 10  # seconds per Slack call
LLM_TIMEOUT = 30.0  # seconds for the LLM's answer at most (IDEALOOP_LLM_TIMEOUT if lower)
DB_CONNECT_TIMEOUT = 5  # seconds to reach a database server
VARIABLE = re.compile(r"\b[A-Z][A-Z0-9_]+\b")  # a variable named in a ConfigError


@dataclass(frozen=True)
class Check:
    """One item: `ok` True (✓), False (✗, with `fix`) or None (not used here)."""

    ok: bool | None
    label: str
    fix: str | None = None
    notes: tuple[str, ...] = ()  # more lines about a passed item


def passed(label: str, *notes: str) -> Check:
    return Check(True, label, notes=notes)


def failed(label: str, fix: str) -> Check:
    return Check(False, label, fix)


def unused(label: str) -> Check:
    return Check(None, label)


@dataclass(frozen=True)
class Setup:
    """The settings, and the variables left out because they were malformed."""

    settings: Settings
    broken: frozenset[str] = frozenset()

    def unusable(self, *names: str) -> str | None:
        """The first of `names` that was malformed, if any."""
        return next((name for name in names if name in self.broken), None)


def read_settings(env: Mapping[str, str]) -> tuple[Setup, list[Check]]:
    """`Settings.from_env(env)`; each ConfigError becomes a failed check, and the variable
    it names is left out for another try, until the rest reads."""
    remaining, broken, problems = dict(env), set[str](), list[Check]()
    while True:
        try:
            settings = Settings.from_env(remaining)
        except ConfigError as exc:
            problems.append(failed(f"configuration error: {exc}",
                                   "correct that variable (it is left out below)"))
            name = next((found for found in VARIABLE.findall(str(exc))
                         if found in remaining and found not in broken), None)
            if name is None:  # nothing left to leave out: check what the defaults allow
                return Setup(Settings(), frozenset(broken) | {"*"}), problems
            broken.add(name)
            del remaining[name]
            continue
        if not problems:
            problems.append(passed("configuration: every setting reads"))
        return Setup(settings, frozenset(broken)), problems


def diagnose(env: Mapping[str, str]) -> Iterator[Check]:
    """Every check, in the order an operator fixes things."""
    setup, problems = read_settings(env)
    yield from problems
    for check in (check_database, check_llm, check_bot_token, check_signing_secret,
                  check_app_token, check_oauth):
        yield from check(setup)


def _not_checked(what: str, name: str) -> Check:
    """An item that depends on a malformed setting (its own ✗ says what to fix)."""
    if name == "*":
        return unused(f"{what}: not checked (the configuration cannot be read)")
    return unused(f"{what}: not checked ({name} is malformed)")


# ---------------------------------------------------------------- database


def check_database(setup: Setup) -> Iterator[Check]:
    """The database answers and has every migration applied."""
    name = setup.unusable("DATABASE_URL", "*")
    if name:
        yield _not_checked("database", name)
        return
    url = setup.settings.database_url
    shown = redact_url(url)
    missing = _missing_sqlite_file(url)
    if missing is not None:
        yield failed(f"database: {shown} does not exist ({missing})",
                     "run `idealoop db upgrade` to create it, or point DATABASE_URL at it")
        return
    try:
        engine = make_engine(url, **_connect_timeout(url))
    except DatabaseUrlError as exc:
        yield failed(f"database: DATABASE_URL {exc}", "correct DATABASE_URL")
        return
    try:
        schema = revisions(engine)
    except SQLAlchemyError as exc:
        yield failed(f"database: cannot reach {shown}: {_reason(exc, url)}",
                     "check DATABASE_URL, and that the database server runs and lets "
                     "this host in")
        return
    finally:
        engine.dispose()
    at, latest = ", ".join(sorted(schema.current)), ", ".join(sorted(schema.heads))
    if schema.current == schema.heads:
        yield passed(f"database: {shown} answers, migrated to the latest schema ({latest})")
    elif not schema.current:
        yield failed(f"database: {shown} answers but has no schema yet",
                     "run `idealoop db upgrade`")
    elif schema.current <= schema.known:
        yield failed(f"database: {shown} is not migrated: at {at}, this version needs "
                     f"{latest}", "run `idealoop db upgrade`")
    else:
        yield failed(f"database: {shown} is at {at}, newer than this version of idealoop "
                     f"(it ends at {latest})", "run the idealoop version that migrated it")


def _missing_sqlite_file(url: str) -> str | None:
    """The path of a SQLite database file that is not there (connecting would create an
    empty one); None for other databases and files that exist."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database or ""
    if (parsed.get_backend_name() != "sqlite" or not database or database == ":memory:"
            or database.startswith("file:")):
        return None
    path = Path(database).expanduser()
    return None if path.is_file() else str(path)


def _connect_timeout(url: str) -> dict[str, object]:
    """A bounded wait for a database server that does not answer (not for SQLite)."""
    with contextlib.suppress(ArgumentError):
        if make_url(url).get_backend_name() == "postgresql":
            return {"connect_args": {"connect_timeout": DB_CONNECT_TIMEOUT}}
    return {}


def _reason(exc: SQLAlchemyError, url: str) -> str:
    """The driver's first line, with the URL's password never shown."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    with contextlib.suppress(ArgumentError):
        password = make_url(url).password
        if password:
            reason = reason.replace(str(password), "***")
    return reason


# ---------------------------------------------------------------- LLM


def model_notes(settings: Settings, adapted: Mapping[str, str]) -> tuple[str, ...]:
    """Which family the configured model is, and what idealoop left out of its requests
    (`adapted`: parameter -> the server's code) after the server refused it."""
    family = family_of(settings.model)
    notes = [f"model family: {family.name}, {family.about}"]
    notes += [f"adapted: {name} is no longer sent (the server answered {code})"
              for name, code in sorted(adapted.items())]
    return tuple(notes)


def check_llm(setup: Setup) -> Iterator[Check]:
    """The configured model answers a minimal request; so does the embeddings model."""
    name = setup.unusable("IDEALOOP_LLM", "OPENAI_BASE_URL", "OPENAI_API_BASE", "*")
    if name:
        yield _not_checked("LLM", name)
        return
    settings = setup.settings
    if settings.llm_mode == "offline":
        yield passed("LLM: the offline generator (templates, no model) writes ideas and "
                     "drafts; set OPENAI_API_KEY or OPENAI_BASE_URL for a model")
        return
    from bot.llm.openai_model import openai_embedder, openai_model

    quick = dataclasses.replace(settings, llm_max_retries=0,
                                llm_timeout=min(settings.llm_timeout, LLM_TIMEOUT))
    server = settings.openai_base_url_shown or "api.openai.com"
    model = openai_model(quick)
    with contextlib.closing(model.client):
        try:
            answered = model.ping()
        except LLMError as exc:
            yield failed(f"LLM: {settings.model} at {server}: {_llm_reason(exc)}",
                         _llm_fix(exc, "IDEALOOP_MODEL"))
        else:
            also = f" (as {answered})" if answered != settings.model else ""
            yield passed(f"LLM: {settings.model} answers at {server}{also}",
                         *model_notes(settings, model.adapted))
    if not settings.embedding_model:
        yield unused("embeddings: not used (IDEALOOP_EMBEDDING_MODEL is not set; ideas "
                     "are compared by their words)")
        return
    embedder = openai_embedder(quick)
    with contextlib.closing(embedder.client):
        try:
            [vector] = embedder.embed(["idealoop doctor"])
        except LLMError as exc:
            yield failed(f"embeddings: {settings.embedding_model} at {server}: "
                         f"{_llm_reason(exc)}", _llm_fix(exc, "IDEALOOP_EMBEDDING_MODEL"))
        else:
            yield passed(f"embeddings: {settings.embedding_model} answers "
                         f"({len(vector)} dimensions)")


_LLM_REASONS = {
    "LLM model not found": "the server does not offer this model",
    "LLM auth failed": "the server refused the API key",
    "LLM timeout": "no answer in time",
    "APIConnectionError": "cannot reach the server",
    "LLM endpoint not found": "no chat completions API at this URL",
}


def _llm_reason(exc: LLMError) -> str:
    detail = str(exc)
    if isinstance(exc, LLMBadOutput):
        return f"the answer is not an OpenAI response ({detail})"
    if detail.startswith("LLM answered 400"):
        return "the server refused the request" + detail.removeprefix("LLM answered 400")
    return _LLM_REASONS.get(detail, f"the server failed ({detail})")


def _llm_fix(exc: LLMError, setting: str) -> str:
    detail = str(exc)
    if detail == "LLM model not found":
        return f"set {setting} to a model the server offers (it lists them at /v1/models)"
    if detail == "LLM auth failed":
        return "check OPENAI_API_KEY"
    if detail.startswith("LLM answered 400"):
        return f"check {setting}: the server refused even a minimal request for it"
    if isinstance(exc, LLMBadOutput) or detail == "LLM endpoint not found":
        return "check OPENAI_BASE_URL: it is the server's API root, usually ending in /v1"
    return "check OPENAI_BASE_URL, and that the LLM server runs and is reachable from here"


# ---------------------------------------------------------------- Slack


def _client(settings: Settings, token: str | None = None) -> WebClient:
    """A client that reports what happens now: no retries."""
    return WebClient(token=token, base_url=settings.slack_api_url, timeout=SLACK_TIMEOUT,
                     retry_handlers=[])


def _slack_call(settings: Settings, what: str,
                call: Callable[[], SlackResponse]) -> SlackResponse | Check:
    """Slack's answer to `call()` (an error answer too), or a failed check when Slack
    cannot be reached at all."""
    try:
        return call()
    except SlackApiError as exc:
        refused: SlackResponse = exc.response
        return refused
    except (URLError, ConnectionError, TimeoutError, SlackClientError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return failed(f"{what}: cannot reach Slack at {settings.slack_api_url} ({reason})",
                      "check SLACK_API_URL and the network")


def check_bot_token(setup: Setup) -> Iterator[Check]:
    """`auth.test` with the bot token, and its granted scopes against the manifest's."""
    name = setup.unusable("SLACK_BOT_TOKEN", "SLACK_API_URL", "*")
    if name:
        yield _not_checked("bot token", name)
        return
    settings = setup.settings
    if settings.oauth and not settings.slack_bot_token:
        yield unused("bot token: installed by OAuth, a token per workspace")
        yield _installed_scopes(setup)
        return
    if not settings.slack_bot_token:
        yield failed("bot token: SLACK_BOT_TOKEN is not set",
                     "set it to the Bot User OAuth Token (xoxb-…) from Install App")
        return
    answer = _slack_call(settings, "bot token",
                         _client(settings, settings.slack_bot_token).auth_test)
    if isinstance(answer, Check):
        yield answer
        return
    if not answer.get("ok"):
        yield failed(f"bot token: Slack refused it ({answer.get('error')})",
                     "copy the Bot User OAuth Token (xoxb-…) from Install App into "
                     "SLACK_BOT_TOKEN again; reinstall the app if it was revoked")
        return
    yield passed(f"bot token: valid for workspace {answer.get('team')} "
                 f"({answer.get('team_id')}) as @{answer.get('user')}")
    yield _scopes(answer.headers)


def _scopes(headers: Mapping[str, object]) -> Check:
    """The token's scopes (`X-OAuth-Scopes`, sent by Slack with every answer) against
    those the manifest asks for (`BOT_SCOPES`, equal to manifest.yml's)."""
    raw = next((str(value) for key, value in headers.items()
                if key.lower() == "x-oauth-scopes"), None)
    if raw is None:
        return failed("scopes: Slack did not say which scopes the token has (no "
                      "X-OAuth-Scopes header)", "check that SLACK_API_URL is Slack's Web API")
    granted = {scope.strip() for scope in raw.split(",") if scope.strip()}
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    if missing:
        return failed(f"scopes: the bot token lacks {', '.join(missing)}",
                      "add them in the app config and reinstall")
    extra = sorted(granted - set(BOT_SCOPES))
    notes = (f"also granted, not in manifest.yml: {', '.join(extra)}",) if extra else ()
    return passed("scopes: every bot scope manifest.yml asks for is granted", *notes)


def _installed_scopes(setup: Setup) -> Check:
    """In OAuth mode: the scopes each installed workspace granted (recorded at install)
    against the manifest's."""
    url = setup.settings.database_url
    if setup.unusable("DATABASE_URL") or _missing_sqlite_file(url) is not None:
        return unused("scopes: not checked (no database to read the installs from)")
    try:
        engine = make_engine(url, **_connect_timeout(url))
    except DatabaseUrlError:
        return unused("scopes: not checked (no database to read the installs from)")
    try:
        installs = Installations(engine).granted_scopes(str(setup.settings.slack_client_id))
    except (SQLAlchemyError, DatabaseUnavailable):
        return unused("scopes: not checked (the installs cannot be read from the database)")
    finally:
        engine.dispose()
    if not installs:
        return unused("scopes: no workspace has installed the app yet (/slack/install)")
    lacking = {team: [scope for scope in BOT_SCOPES if scope not in granted]
               for team, granted in sorted(installs.items())}
    lacking = {team: missing for team, missing in lacking.items() if missing}
    if lacking:
        teams = "; ".join(f"{team} lacks {', '.join(missing)}"
                          for team, missing in lacking.items())
        return failed(f"scopes: {len(lacking)} of {len(installs)} installed workspaces: "
                      f"{teams}", "add them in the app config and reinstall")
    return passed(f"scopes: all {len(installs)} installed workspaces granted every bot "
                  "scope manifest.yml asks for")


def _socket_mode(setup: Setup) -> bool:
    return bool(setup.settings.slack_app_token) or "SLACK_APP_TOKEN" in setup.broken


def check_signing_secret(setup: Setup) -> Iterator[Check]:
    """HTTP mode verifies every request with the signing secret."""
    if setup.unusable("*"):
        yield _not_checked("signing secret", "*")
    elif _socket_mode(setup):
        yield unused("signing secret: not needed (Socket Mode)")
    elif setup.settings.slack_signing_secret:
        yield passed("signing secret: set")
    else:
        yield failed("signing secret: SLACK_SIGNING_SECRET is not set (HTTP mode refuses "
                     "every request without it)",
                     "set it from Basic Information → App Credentials → Signing Secret, or "
                     "set SLACK_APP_TOKEN for Socket Mode")


def check_app_token(setup: Setup) -> Iterator[Check]:
    """The app-level token opens a Socket Mode connection (`apps.connections.open`)."""
    name = setup.unusable("SLACK_APP_TOKEN", "SLACK_API_URL", "*")
    if name:
        yield _not_checked("app token", name)
        return
    settings = setup.settings
    token = settings.slack_app_token
    if not token:
        yield unused("app token: not set (HTTP mode; SLACK_APP_TOKEN turns on Socket Mode)")
        return
    answer = _slack_call(settings, "app token",
                         lambda: _client(settings).apps_connections_open(app_token=token))
    if isinstance(answer, Check):
        yield answer
        return
    if answer.get("ok") and str(answer.get("url") or "").startswith(("wss://", "ws://")):
        yield passed("app token: opens a Socket Mode connection")
        return
    yield failed("app token: Slack did not open a Socket Mode connection "
                 f"({answer.get('error') or 'no WebSocket URL'})",
                 "generate an app-level token with connections:write (Basic Information → "
                 "App-Level Tokens) into SLACK_APP_TOKEN, and turn Socket Mode on")


def check_oauth(setup: Setup) -> Iterator[Check]:
    """In OAuth mode: the settings `serve` accepts, a client id of Slack's shape, a
    redirect URL Bolt serves, and a client id and secret Slack recognises."""
    name = setup.unusable("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_REDIRECT_URI", "*")
    if name:
        yield _not_checked("OAuth", name)
        return
    settings = setup.settings
    if not (settings.oauth or settings.slack_client_secret or settings.slack_redirect_uri):
        yield unused("OAuth: not used (one workspace, by its bot token)")
        return
    if not settings.oauth:
        yield failed("OAuth: SLACK_CLIENT_SECRET or SLACK_REDIRECT_URI is set without "
                     "SLACK_CLIENT_ID, so OAuth is off",
                     "set SLACK_CLIENT_ID too, or unset them")
        return
    try:  # what `serve` refuses; the signing secret has a check of its own
        dataclasses.replace(settings, slack_signing_secret="set").require_serve()
    except ConfigError as exc:
        yield failed(f"OAuth: {exc}", "`idealoop serve` stops on this line: change the "
                     "settings it names")
    shaped = bool(CLIENT_ID.fullmatch(str(settings.slack_client_id)))
    if shaped:
        yield passed("OAuth: client id has Slack's shape")
    else:
        yield failed("OAuth: SLACK_CLIENT_ID does not look like a Slack client id "
                     "(digits.digits)",
                     "copy the Client ID from Basic Information → App Credentials")
    yield _redirect(settings.slack_redirect_uri)
    if shaped and settings.slack_client_secret:
        yield _client_credentials(settings)


def _redirect(uri: str | None) -> Check:
    if uri is None:
        return passed("OAuth: SLACK_REDIRECT_URI is not set: Slack uses the app's one "
                      f"redirect URL, which must end with {REDIRECT_PATH}")
    parts = urlsplit(uri)
    if parts.scheme != "https":
        return failed(f"OAuth: SLACK_REDIRECT_URI {uri} is not https (Slack refuses it)",
                      f"use https://<public host>{REDIRECT_PATH}")
    if parts.path.rstrip("/") != REDIRECT_PATH:
        return failed(f"OAuth: SLACK_REDIRECT_URI {uri} does not end with {REDIRECT_PATH} "
                      "(idealoop answers the redirect there only)",
                      f"use https://{parts.netloc}{REDIRECT_PATH}, here and under OAuth & "
                      "Permissions → Redirect URLs")
    return passed(f"OAuth: redirect URL {uri} (list it under OAuth & Permissions → "
                  "Redirect URLs)")


def _client_credentials(settings: Settings) -> Check:
    """`oauth.v2.access` with a code that cannot be valid: Slack checks the client id and
    secret first (`invalid_client_id`, `bad_client_secret`), then the code."""
    client = _client(settings)
    answer = _slack_call(settings, "OAuth credentials", lambda: client.oauth_v2_access(
        client_id=str(settings.slack_client_id),
        client_secret=str(settings.slack_client_secret), code="idealoop-doctor-not-a-code"))
    if isinstance(answer, Check):
        return answer
    code = answer.get("error")
    if code == "invalid_client_id":
        return failed("OAuth: Slack does not know SLACK_CLIENT_ID",
                      "copy the Client ID from Basic Information → App Credentials")
    if code == "bad_client_secret":
        return failed("OAuth: Slack refused SLACK_CLIENT_SECRET for this client id",
                      "copy the Client Secret from Basic Information → App Credentials")
    if code == "invalid_code":
        return passed("OAuth: Slack accepts the client id and secret")
    return failed(f"OAuth: Slack answered {code or 'ok'} to a made-up install code",
                  "check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
