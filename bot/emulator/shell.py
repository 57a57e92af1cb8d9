"""`idealoop shell`: a Slack channel in the terminal, running the real app.

Only Slack is emulated. The real `create_app(...)` is served on loopback by the same
HTTP server as `idealoop serve`; each line typed becomes what Slack would send (a
signed slash command, a signed `reaction_added` event, an `app_mention`), and what the
app posts lands in the emulated Slack Web API (`bot.emulator.web_api`), whose change
events are rendered by `bot.emulator.screen`. The database and the LLM are the
configured ones.

This module holds the wiring (the emulated Slack, the app, the database) and reads a
line; what each command does is in `bot.emulator.shell_actions`, which word runs it and
its help line in `bot.emulator.shell_commands`.
"""

from __future__ import annotations

import dataclasses
import queue
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import (
    build_deps,
    close_deps,
    create_app,
    database_label,
    digest_poster,
    open_stores,
    remind_due,
)
from bot.config import Settings
from bot.deps import Deps
from bot.emulator.render import Style
from bot.emulator.screen import Cursor, Screen
from bot.emulator.shell_actions import REACTION, InSlack, Moves, find_button, no_such
from bot.emulator.shell_commands import DISPATCH, HELP, LEAVE
from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from bot.emulator.workspace import Workspace
from bot.runtime.server import HttpServer

QUIET_TIMEOUT = 300.0
__all__ = ["HELP", "Cursor", "Shell", "VirtualClock", "find_button", "no_such", "run"]


