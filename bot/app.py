"""The app factory: everything wired together, nothing done at import time.

This is the one module of `bot/` that knows `handlers/` (it registers them); the command
line, the emulator, the tests and the benchmarks build the app only through it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware.authorization.single_team_authorization import (
    SingleTeamAuthorization,
)
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

import handlers
from bot.boards import Boards
from bot.config import BOT_SCOPES, Settings
from bot.decisions import Decisions
from bot.deps import Deps
from bot.digests import UNINSTALLED, Digests
from bot.drafts import Drafter
from bot.errors import ConfigError
from bot.guidance import StandingGuidance
from bot.ideas import Brainstormer
from bot.limits import Limits
from bot.llm.choose import make_embedder, make_model
from bot.llm.model import Embedder, TextModel
from bot.log_context import log_scope
from bot.privacy import Privacy
from bot.reports import Reports
from bot.runtime.entry import FastPath
from bot.runtime.oauth_states import SignedStateStore
from bot.runtime.signal_writer import SignalWriter
from bot.runtime.slack_retries import retry_handlers
from bot.runtime.workspaces import (
    ROTATE_BEFORE_MINUTES,
    InstalledWorkspaces,
    OneWorkspace,
    WorkspaceAuthorize,
    Workspaces,
)
from bot.signals import Judgements
from bot.work.jobs import Jobs, TrackedExecutor
from bot.work.queue import Work
from bot.work.runs.board import queue_stale_boards
from bot.work.runs.notice import queue_unannounced
from bot.work.runs.reminder import queue_due_reminders
from bot.work.worker import Worker
from handlers.digests import DigestPoster
from handlers.work.wiring import work_runners
from storage.base import Clock, utcnow
from storage.db import DatabaseUrlError, for_writers, is_current, make_engine, redact_url, upgrade
from storage.installations import Installations
from storage.oauth_states import OAuthStates
from storage.stores import Stores

log = logging.getLogger(__name__)
OAUTH_STATE_SECONDS = 600  # an install started must finish within ten minutes


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client that retries 429 (honouring Retry-After), and 5xx and dropped
    connections for the calls that can be repeated (`bot.runtime.slack_retries`)."""
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        logger=logging.getLogger("slack_sdk.web"),
        # instead of the defaults, which repeat posts
        retry_handlers=retry_handlers(settings.slack_retry_pause),
    )


def open_stores(settings: Settings, *, migrate: bool = False, check: bool = False,
                clock: Clock = utcnow, pool: int | None = None) -> Stores:
    """The database of `DATABASE_URL`: migrated to the latest schema when `migrate`; with
    `check`, a ConfigError unless it already is. On PostgreSQL, a `pool` caps the
    connections it opens at once (a worker process: `Settings.worker_pool_size`; else
    SQLAlchemy's default, 5 and 10 more while busy)."""
    try:
        engine = make_engine(settings.database_url, **_pool_args(settings, pool))
    except DatabaseUrlError as exc:
        raise ConfigError(f"DATABASE_URL {exc}") from None
    if migrate:
        upgrade(engine)
    elif check and not is_current(engine):
        engine.dispose()
        raise ConfigError(f"the database at {redact_url(settings.database_url)} is not up to "
                          "date; run `idealoop db upgrade` first")
    return Stores.open(engine, clock=clock)


def _pool_args(settings: Settings, pool: int | None) -> dict[str, Any]:
    """A PostgreSQL pool of at most `pool` connections, five of them kept open."""
    if pool is None or settings.database_url.startswith("sqlite"):
        return {}
    kept = min(pool, 5)
    return {"pool_size": kept, "max_overflow": pool - kept}


def database_label(settings: Settings) -> str:
    """The configured database, fit to show: the password never appears."""
    return redact_url(settings.database_url)


