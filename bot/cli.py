"""The `idealoop` command line. The only place that configures logging or reads the
process environment (through `Settings.from_env`).

Heavy libraries (Bolt, SQLAlchemy, Alembic, the OpenAI SDK) are imported inside the
commands that use them, so `idealoop --help` answers in a fraction of the time a full
start takes.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.error import URLError

import click

from bot.config import DEFAULT_WORKER_PROCESSES_MOST, Settings
from bot.errors import BadInput, ConfigError
from bot.runtime.log_format import log_thread_exceptions, safe_handler, use_log_format

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    from storage.stores import Stores

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger("idealoop")
PARENT_CHECK_SECONDS = 0.5
WORKERS_START_SECONDS = 60.0  # serve waits this long at most for its workers to be ready


def _setup_logging(level: str, filename: str | None = None) -> None:
    # Every logger's records, the libraries' included, are written through
    # `SafeFormatter`: one line each, values from requests escaped and clipped.
    handler = logging.FileHandler(filename) if filename else logging.StreamHandler()
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        handlers=[safe_handler(handler)])
    log_thread_exceptions()
    # slack_sdk logs request bodies at DEBUG; keep tokens and message texts out of INFO logs.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per tick otherwise
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the client we pass wins: it does,
    # on purpose (the client carries SLACK_API_URL and the retry handlers).
    logging.getLogger("slack_bolt").addFilter(
        lambda record: not record.getMessage().startswith("As you gave `client`"))
    # websocket-client, and slack_sdk after it, report a Socket Mode connection closed
    # normally (code 1000: our own stop, or leaving a connection Slack asked us to
    # refresh) as an ERROR; a lost connection is still reported.
    for name in ("slack_bolt", "websocket"):
        logging.getLogger(name).addFilter(
            lambda record: "Connection closed normally" not in record.getMessage())


def _exit_quickly() -> None:
    """Leave what this process built to the operating system when it exits. The
    interpreter's own shutdown collects the garbage of every module again and again as
    it clears them (hundreds of thousands of objects: the OpenAI SDK's types alone are
    thousands of classes), about a second of CPU after the last line was logged;
    `gc.freeze()` takes every object out of those collections. The exit handlers still
    run (logs are flushed), and every connection and thread was closed or joined by the
    command before."""
    gc.freeze()


def _friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn configuration, database and Slack failures into one clear line, never a
    traceback. The libraries' error types are imported only when something failed."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"idealoop: configuration error: {exc}", err=True)
            sys.exit(2)
        except BadInput as exc:  # the operator's words name nothing: say which
            click.echo(f"idealoop: {exc}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            # The reader stopped early (`idealoop export | head`): not a failure to report.
            # Point stdout at /dev/null so the interpreter's final flush stays quiet too.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except (URLError, ConnectionError, TimeoutError) as exc:
            click.echo(f"idealoop: cannot reach Slack (check SLACK_API_URL and the network): "
                       f"{getattr(exc, 'reason', exc)}", err=True)
            sys.exit(4)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
            click.echo(f"idealoop: cannot listen on its port: {exc.strerror} (check PORT, "
                       "or IDEALOOP_WORKER_PORT for idealoop worker)", err=True)
            sys.exit(2)
        except Exception as exc:
            line, code = _failure_line(exc)
            if line is None:
                raise
            click.echo(line, err=True)
            sys.exit(code)

    return wrapper


def _failure_line(exc: Exception) -> tuple[str | None, int]:
    """One line and an exit code for a database or Slack failure; (None, 0) otherwise."""
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return f"idealoop: database error (check DATABASE_URL): {reason}", 3
    if isinstance(exc, SlackApiError):
        return f"idealoop: Slack refused us: {_slack_reason(exc)}", 4
    if isinstance(exc, BoltError):
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return ("idealoop: the Slack app could not start (check SLACK_BOT_TOKEN): "
                f"{first}", 4)
    return None, 0


def _slack_reason(exc: SlackApiError) -> str:
    """What Slack said, and which setting to look at."""
    code = str(exc.response.get("error", "")) if exc.response is not None else ""
    url = str(getattr(exc.response, "api_url", ""))
    if "apps.connections.open" in url:
        return (f"{code}: Socket Mode could not open a connection; check SLACK_APP_TOKEN "
                "(an app-level token with connections:write) and that Socket Mode is on")
    if code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return f"{code}: check SLACK_BOT_TOKEN"
    return code or "an unexpected answer"


def _settings() -> Settings:
    """The settings; from here on the log is written in the format they name (logging
    was set up before they were read, so a bad setting is still reported)."""
    settings = Settings.from_env()
    use_log_format(settings.log_format)
    return settings


def _stores(settings: Settings, *, migrate: bool = False, pool: int | None = None) -> Stores:
    """The database; migrated when `migrate` (serve, db upgrade), else only checked: a
    command that reads or posts must not change the schema under a running `serve`.
    `pool`: at most that many connections (`bot.app.open_stores`)."""
    from bot.app import open_stores

    return open_stores(settings, migrate=migrate, check=not migrate, pool=pool)


CHANNEL_HELP = ("Only this channel: its id (C0123…), or its name (general, '#general') "
                "when the bot token may list channels.")


@dataclass(frozen=True)
class Channel:
    """A `--channel` resolved: its id, and its name when it was given by name."""

    id: str
    name: str | None = None

    def __str__(self) -> str:
        return f"#{self.name} ({self.id})" if self.name else self.id


def _channel(value: str, stores: Stores, team: str | None,
             client: Callable[[], WebClient | None]) -> Channel:
    """The channel `--channel` names, as idealoop has a record of it (an idea, draft,
    schedule or guidance there). An id is taken as it is; a name is looked up in Slack
    with the bot token (`conversations.list`, scope channels:read). Anything else is
    a BadInput naming it, never an empty answer."""
    from bot.slack_values import is_slack_id

    wanted = value.strip()
    if is_slack_id(wanted) and wanted[0] in "CGD":
        found = Channel(wanted)
    else:
        found = Channel(_channel_id(wanted.removeprefix("#"), client()), wanted.lstrip("#"))
    if not stores.reports.knows_channel(found.id, team):
        where = f" in workspace {team}" if team else ""
        raise BadInput(f"unknown channel {found}{where}: nothing was "
                       "brainstormed, drafted, scheduled or guided there")
    return found


def _channel_id(name: str, client: WebClient | None) -> str:
    from slack_sdk.errors import SlackApiError

    if client is None:
        raise BadInput(f"#{name}: give the channel's id (C0123…); a name is looked up in "
                       "Slack, which needs SLACK_BOT_TOKEN")
    try:
        for page in client.conversations_list(types="public_channel,private_channel",
                                              exclude_archived=True, limit=1000):
            for info in page.get("channels") or []:
                if info.get("name") == name:
                    return str(info["id"])
    except SlackApiError as exc:
        if exc.response.get("error") != "missing_scope":
            raise
        raise BadInput(f"#{name}: looking a channel up by name needs the channels:read "
                       "scope, which this token lacks (an install from before the manifest "
                       "asked for it); give the channel's id (C0123…, at the bottom of its "
                       "details in Slack) or reinstall idealoop") from exc
    raise BadInput(f"Slack knows no channel #{name} (or the bot cannot see it)")


def _token_client(settings: Settings) -> WebClient | None:
    """A Web API client with the bot token, for looking names up; None without one."""
    if not settings.slack_bot_token:
        return None
    from slack_sdk import WebClient

    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)


@click.group()
@click.option("--log-level", default=None,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="Default: INFO, or WARNING for the shell (its transcript stays readable).")
@click.pass_context
def main(ctx: click.Context, log_level: str | None) -> None:
    """idealoop: brainstorm and draft with an LLM in Slack; people decide with emoji."""
    atexit.unregister(_exit_quickly)  # once, however often this runs (CliRunner)
    atexit.register(_exit_quickly)
    if ctx.invoked_subcommand == "shell":
        # The terminal is the emulated channel: the log goes to a file the banner names.
        handle, path = tempfile.mkstemp(prefix="idealoop-shell-", suffix=".log")
        os.close(handle)
        ctx.meta["log_file"] = path
        _setup_logging(log_level or "WARNING", filename=path)
        return
    quiet = ctx.invoked_subcommand == "export"
    if ctx.invoked_subcommand == "doctor":  # its report says everything; logs would repeat it
        _setup_logging(log_level or "CRITICAL")
        return
    _setup_logging(log_level or ("WARNING" if quiet else "INFO"))


@main.command()
@click.option("--db", "database_url", default=None,
              help="Database URL for this session (default: DATABASE_URL or idealoop.db).")
@click.option("--fresh", is_flag=True, help="Start with an empty temporary database.")
@_friendly
def shell(database_url: str | None, fresh: bool) -> None:
    """The local emulator: a Slack channel in the terminal, running the real app."""
    import dataclasses

    from bot.emulator.shell import Shell, run

    if fresh and database_url:
        raise ConfigError("--fresh starts an empty temporary database, so it cannot use "
                          f"--db {database_url}: drop one of the two")
    settings = _settings()
    if database_url:
        if "://" not in database_url:
            raise ConfigError("--db must be a SQLAlchemy URL such as sqlite:///ideas.db")
        settings = dataclasses.replace(settings, database_url=database_url)
    interactive = sys.stdin.isatty()
    # NO_COLOR is every tool's convention, not a setting (`bot.config_spec.CONVENTIONS`).
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())
    log_file = click.get_current_context().meta.get("log_file")
    with Shell(settings, out=sys.stdout, color=color, fresh=fresh,
               log_file=log_file) as session:
        run(session, sys.stdin, interactive=interactive)


def _environment_help() -> str:
    from bot.config import variables
    from bot.config_spec import environment_lines

    shown = environment_lines(variables())
    width = max(len(name) for name, _ in shown)
    lines = "\n".join(f"  {name:<{width}}  {meaning}" for name, meaning in shown)
    return f"\b\nEnvironment (a .env file in this folder is read too):\n{lines}"


WORKERS_HELP = ("Worker processes beside the web process, running brainstorms, drafts, "
                "digests, reminders, boards and purges; 0 runs them in this process. Default: "
                "IDEALOOP_WORKER_PROCESSES, else 0 on SQLite and one per core on PostgreSQL "
                f"(at most {DEFAULT_WORKER_PROCESSES_MOST}).")


@main.command(epilog=_environment_help())
@click.option("--workers", "processes", type=click.IntRange(0, 64), default=None,
              help=WORKERS_HELP)
@_friendly
def serve(processes: int | None) -> None:
    """Run the app against Slack (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)."""
    settings = _settings()
    settings.require_serve()
    count = settings.worker_process_count() if processes is None else processes
    # The processes of one app share their metrics through one directory: the operator's,
    # else one made here for this run (and its children).
    made = tempfile.mkdtemp(prefix="idealoop-metrics-") if count and not settings.metrics_dir \
        else None
    metrics_dir = settings.metrics_dir or made
    if metrics_dir:  # before prometheus_client is imported (`bot.metrics`)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        _serve(settings, count)
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


def _serve(settings: Settings, count: int) -> None:
    from bot.app import (
        adopt_unowned_rows,
        build_deps,
        close_deps,
        create_app,
        digest_poster,
        remind_due,
    )
    from bot.runtime.scheduler import start_scheduler
    from bot.runtime.server import HttpServer, serve_socket_mode
    from bot.runtime.workers import WorkerProcesses

    deps = build_deps(settings, stores=_stores(settings, migrate=True), work_here=not count)
    app = create_app(settings, deps=deps)
    adopt_unowned_rows(deps)
    # With worker processes, they run the work and the clock (digests, pruning, purges:
    # each claims its run, so any number of processes may tick); this process only acks.
    scheduler = None if count else start_scheduler(
        digest_poster(deps).post_due, deps.work.store.prune, deps.privacy.purge_if_due,
        remind_due=remind_due(deps))
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    children = WorkerProcesses(count, on_death=deps.work.free_dead_owners, command=[
        sys.executable, "-m", "bot.cli", "--log-level", level, "worker",
        "--child-of", str(os.getpid())]).start() \
        if count else None
    if children is not None:  # Slack is answered once the work can be taken
        ready = children.wait_ready(WORKERS_START_SECONDS)
        if ready < count:
            log.warning("%d of %d worker processes were not ready within %.0f s; serving "
                        "anyway (the work waits for them)", count - ready, count,
                        WORKERS_START_SECONDS)

    def health() -> tuple[bool, dict[str, Any]]:
        healthy, report = deps.health()
        if children is not None and healthy:  # the work is theirs: say how much waits
            report["worker_processes"] = children.pids()
            try:
                report["work_pending"] = deps.work.backlog()[0]
            except Exception as exc:  # the database went away since the ping
                log.warning("health check: work backlog unavailable: %s", type(exc).__name__)
        return healthy, report

    if deps.model.offline:
        log.warning("idealoop is serving Slack with the OFFLINE GENERATOR: no LLM is "
                    "configured (set OPENAI_API_KEY or OPENAI_BASE_URL, and IDEALOOP_MODEL). "
                    "Ideas and drafts come from templates; every AI label and the Home tab "
                    "say so.")
    where = f"{count} worker processes" if count else "this process"
    try:
        if settings.slack_app_token:
            log.info("idealoop serving over Socket Mode (model %s; work runs in %s)",
                     deps.model.model, where)
            serve_socket_mode(app, settings.slack_app_token, lambda: HttpServer(
                None, health, signing_secret=None, port=settings.port, metrics=deps.metrics))
        else:
            server = HttpServer(app, health, signing_secret=settings.slack_signing_secret,
                                port=settings.port, metrics=deps.metrics)
            log.info("idealoop listening on :%d (POST /slack/events, GET /healthz, "
                     "GET /metrics; model %s; work runs in %s)",
                     server.port, deps.model.model, where)
            server.run()
    finally:
        if children is not None:
            log.info("stopping the worker processes")
            children.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        close_deps(deps)
        log.info("idealoop stopped")


@main.command()
@click.option("--child-of", "parent", type=int, default=None, hidden=True,
              help="Started by `serve --workers N` (its pid): no port, stop when it is gone.")
@click.option("--ready-fd", type=int, default=None, hidden=True,
              help="A pipe to write one byte to once work is taken (`serve`'s children).")
@_friendly
def worker(parent: int | None, ready_fd: int | None) -> None:
    """Run brainstorms, drafts, digests, reminders, boards and purges for any `serve` on
    the same database: no Slack endpoint; GET /healthz and /metrics on
    IDEALOOP_WORKER_PORT."""
    settings = _settings()
    settings.require_serve(endpoint=False)
    if settings.metrics_dir:  # before prometheus_client is imported (`bot.metrics`)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = settings.metrics_dir
    from bot.app import build_deps, close_deps, digest_poster, remind_due, start_work
    from bot.runtime.scheduler import start_scheduler
    from bot.runtime.server import HttpServer, on_signals, serve_status

    # A child's web process migrated the database already; a worker on its own only
    # checks (`idealoop db upgrade`, or `serve`, migrates).
    deps = build_deps(settings, stores=_stores(settings, pool=settings.worker_pool_size()))
    try:  # its port first: a worker that cannot be watched takes no work
        status = None if parent is not None else HttpServer(
            None, deps.health, signing_secret=None, port=settings.worker_port,
            metrics=deps.metrics)
    except BaseException:
        close_deps(deps)
        raise
    start_work(deps)
    scheduler = start_scheduler(digest_poster(deps).post_due, deps.work.store.prune,
                                deps.privacy.purge_if_due, remind_due=remind_due(deps))
    if ready_fd is not None:  # serve waits for this before it answers Slack
        with contextlib.suppress(OSError):
            os.write(ready_fd, b"1")
            os.close(ready_fd)
    try:
        if status is None:
            _until_parent_gone(int(parent or 0), on_signals())
        else:
            log.info("idealoop worker running (model %s); GET /healthz and /metrics on :%d",
                     deps.model.model, status.port)
            serve_status(status)
    finally:
        scheduler.shutdown(wait=False)
        close_deps(deps)
        log.info("idealoop worker stopped")


def _until_parent_gone(parent: int, stop: threading.Event) -> None:
    """Wait for SIGTERM or SIGINT, or for `parent`, the `serve` that started this process,
    to be gone (killed with -9 it sends nothing; even before this process got here: its
    children are then someone else's)."""
    while os.getppid() == parent:
        if stop.wait(PARENT_CHECK_SECONDS):
            return
    log.warning("the serve process that started this worker is gone; stopping")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
@click.option("--channel", default=None, help=CHANNEL_HELP)
@click.option("--team", default=None, help="Only this workspace's items (team id, e.g. T0123).")
@click.option("--pairs", is_flag=True,
              help="Preference pairs (approved vs rejected idea on the same topic) as JSONL.")
@click.option("--decisions", is_flag=True,
              help="Decisions (owner, due date, status) instead of ideas and drafts.")
@_friendly
def export(fmt: str, channel: str | None, team: str | None, pairs: bool,
           decisions: bool) -> None:
    """Write ideas and drafts with their signals (or decisions) to stdout."""
    from bot.insights import preference_pairs
    from bot.reports import write_export
    from storage.reports import DECISION_FIELDS, EXPORT_FIELDS

    settings = _settings()
    stores = _stores(settings)
    found = (_channel(channel, stores, team, lambda: _token_client(settings))
             if channel else None)
    what = "every decision ever made" if decisions else "every item ever posted"
    # stdout is the data; what was looked at goes to stderr.
    click.echo(f"idealoop: exporting {found or 'every channel'}"
               f"{f' of workspace {team}' if team else ''}, {what}", err=True)
    where = found.id if found else None
    if decisions:
        if pairs:
            raise ConfigError("--pairs and --decisions are different exports; pick one")
        write_export(stores.reports.decision_rows(channel=where, team=team),
                     DECISION_FIELDS, fmt, sys.stdout)
        return
    rows: Iterable[dict[str, Any]] = stores.reports.export_rows(channel=where, team=team)
    if pairs:
        if fmt == "csv":
            raise ConfigError("--pairs writes JSONL only; drop --format csv")
        rows, fmt = preference_pairs(rows), "jsonl"
    write_export(rows, EXPORT_FIELDS, fmt, sys.stdout)


@main.command()
@click.option("--channel", default=None,
              help="Post this channel's digest: its id (C0123…), or its name (general, "
                   "'#general') when the bot token may list channels.")
@click.option("--period", type=click.Choice(["day", "week"]), default=None,
              help="With --channel: which period (default: the channel's schedule, or day).")
@click.option("--force", is_flag=True, help="Post even if this period's digest was posted.")
@click.option("--team", default=None,
              help="With --channel: its workspace (team id); needed when installed by OAuth.")
@_friendly
def digest(channel: str | None, period: str | None, force: bool, team: str | None) -> None:
    """Post the digests that are due now (or the one asked for), once. Cron-friendly."""
    from bot.app import build_deps, close_deps, digest_poster, the_one_team
    from bot.digests import FAILED

    settings = _settings()
    if not settings.slack_bot_token and not settings.oauth:
        raise ConfigError("SLACK_BOT_TOKEN is not set (needed to post digests)")
    if force and not channel:
        raise ConfigError("--force needs --channel: say which digest to post again")
    if channel and settings.oauth and not team:
        raise ConfigError("--channel needs --team when idealoop is installed by OAuth: "
                          "say which workspace the channel is in")
    deps = build_deps(settings, stores=_stores(settings))
    try:
        poster = digest_poster(deps)
        if channel:
            scoped = deps.for_team(team or the_one_team(deps))
            found = _channel(channel, scoped.stores, scoped.team,
                             lambda: scoped.workspaces.client_for(scoped.team))
            slot = scoped.digests.slot_for(found.id, period, settings.timezone)
            outcome = poster.post(slot.forced(deps.digests.clock()) if force else slot)
            click.echo(f"idealoop: digest of {found} for {slot.window()}: "
                       f"{outcome.describe()}")
            outcomes = [outcome]
        else:
            outcomes = poster.post_due()
            if not outcomes:
                click.echo("idealoop: no digest is due")
            for outcome in outcomes:
                click.echo(f"idealoop: digest {outcome.key} for {outcome.channel}: "
                           f"{outcome.describe()}")
    finally:
        close_deps(deps)
    if any(outcome.status in FAILED for outcome in outcomes):
        sys.exit(1)


@main.command()
@click.option("--user", required=True, help="The person's Slack user id, e.g. U0123ABCD.")
@click.option("--team", default=None,
              help="Only in this workspace (team id, e.g. T0123); default: every workspace.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_friendly
def forget(user: str, team: str | None, yes: bool) -> None:
    """Forget one person: their signals, and the texts they wrote or asked for."""
    from bot.privacy import Privacy, forgotten_summary
    from bot.slack_values import is_slack_id
    from storage.privacy import PrivacyStore

    if not is_slack_id(user) or not user.startswith(("U", "W")):
        raise ConfigError(f"--user takes a Slack user id such as U0123ABCD, not {user!r}")
    settings = _settings()
    stores = _stores(settings)
    if not yes:
        click.confirm(f"Remove {user}'s reactions and clicks, the topics of the brainstorms "
                      "and the texts of the drafts they asked for, and the channel guidance "
                      "they wrote? This cannot be undone", abort=True)
    privacy = Privacy(settings, PrivacyStore(stores.engine, team=team or ""),
                      owner="idealoop forget")
    # A person is forgotten whole: no --channel, every copy of their words goes.
    where = "every workspace" if team is None else f"workspace {team}"
    click.echo(f"idealoop: forgetting {user} in {where}: every channel, every date")
    forgotten = privacy.forget(user, everywhere=team is None, patient=True)
    click.echo("idealoop: " + forgotten_summary(forgotten, who=user))
    if not forgotten.log_cleared:
        click.echo("idealoop: SQLite's write-ahead log still holds the removed text (another "
                   "process kept a read open); a running idealoop empties it within the hour, "
                   "or run this again when it is idle.", err=True)


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@_friendly
def db_upgrade() -> None:
    """Apply migrations (serve does this on start too)."""
    settings = _settings()
    _stores(settings, migrate=True)
    click.echo("idealoop: database is up to date")


@main.command()
def doctor() -> None:
    """Check this deployment from outside: database, LLM, Slack tokens and scopes,
    signing secret, app token, OAuth settings. Exits 1 if anything needs fixing."""
    from bot.config import read_environ
    from bot.runtime.doctor import diagnose

    problems = 0
    for check in diagnose(read_environ()):
        mark = {True: "✓", False: "✗", None: "–"}[check.ok]
        click.echo(f"{mark} {check.label}")
        for note in check.notes:
            click.echo(f"    {note}")
        if check.ok is False:
            problems += 1
            click.echo(f"    fix: {check.fix}")
    click.echo(f"idealoop doctor: {problems} to fix" if problems
               else "idealoop doctor: all good")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