class VirtualClock:
    """"Now" for the emulated workspace: real time plus however far `advance` moved it."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


class Shell:
    """The emulator's engine, usable from Python (tests) and from the terminal (`run`)."""

    def __init__(self, settings: Settings, *, out: TextIO, color: bool = False,
                 fresh: bool = False, log_file: str | None = None) -> None:
        self.log_file = log_file
        self.style = Style(color)
        self._tmp = tempfile.TemporaryDirectory(prefix="idealoop-shell-") if fresh else None
        if self._tmp is not None:
            settings = dataclasses.replace(
                settings, database_url=f"sqlite:///{Path(self._tmp.name) / 'fresh.db'}")
        self.state = Workspace()
        self.slack = SlackApiServer(self.state).start()
        secret = secrets.token_hex(16)
        self.settings = dataclasses.replace(
            settings, slack_bot_token="xoxb-emulator", slack_signing_secret=secret,
            slack_app_token=None, slack_api_url=self.slack.url,
        )
        self.deps: Deps | None = None
        self.server: HttpServer | None = None
        try:
            self.clock = VirtualClock()
            stores = open_stores(self.settings, migrate=True, clock=self.clock)
            self.deps = build_deps(self.settings, stores=stores, clock=self.clock)
            app = create_app(self.settings, deps=self.deps)
            self.server = HttpServer(app, self.deps.health, signing_secret=secret,
                                     host="127.0.0.1", port=0).start()
        except BaseException:
            self.close()
            raise
        self.sender = SlackSender(self.server.url, secret)
        self.poster = digest_poster(self.deps)
        self.remind = remind_due(self.deps)  # as `serve`'s scheduler tick does
        self.cursor = Cursor(channel="C0GENERAL", user="U0ALICE")
        self.screen: Screen = Screen(out, self.style, self.state, lambda: self.cursor)
        self.in_slack: InSlack = InSlack(self)
        self.moves: Moves = Moves(self)
        self.panes: dict[str, str] = {}  # user -> their latest agent session ("": none)
        self.events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.state.add_listener(lambda kind, payload: self.events.put((kind, payload)))

    # -- lifecycle ------------------------------------------------------------------

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        if self.deps is not None:
            close_deps(self.deps)
        self.slack.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
        if self.log_file and Path(self.log_file).is_file() \
                and Path(self.log_file).stat().st_size == 0:
            Path(self.log_file).unlink()  # nothing went wrong: leave nothing behind

    def __enter__(self) -> Shell:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def banner(self) -> str:
        settings = self.settings
        if settings.llm_mode == "offline":
            llm = ("offline generator (no LLM; set OPENAI_API_KEY or OPENAI_BASE_URL "
                   "for a real one)")
        else:
            where = settings.openai_base_url_shown or "api.openai.com"
            llm = f"{settings.model} at {where}"
        store = "a fresh temporary database" if self._tmp else database_label(settings)
        lines = [
            self.style.bold("idealoop shell") + " — a Slack channel in your terminal, "
            "running the real app",
            f"  LLM: {llm}",
            f"  database: {store}",
        ]
        if self.log_file:
            lines.append(f"  log: {self.log_file}")
        return "\n".join([*lines, "  Type `help` for commands, `quit` to leave."])

    def prompt(self) -> str:
        cursor, screen = self.cursor, self.screen
        where = f"#{screen.channel_name(cursor.channel)}"
        if cursor.thread_ts:
            where += f" › thread [{screen.numbers.get((cursor.channel, cursor.thread_ts))}]"
        return f"{where} {screen.user_name(cursor.user)}> "

    @property
    def messages(self) -> list[tuple[str, str]]:
        """The messages shown, by number: index n-1 → (channel, ts)."""
        return self.screen.messages

    # -- one line -------------------------------------------------------------------

    def execute(self, line: str) -> bool:
        """Act on one line; False when the person asked to leave."""
        line = line.strip()
        if not line:
            return True
        word, _, rest = line.partition(" ")
        lowered = word.lower()
        if lowered in LEAVE:
            return False
        command = DISPATCH.get(lowered)
        if command is not None:
            command(self, rest)
        elif word.startswith("#") and not rest:
            self.moves.switch_channel(word[1:])
        elif word.startswith("/"):
            self.note(f"Unknown command {word}. Type `help` for what works here.")
        elif lowered in ("@idealoop", "<@u0bot>"):
            self.in_slack.mention(rest)
        elif match := REACTION.match(line):
            self.in_slack.react(match)
        else:
            self.in_slack.say_in_channel(line)
        self.pump()
        return True

    def help(self) -> None:
        self.say(HELP)
        self.screen.channels()

    # -- output -----------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.screen.say(text)

    def note(self, text: str) -> None:
        self.screen.note(text)

    def pump(self, timeout: float = QUIET_TIMEOUT) -> None:
        """Render what happens until the app is quiet (no listener, no job running)."""
        assert self.deps is not None
        deadline = time.monotonic() + timeout
        while True:
            self._render_pending()
            if not self.deps.busy and self.events.empty():
                # One more look: a listener may have just posted as it finished.
                time.sleep(0.02)
                if self.events.empty() and not self.deps.busy:
                    return
            if time.monotonic() > deadline:
                self.note("Still working in the background; results will show later.")
                return
            time.sleep(0.02)

    def _render_pending(self) -> None:
        while True:
            try:
                kind, payload = self.events.get_nowait()
            except queue.Empty:
                return
            self.screen.render(kind, payload)


def run(shell: Shell, source: TextIO, *, interactive: bool) -> None:
    """Read lines until `quit` or end of input. Ctrl-C cancels the line, Ctrl-D leaves."""
    shell.say(shell.banner())
    while True:
        try:
            line = input(shell.prompt()) if interactive else source.readline()
        except KeyboardInterrupt:
            shell.say("")
            shell.note("Ctrl-D or `quit` leaves the shell.")
            continue
        except EOFError:
            shell.say("")
            break
        if not interactive:
            if not line:
                break
            shell.say(shell.style.dim(shell.prompt()) + line.rstrip("\n"))
        try:
            if not shell.execute(line):
                break
        except KeyboardInterrupt:
            shell.say("")
            shell.note("Stopped waiting; anything still running shows up later.")
    shell.say(shell.style.dim("bye"))