def build_deps(settings: Settings, *, model: TextModel | None = None,
               embedder: Embedder | None = None,
               stores: Stores | None = None, jobs: Jobs | None = None,
               clock: Clock = utcnow, work_here: bool = True) -> Deps:
    """The shared parts of a process: stores, model, background jobs. Pass any to swap it;
    `clock` is what "now" means to storage and digests (the emulator moves it). Without
    `work_here` (a web process with worker processes beside it) the work accepted here
    is stored for the worker processes and never run here."""
    stores = stores or open_stores(settings, clock=clock)
    model = model or make_model(settings)
    jobs = jobs or Jobs(settings.workers)
    digests = Digests(stores, grace=timedelta(minutes=settings.digest_grace_minutes),
                      clock=clock)
    work = Work(stores.work, lease=settings.work_lease,
                limits=Limits(settings, clock=clock), hand_off=not work_here)
    return Deps(
        settings=settings,
        stores=stores,
        model=model,
        brainstormer=Brainstormer(settings, model, stores, embedder or make_embedder(settings)),
        drafter=Drafter(settings, model, stores),
        digests=digests,
        jobs=jobs,
        signals=SignalWriter(stores.signals, writers=stores.signals.writers),
        work=work,
        worker=Worker(work, jobs, runs_work=work_here),
        listeners=TrackedExecutor(
            max_workers=max(8, settings.workers), thread_name_prefix="idealoop-listener"
        ),
        privacy=Privacy(settings, stores.privacy, owner=work.owner, clock=clock),
        workspaces=make_workspaces(settings, stores.engine),
        guidance=StandingGuidance(stores.steering),
        reports=Reports(stores, digests),
        judgements=Judgements(stores.signals),
        decisions=Decisions(settings, stores, clock=clock),
        boards=Boards(settings, stores, clock=clock),
    )


def close_deps(deps: Deps, *, deadline: float = 10.0) -> None:
    """Stop gracefully: commit the reactions already received, give running work
    `deadline` seconds, give back work that has not started (the next process takes it
    over), then release database connections."""
    deps.listeners.shutdown(wait=True)
    deps.signals.close()
    deps.worker.stop(deadline)
    deps.stores.engine.dispose()


def make_workspaces(settings: Settings, engine: Engine) -> Workspaces:
    """The Web API client of each workspace: the bot token's one, or those installed by
    OAuth (their tokens in slack_sdk's installation store, in idealoop's database)."""
    if not settings.oauth:
        return OneWorkspace(make_client(settings))
    return InstalledWorkspaces(
        SQLAlchemyInstallationStore(client_id=str(settings.slack_client_id),
                                    engine=for_writers(engine)),
        Installations(engine), client_id=str(settings.slack_client_id),
        make_client=lambda token: make_client(settings, token),
        rotator=TokenRotator(client_id=str(settings.slack_client_id),
                             client_secret=str(settings.slack_client_secret),
                             client=make_client(settings)))


def oauth_settings(settings: Settings, deps: Deps) -> OAuthSettings:
    """Bolt's OAuth flow: `/slack/install`, `/slack/oauth_redirect`, the bot scopes of
    the manifest, and the installation and state stores in idealoop's database."""
    workspaces = deps.workspaces
    assert isinstance(workspaces, InstalledWorkspaces)
    client_id, secret = str(settings.slack_client_id), str(settings.slack_client_secret)
    oauth = OAuthSettings(
        client_id=client_id, client_secret=secret, scopes=list(BOT_SCOPES),
        redirect_uri=settings.slack_redirect_uri,
        installation_store=workspaces.installation_store, installation_store_bot_only=True,
        # Signed, not stored, until used: the install page writes no row (see there).
        state_store=SignedStateStore(secret, OAuthStates(for_writers(deps.stores.engine)),
                                     expiration_seconds=OAUTH_STATE_SECONDS),
        state_expiration_seconds=OAUTH_STATE_SECONDS,
        token_rotation_expiration_minutes=ROTATE_BEFORE_MINUTES,
        callback_options=handlers.installs.callbacks(deps),
        logger=logging.getLogger("slack_bolt.oauth"),
    )
    # Requests get their token where later work does: one token exchange at a time, and
    # through SLACK_API_URL like every other call (Bolt's own goes to slack.com).
    oauth.authorize = WorkspaceAuthorize(workspaces)
    return oauth


class ScopedApp(App):
    """Bolt's app, each request handled inside a `log_scope` of its workspace and
    channel. `dispatch` is where HTTP (`bot.runtime.server`) and Socket Mode requests
    alike reach Bolt, so every line logged about a request, by idealoop or by Bolt,
    carries them (`IDEALOOP_LOG_FORMAT=json`).

    `fast_path`, when set, is asked first by the one entry point (`bot.runtime.entry`):
    reactions and 👍 / 👎 clicks are answered there without Bolt's middleware chain
    (`handlers.reactions.fast_path`, `handlers.actions.fast_path`)."""

    fast_path: FastPath | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        team, channel = req.context.team_id, req.context.channel_id
        with log_scope(team=str(team) if team else None,
                       channel=str(channel) if channel else None):
            return super().dispatch(req)


def create_app(settings: Settings, *, deps: Deps | None = None) -> App:
    """A ready Bolt app with every listener registered. No network until it is used,
    except Bolt's own `auth.test` check of a bot token."""
    deps = deps or build_deps(settings)
    if settings.oauth:  # the client has no token: Bolt authorizes each request's workspace
        credentials: dict[str, Any] = {"oauth_settings": oauth_settings(settings, deps),
                                       "installation_store_bot_only": True,
                                       "client": make_client(settings)}
    else:
        assert isinstance(deps.workspaces, OneWorkspace)
        credentials = {"client": deps.workspaces.client}
    app = ScopedApp(
        # Named here, not by Bolt: unnamed, it reads the source of every frame on the
        # stack (`inspect.stack()`) to name the app after its caller's file, a tenth of a
        # second per app in a deep stack (each end-to-end test builds one).
        name="idealoop",
        **credentials,
        # HTTP requests are verified before Bolt sees them (`bot.runtime.slack_http`, which
        # also says why); Socket Mode has no signatures to check.
        request_verification_enabled=False,
        # A listener finishes before Slack gets its answer: an event is acknowledged only
        # once what it carries is stored, a command once its work is accepted.
        process_before_response=True,
        listener_executor=deps.listeners,
        logger=logging.getLogger("slack_bolt"),
    )
    handlers.register_all(app, deps)
    app.fast_path = fast_paths(
        handlers.reactions.fast_path(deps, bot_user_of(app, deps)),
        handlers.actions.fast_path(deps, bot_user_of(app, deps), proxy=app.client.proxy,
                                   ssl=app.client.ssl))
    deps.worker.start(work_runners(deps, deps.workspaces))
    return app


def fast_paths(*paths: FastPath) -> FastPath:
    """One fast path that asks each of `paths` in turn: the first answer, or None (Bolt)."""
    def take(body: dict[str, Any]) -> BoltResponse | None:
        for path in paths:
            response = path(body)
            if response is not None:
                return response
        return None

    return take


def start_work(deps: Deps) -> None:
    """A worker process (`idealoop worker`): run the work stored by any web process,
    woken as soon as it is stored (`bot.work.worker`), with no Slack endpoint."""
    deps.worker.start(work_runners(deps, deps.workspaces), wakeups=deps.work.wakeups())


def bot_user_of(app: App, deps: Deps) -> Callable[[str | None], str | None]:
    """Bolt's authorization of a request from a workspace, as the reactions' fast path
    asks it: the bot user id Bolt would put in the request's context, or None where
    Bolt should answer itself.

    - With a bot token, Bolt's `SingleTeamAuthorization` authorizes every request with
      the `auth.test` it made at start (or at its first request): its answer is read
      from there; until it has one, None.
    - Installed by OAuth, Bolt asks `WorkspaceAuthorize` for the request's team: the
      same is asked here; not installed, or the store away, is None (Bolt then refuses
      the request its own way, as before)."""
    workspaces = deps.workspaces
    if isinstance(workspaces, OneWorkspace):
        return _single_team_user(app)
    if not isinstance(workspaces, InstalledWorkspaces):
        return lambda team: None

    def installed(team: str | None) -> str | None:
        if not team:
            return None
        try:
            bot = workspaces.bot(team)
        except Exception:  # not installed, the store away: Bolt answers as it does
            return None
        return str(bot.bot_user_id) if bot.bot_user_id else None

    return installed


def _single_team_user(app: App) -> Callable[[str | None], str | None]:
    """The bot user of Bolt's `SingleTeamAuthorization`, from the `auth.test` it keeps.
    Bolt has no public way to it: its middleware list and that result are its own
    attributes, read here with a fallback, so that a Bolt that renames them costs the
    fast path (every request then goes through Bolt, as before it; said in the log, and
    tests/e2e/test_fast_path.py fails) and nothing else."""
    single = next((middleware for middleware in getattr(app, "_middleware_list", ())
                   if isinstance(middleware, SingleTeamAuthorization)), None)
    if single is None or not hasattr(single, "auth_test_result"):
        log.warning("Bolt's authorization of the bot token is not where idealoop reads it: "
                    "reactions and clicks go through Bolt's middleware (slower, same answers)")
        return lambda team: None
    bot_token = str(app.client.token or "").startswith("xoxb-")  # Bolt's `_is_bot_token`

    def from_token(team: str | None) -> str | None:
        result = getattr(single, "auth_test_result", None)
        user = result.get("user_id") if result and bot_token else None
        return str(user) if user else None

    return from_token


def the_one_team(deps: Deps) -> str:
    """The workspace of `SLACK_BOT_TOKEN` (Slack's `auth.test` says which)."""
    assert isinstance(deps.workspaces, OneWorkspace)
    return str(deps.workspaces.client.auth_test()["team_id"])


def adopt_unowned_rows(deps: Deps) -> None:
    """With one workspace (a bot token), rows stored before workspaces were recorded
    become that workspace's (`WorkspaceStore.adopt_unowned`); best effort, said in the log."""
    if deps.settings.oauth:
        return
    try:
        team = the_one_team(deps)
        adopted = deps.stores.workspaces.adopt_unowned(team)
        # A token that works again (a reinstall) resumes the digests its uninstall paused.
        resumed = deps.for_team(team).digests.digest_store.resume_all(UNINSTALLED)
    except Exception as exc:  # Slack or the database away: tried again at the next start
        log.warning("could not give older rows to this workspace: %s", type(exc).__name__)
        return
    if adopted:
        log.info("%d rows stored before workspaces were recorded now belong to %s",
                 adopted, team)
    if resumed:
        log.info("idealoop works in %s again: %d paused digest schedules resumed", team,
                 resumed)


def remind_due(deps: Deps) -> Callable[[datetime | None], int]:
    """What hands reminders that came due to durable work and runs those this process
    accepted (and decisions whose announcement was lost, and idea boards to bring up to
    date, at most once a minute each): `serve`'s scheduler tick and
    the emulator's `advance`. Returns how many reminders."""
    def tick(now: datetime | None = None) -> int:
        for notice in queue_unannounced(deps.decisions, deps.work, now):  # lost ones
            deps.worker.run_soon(notice)
        accepted = queue_due_reminders(deps.decisions, deps.work, now)
        for item in accepted:
            deps.worker.run_soon(item)
        for board in queue_stale_boards(deps.boards, deps.work, now or deps.decisions.clock()):
            deps.worker.run_soon(board)  # idea boards behind what they would show
        return len(accepted)

    return tick


def digest_poster(deps: Deps) -> DigestPoster:
    """What posts digests: `serve`'s scheduler tick, `idealoop digest`, the emulator."""
    return DigestPoster(deps.digests, deps.workspaces)
