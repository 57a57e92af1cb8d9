"""`idealoop shell`: a Slack channel in the terminal, running the real app.

Only Slack is emulated. The real `create_app(...)` is served on loopback by the same
HTTP server as `idealoop serve`; each line typed becomes what Slack would send (a
signed slash command, a signed `reaction_added` event, an `app_mention`), and what the
app posts lands in the emulated Slack Web API (`bot.emulator.web_api`), whose change
events are rendered here. The database and the LLM are the configured ones.
"""

from __future__ import annotations

import dataclasses
import json
import queue
import re
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
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
)
from bot.config import Settings
from bot.deps import Deps
from bot.emulator.render import Style, message_lines, reactions_line
from bot.emulator.slack_requests import (
    SlackSender,
    button_action,
    dm_message_event,
    home_opened_event,
    mention_event,
    messages_tab_opened_event,
    reaction_event,
)
from bot.emulator.web_api import SlackApiServer
from bot.emulator.workspace import Workspace, WorkspaceError
from bot.runtime.server import HttpServer

HELP = """\
Type what you would type in Slack:
  /brainstorm <topic>      the AI proposes ideas, one message each, in a thread
  /brainstorm help         usage;  /brainstorm top [day|week|all]  best-approved ideas
  /brainstorm …            also: digest, stats, why, guide, usage, forget me
  @idealoop <instruction>  mention the bot (in the open thread, or a new one)
  @idealoop feedback       a critique of your latest message in the open thread
  @idealoop polish         an edited version of it, with what changed ("polish: <text>"
                           works on the text after the colon)
  +1 3   :fire: 3          react to message [3];  -:fire: 3 (or -+1 3) removes it
  click 3 👍|👎|draft|more|why
                           click a button on message [3]: feedback (again to take it
                           back), "Draft this", "More like this", "Why these ideas?"
  click forget|cancel      click a button on the last message only you saw
                           (`/brainstorm forget me` asks first); `click run` or
                           `click topic` answers "command or topic?" (`/brainstorm stat`)
  any other text           posts a message as the current user
Shell commands:
  open 3 / back            enter the thread of message [3] / return to the channel
  channel <name|id>        switch channel (#name and ids such as C0GENERAL work too)
  channels                 the channels here, with their ids
  as <name>                act as another person (alice, bob, carol, or a new name)
  top [day|week|all]       same as /brainstorm top
  dm idealoop <text>       write to idealoop in its DM (each message an agent session):
                           `brainstorm <topic>`, a draft, `feedback: <text>`,
                           `polish: <text>`
  home                     open your Home tab: your channels, their acceptance, top
                           ideas, digest and guidance
  home digest|guide #name  its buttons: a modal to change that channel's digest or
                           guidance; then `submit <text>` (or `cancel`)
  digest [#name|id]        post this (or that) channel's digest of the last day now
  advance 1d|3h|30m        move the emulated clock forward; scheduled digests that come
                           due are posted (subscribe with /brainstorm digest daily)
  export [#name|id]        this (or that) channel's ideas and their signals, as JSON lines
  show                     print the open channel or thread again
  help, quit               this text; leave (Ctrl-D works too)"""

_REACTION = re.compile(r"^(?P<remove>-)?(?::(?P<name>[a-z0-9_+\-']+(?:::[a-z0-9-]+)?):|"
                       r"(?P<bare>[+-]1))\s+\[?(?P<n>\d+)\]?$")
QUIET_TIMEOUT = 300.0
SLACK_RETRIES = 3  # Slack delivers an event again three times when it is not answered 200
ADVANCE_STEP = timedelta(hours=1)


class VirtualClock:
    """"Now" for the emulated workspace: real time plus however far `advance` moved it."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass
class Cursor:
    """Where the person is: which channel, which thread, as whom."""

    channel: str
    user: str
    thread_ts: str | None = None


class Shell:
    """The emulator's engine, usable from Python (tests) and from the terminal (`run`)."""

    def __init__(self, settings: Settings, *, out: TextIO, color: bool = False,
                 fresh: bool = False, log_file: str | None = None) -> None:
        self.out = out
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
        self.cursor = Cursor(channel="C0GENERAL", user="U0ALICE")
        self.numbers: dict[tuple[str, str], int] = {}
        self.messages: list[tuple[str, str]] = []  # index n-1 → (channel, ts)
        self.private: dict[str, Any] | None = None  # the last message only you were shown
        self.modal: dict[str, Any] | None = None  # the modal open, if any
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
        where = f"#{self._channel_name(self.cursor.channel)}"
        if self.cursor.thread_ts:
            where += f" › thread [{self.numbers.get((self.cursor.channel, self.cursor.thread_ts))}]"
        return f"{where} {self._user_name(self.cursor.user)}> "

    # -- one line -------------------------------------------------------------------

    def execute(self, line: str) -> bool:
        """Act on one line; False when the person asked to leave."""
        line = line.strip()
        if not line:
            return True
        word, _, rest = line.partition(" ")
        lowered = word.lower()
        if lowered in ("quit", "exit", "/quit", "/exit"):
            return False
        handler: Callable[[], None] | None = {
            "help": self._help, "?": self._help, "channels": self._channels,
            "open": lambda: self._open(rest), "thread": lambda: self._open(rest),
            "back": self._back, "close": self._back,
            "channel": lambda: self._switch_channel(rest), "as": lambda: self._switch_user(rest),
            "top": lambda: self._slash("/brainstorm", f"top {rest}".strip()),
            "export": lambda: self._export(rest), "show": self._show,
            "digest": lambda: self._digest(rest), "advance": lambda: self._advance(rest),
            "click": lambda: self._click(rest),
            "home": lambda: self._home(rest), "submit": lambda: self._submit(rest),
            "cancel": self._cancel, "dm": lambda: self._dm(rest),
        }.get(lowered)
        if handler is not None:
            handler()
        elif word.startswith("#") and not rest:
            self._switch_channel(word[1:])
        elif lowered == "/brainstorm":
            self._slash("/brainstorm", rest)
        elif word.startswith("/"):
            self.note(f"Unknown command {word}. Type `help` for what works here.")
        elif lowered in ("@idealoop", "<@u0bot>"):
            self._mention(rest)
        elif match := _REACTION.match(line):
            self._react(match)
        else:
            self._say_in_channel(line)
        self.pump()
        return True

    # -- output -----------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self.say(self.style.yellow(f"» {text}"))

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
            self._render(kind, payload)

    def _render(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "message_posted":
            self._render_message(payload["channel"], payload["message"], new=True)
        elif kind == "message_changed":
            self._render_message(payload["channel"], payload["message"], new=False)
        elif kind in ("reaction_added", "reaction_removed"):
            self._render_reactions(payload)
        elif kind == "ephemeral":
            self._render_ephemeral(payload.get("text") or "", payload.get("blocks"))
        elif kind == "home_published" and payload.get("user") == self.cursor.user:
            self._render_view("Home tab", payload["view"])
        elif kind == "modal_opened":
            self.modal = payload["view"]
            self._render_view("modal", payload["view"])
            self.note("Fill it in with `submit <text>`, or leave it with `cancel`.")
        elif kind == "assistant_changed":
            self._render_pane(payload)
        elif kind == "agent_session_changed":
            title = f" · {payload['title']}" if payload.get("title") else ""
            self.say(self.style.dim(f"    (dm) session {payload.get('status')}{title}"))
        elif kind == "response":
            body = payload.get("body") or {}
            # A replacement of a message everyone sees shows as that message changing; of
            # one only you saw (ephemeral), as a new private message.
            replaces = body.get("replace_original") and payload.get("replaces")
            if body.get("response_type") != "in_channel" and not replaces:
                self._render_ephemeral(body.get("text") or "", body.get("blocks"))

    def _render_view(self, where: str, view: dict[str, Any]) -> None:
        title = (view.get("title") or {}).get("text")
        self.say(self.style.bold(f"┌ {where}" + (f": {title}" if title else "")))
        for line in message_lines(view, self.style, self._user_name):
            self.say(f"│ {line}")
        for block in view.get("blocks") or []:
            if block.get("type") == "input":
                label = (block.get("label") or {}).get("text", "")
                hint = (block.get("hint") or {}).get("text", "")
                initial = (block.get("element") or {}).get("initial_value") or ""
                self.say(f"│ {label}: [{initial}]" + (self.style.dim(f" ({hint})") if hint
                                                       else ""))
        self.say(self.style.bold("└"))

    def _number(self, channel: str, ts: str) -> int:
        key = (channel, ts)
        if key not in self.numbers:
            self.messages.append(key)
            self.numbers[key] = len(self.messages)
        return self.numbers[key]

    def _render_message(self, channel: str, message: dict[str, Any], *, new: bool) -> None:
        number = self._number(channel, message["ts"])
        is_reply = bool(message.get("thread_ts")) and message["thread_ts"] != message["ts"]
        indent = "    " if is_reply else ""
        author = (self._user_name(message["user"]) if message.get("user") and not
                  message.get("bot_id") else "idealoop")
        tag = self.style.cyan(f"[{number}]")
        head = f"{indent}{'↳ ' if is_reply else ''}{tag} {self.style.bold(author)}"
        if channel != self.cursor.channel:
            head += self.style.dim(f" in #{self._channel_name(channel)}")
        if not new:
            head += self.style.dim(" (updated)")
        lines = message_lines(message, self.style, self._user_name)
        self.say(f"{head}: {lines[0]}")
        pad = indent + " " * (len(f"[{number}]") + 1 + (2 if is_reply else 0))
        for line in lines[1:]:
            self.say(f"{pad}{line}")

    def _render_reactions(self, payload: dict[str, Any]) -> None:
        channel, ts = payload.get("channel", ""), payload.get("ts", "")
        message = self.state.get_message(channel, ts)
        if message is None:
            return
        number = self._number(channel, ts)
        self.say(self.style.dim(f"    [{number}] reactions: {reactions_line(message) or 'none'}"))

    def _render_ephemeral(self, text: str, blocks: list[dict[str, Any]] | None) -> None:
        self.private = {"text": text, "blocks": blocks or [], "ts": self.state.next_ts(),
                        "channel": self.cursor.channel}  # `click forget` clicks on it
        lines = message_lines({"text": text, "blocks": blocks}, self.style, self._user_name)
        self.say(self.style.dim("(only visible to you) ") + lines[0])
        for line in lines[1:]:
            self.say("  " + line)

    # -- actions ----------------------------------------------------------------------

    def _slash(self, command: str, text: str) -> None:
        response_url = self.slack.new_response_url(channel=self.cursor.channel,
                                                   user=self.cursor.user)
        reply = self.sender.command(text, user=self.cursor.user, channel=self.cursor.channel,
                                    response_url=response_url, command=command)
        if reply.status != 200:
            self.note(f"The app answered HTTP {reply.status} to {command}.")
            return
        if reply.body:
            try:
                body = json.loads(reply.body)
            except ValueError:
                body = {"text": reply.body}
            if body.get("response_type") == "in_channel":  # Slack shows it to everyone
                self.state.post_message(self.cursor.channel, body.get("text") or "",
                                        as_bot=True, blocks=body.get("blocks"))
            else:
                self._render_ephemeral(body.get("text") or "", body.get("blocks"))

    def _say_in_channel(self, text: str) -> dict[str, Any]:
        return self.state.post_message(self.cursor.channel, text, user=self.cursor.user,
                                       thread_ts=self.cursor.thread_ts)

    def _mention(self, instruction: str) -> None:
        message = self._say_in_channel(f"<@{self.state.bot_user_id}> {instruction}".strip())
        event = mention_event(user=self.cursor.user, text=message["text"],
                              channel=self.cursor.channel, ts=message["ts"],
                              thread_ts=self.cursor.thread_ts)
        self._deliver(event, "the mention")

    def _deliver(self, event: dict[str, Any], what: str) -> None:
        """Send an event as Slack does: an answer other than 200 makes Slack deliver it
        again, three times (over minutes in Slack; here each once the app is quiet)."""
        event_id = f"Ev{uuid.uuid4().hex[:12].upper()}"
        reply = self.sender.event(event, event_id=event_id)
        for retry in range(1, SLACK_RETRIES + 1):
            if reply.status == 200:
                return
            self.pump()
            reply = self.sender.event(event, event_id=event_id, retry_num=retry)
        if reply.status != 200:
            self.note(f"The app answered HTTP {reply.status} to {what} and to each of "
                      f"Slack's {SLACK_RETRIES} re-deliveries; Slack gives up on it.")

    def _react(self, match: re.Match[str]) -> None:
        number = int(match["n"])
        if not 1 <= number <= len(self.messages):
            self.note(no_such(number))
            return
        channel, ts = self.messages[number - 1]
        name = match["name"] or match["bare"]
        added = not match["remove"]
        changed = (self.state.add_reaction(channel, ts, self.cursor.user, name) if added
                   else self.state.remove_reaction(channel, ts, self.cursor.user, name))
        if not changed:
            self.note(f"You {'already reacted' if added else 'had not reacted'} "
                      f"with :{name}: on [{number}].")
            return
        author = (self.state.get_message(channel, ts) or {}).get("user") or ""
        self._deliver(reaction_event(added=added, user=self.cursor.user, emoji=name,
                                     channel=channel, ts=ts, item_user=author),
                      "your reaction")

    def _click(self, rest: str) -> None:
        number_text, _, name = rest.strip().partition(" ")
        try:
            number = int(number_text.strip("[]"))
        except ValueError:
            number = 0
        if number == 0 and self.private and number_text:  # a button only you were shown
            self._click_private(number_text.lower())
            return
        if not number_text or (number == 0 and not number_text.strip("[]").isdigit()):
            self.note("Say which message and which button: `click 3 👍` (or 👎, draft, more, "
                      "why).")
            return
        if not 1 <= number <= len(self.messages):
            self.note(no_such(number))
            return
        channel, ts = self.messages[number - 1]
        message = self.state.get_message(channel, ts) or {}
        found = find_button(message, name.strip().lower())
        if found is None:
            self.note(no_such(number, button=name.strip()))
            return
        response_url = self.slack.new_response_url(channel=channel, user=self.cursor.user)
        reply = self.sender.click(found, user=self.cursor.user, channel=channel,
                                  message=message, response_url=response_url)
        if reply.status != 200:
            self.note(f"The app answered HTTP {reply.status} to your click.")

    def _click_private(self, name: str) -> None:
        """`click forget`: a button on the latest message only you were shown."""
        assert self.private is not None
        found = find_button(self.private, name)
        if found is None:
            self.note(no_such(None, button=name))
            return
        channel = str(self.private["channel"])
        response_url = self.slack.new_response_url(channel=channel, user=self.cursor.user)
        reply = self.sender.click(found, user=self.cursor.user, channel=channel,
                                  message=self.private, response_url=response_url,
                                  ephemeral=True)
        if reply.status != 200:
            self.note(f"The app answered HTTP {reply.status} to your click.")

    def _home(self, rest: str) -> None:
        """`home`: open your Home tab; `home digest #general` / `home guide #general`:
        click its button for that channel."""
        what, _, channel_name = rest.strip().partition(" ")
        if not what:
            self._deliver(home_opened_event(self.cursor.user), "opening the Home tab")
            return
        label = {"digest": "Change digest", "guide": "Edit guidance"}.get(what.lower())
        view = self.state.home_views.get(self.cursor.user)
        name = channel_name.strip().lstrip("#") or self._channel_name(self.cursor.channel)
        channel = name if name in self.state.channels else next(
            (cid for cid in self.state.channels if self._channel_name(cid) == name), None)
        action = (home_button(view, label, channel)
                  if label and view is not None and channel is not None else None)
        if action is None or view is None:
            self.note("Open your Home tab with `home`, then `home digest #channel` or "
                      "`home guide #channel` for a channel it shows.")
            return
        reply = self.sender.home_click(action, user=self.cursor.user, view=view)
        if reply.status != 200:
            self.note(f"The app answered HTTP {reply.status} to your click.")

    def _submit(self, rest: str) -> None:
        if self.modal is None:
            self.note("No modal is open. Open one from your Home tab: `home guide #general`.")
            return
        [field] = [block["block_id"] for block in self.modal.get("blocks") or []
                   if block.get("type") == "input"][:1] or ["value"]
        reply = self.sender.submit(self.modal, {field: rest.strip()}, user=self.cursor.user)
        body = reply.json() if reply.body else {}
        if isinstance(body, dict) and body.get("response_action") == "errors":
            for message in (body.get("errors") or {}).values():
                self.note(f"The modal says: {message}")
            return
        self.modal = None

    def _dm(self, rest: str) -> None:
        """`dm idealoop <text>`: write to idealoop in its DM, the Agent messaging
        experience: the first time, the DM opens (its Messages tab: a greeting and the
        suggested prompts); each message starts a session of its own, in its thread."""
        name, _, text = rest.strip().partition(" ")
        if name.lower().lstrip("@") not in ("idealoop", "<@u0bot>") or not text.strip():
            self.note("Write to idealoop in its DM with `dm idealoop <text>`, e.g. "
                      "`dm idealoop brainstorm onboarding`.")
            return
        user = self.cursor.user
        channel = self.state.ensure_channel(f"D0{user.removeprefix('U0')}",
                                            name=f"dm-{self._user_name(user)}")
        if user not in self.panes:
            self.panes[user] = ""
            self._deliver(messages_tab_opened_event(user, channel), "opening the DM")
            self.pump()
        message = self.state.post_message(channel, text.strip(), user=user)
        self.panes[user] = str(message["ts"])
        self._deliver(dm_message_event(user=user, text=message["text"], channel=channel,
                                       ts=message["ts"]), "your message")

    def _render_pane(self, payload: dict[str, Any]) -> None:
        if payload.get("status"):
            self.say(self.style.dim(f"    (dm) idealoop {payload['status']}"))
        if payload.get("title"):
            self.say(self.style.dim(f"    (dm) title: {payload['title']}"))
        for prompt in payload.get("prompts") or []:
            self.say(self.style.dim(f"    (dm) suggested: {prompt['title']} → "
                                    f"“{prompt['message']}”"))

    def _cancel(self) -> None:
        self.modal = None

    def _open(self, rest: str) -> None:
        try:
            number = int(rest.strip().strip("[]"))
        except ValueError:
            self.note("Say which message to open, by its number: `open 3`.")
            return
        if not 1 <= number <= len(self.messages):  # [0] and [-1] would index from the end
            self.note(no_such(number))
            return
        channel, ts = self.messages[number - 1]
        root = self.state.thread_root_ts(channel, ts) or ts
        self.cursor = dataclasses.replace(self.cursor, channel=channel, thread_ts=root)
        self._show()

    def _back(self) -> None:
        self.cursor = dataclasses.replace(self.cursor, thread_ts=None)

    def _switch_channel(self, name: str) -> None:
        if name.strip() in self.state.channels:  # an id: C0GENERAL
            self.cursor = Cursor(channel=name.strip(), user=self.cursor.user)
            self.note(f"Now in {self._channel_label(name.strip())}.")
            return
        name = name.strip().lstrip("#")
        if not re.fullmatch(r"[a-z0-9_-]{1,80}", name):
            self.note("Channel names are lower-case letters, digits, - and _: `channel ideas`.")
            return
        try:
            channel = self.state.ensure_channel(f"#{name}")
        except WorkspaceError:  # a new channel: give it an id the way Slack would
            base = "C0" + (re.sub(r"[^A-Z0-9]", "", name.upper())[:8] or "CHANNEL")
            channel, n = base, 1
            while channel in self.state.channels:
                n += 1
                channel = f"{base}{n}"
            self.state.ensure_channel(channel, name=name)
        self.cursor = Cursor(channel=channel, user=self.cursor.user)
        self.note(f"Now in #{self._channel_name(channel)}.")

    def _switch_user(self, name: str) -> None:
        name = name.strip().lstrip("@").lower()
        if not re.fullmatch(r"[a-z][a-z0-9._-]{0,30}", name):
            self.note("Say who to act as: `as bob`.")
            return
        user_id = next((uid for uid, uname in self.state.users.items() if uname == name), None)
        if user_id == self.state.bot_user_id:
            self.note("You cannot act as the bot.")
            return
        if user_id is None:  # a new person gets an id of their own, never someone else's
            base = "U0" + re.sub(r"[^A-Z0-9]", "", name.upper())[:9]
            user_id, n = base, 1
            while user_id in self.state.users:
                n += 1
                user_id = f"{base}{n}"
            self.state.add_user(user_id, name)
        self.cursor = dataclasses.replace(self.cursor, user=user_id)
        self.note(f"You are now {name}.")

    def _digest(self, rest: str) -> None:
        assert self.deps is not None
        channel = self._lookup(rest)
        if channel is None:
            return
        digests = self.deps.for_team(self.state.team_id).digests
        slot = digests.slot_for(channel, "day", self.settings.timezone)
        outcome = self.poster.post(slot.forced(self.clock()))
        self.pump()
        self.note(f"Digest of {self._channel_label(channel)} for {slot.window()}: "
                  f"{outcome.describe()}.")

    def _advance(self, rest: str) -> None:
        match = re.fullmatch(r"(\d{1,4})\s*([dhm])", rest.strip().lower())
        if not match:
            self.note("Say how far to move the clock: `advance 1d`, `advance 3h`, `advance 30m`.")
            return
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
        left = timedelta(**{unit: int(match[1])})
        if left > timedelta(days=90):
            self.note("Move the clock at most 90 days at a time.")
            return
        posted = 0
        # Walk the clock forward the way a running `serve` would live through it: the
        # scheduler looks at least every step, so every digest that comes due is seen.
        while left > timedelta():
            step = min(left, ADVANCE_STEP)
            self.clock.advance(step)
            left -= step
            posted += sum(o.status == "posted" for o in self.poster.post_due(self.clock()))
            self.pump()
        self.note(f"The emulated clock now reads {self.clock():%a %d %b %Y %H:%M} UTC.")
        if not posted:
            self.note("No scheduled digest came due with anything approved.")

    def _export(self, rest: str) -> None:
        assert self.deps is not None
        channel = self._lookup(rest)
        if channel is None:
            return
        rows = list(self.deps.stores.reports.export_rows(channel=channel,
                                                         team=self.state.team_id))
        label = self._channel_label(channel)
        if not rows:
            self.note(f"Nothing to export in {label} yet.")
            return
        self.note(f"Exporting {label}: every idea and draft posted there, with its signals.")
        for row in rows:
            self.say(json.dumps(row, ensure_ascii=False))

    def _show(self) -> None:
        if self.cursor.thread_ts:
            messages = self.state.thread(self.cursor.channel, self.cursor.thread_ts)
        else:
            messages = self.state.history(self.cursor.channel)
        if not messages:
            self.note("No messages here yet.")
        for message in messages:
            self._render_message(self.cursor.channel, message, new=True)
            if message.get("reactions"):
                self.say(self.style.dim(f"    reactions: {reactions_line(message)}"))

    # -- names --------------------------------------------------------------------------

    def _help(self) -> None:
        self.say(HELP)
        self._channels()

    def _channels(self) -> None:
        self.say("Channels (name, id):")
        with self.state.lock:
            ids = [cid for cid, info in self.state.channels.items() if not info["is_im"]]
        for channel in ids:
            here = "  ← you are here" if channel == self.cursor.channel else ""
            self.say(f"  #{self._channel_name(channel):<20} {channel}{here}")

    def _lookup(self, text: str) -> str | None:
        """The channel `text` names (`general`, `#general`, `C0GENERAL`), the open one
        when it is empty; None, said, when there is no such channel."""
        wanted = text.strip()
        if not wanted:
            return self.cursor.channel
        if wanted in self.state.channels:
            return wanted
        with self.state.lock:
            found = next((cid for cid, info in self.state.channels.items()
                          if info["name"] == wanted.lstrip("#")), None)
        if found is None:
            self.note(f"There is no channel {wanted} here. `channels` lists them, "
                      "with their ids.")
        return found

    def _channel_label(self, channel: str) -> str:
        return f"#{self._channel_name(channel)} ({channel})"

    def _user_name(self, user_id: str) -> str:
        """A person's name, or a channel's for a channel id (mrkdwn's `<#C…>`)."""
        if user_id in self.state.channels:
            return self._channel_name(user_id)
        return self.state.users.get(user_id, user_id)

    def _channel_name(self, channel: str) -> str:
        try:
            return str(self.state.channel_info(channel).get("name", channel))
        except WorkspaceError:  # an unknown channel id is shown as itself
            return channel


def no_such(number: int | None, *, button: str | None = None) -> str:
    """The one wording for a message number or a button that is not there: `+1 99`,
    `open 99`, `click 99 draft`, `click 1 draft`, `click draft`."""
    if button is None:
        return f"There is no message [{number}]. Messages are numbered in [brackets]."
    where = f"Message [{number}]" if number is not None else "The last message only you saw"
    return (f"{where} has no {button or 'such'} button. Buttons: 👍, 👎, draft, more, why "
            "(forget, cancel, run, set, topic on one only you saw).")


def home_button(view: dict[str, Any], label: str, channel: str) -> dict[str, Any] | None:
    """The `actions[]` entry for the Home tab's button `label` of `channel`, as shown."""
    for block in view.get("blocks") or []:
        for element in block.get("elements") or []:
            text = element.get("text")
            text = text.get("text") if isinstance(text, dict) else text
            if text == label and element.get("value") == channel:
                return button_action(block, element)
    return None


BUTTON_NAMES = {  # what `click N <name>` may say -> (action type or id, value)
    "👍": ("feedback_buttons", "up"), "+1": ("feedback_buttons", "up"),
    "up": ("feedback_buttons", "up"), "👎": ("feedback_buttons", "down"),
    "-1": ("feedback_buttons", "down"), "down": ("feedback_buttons", "down"),
    "draft": ("idealoop_draft_this", None), "more": ("idealoop_more_like_this", None),
    "why": ("idealoop_why", None), "forget": ("idealoop_forget_me", None),
    "cancel": ("idealoop_forget_me_cancel", None),
    "run": ("idealoop_choose_command", None), "set": ("idealoop_choose_command", None),
    "topic": ("idealoop_choose_topic", None),
}


def find_button(message: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The `actions[]` entry for clicking the button `name` on `message`, if it has one."""
    # "draft this" and "more like this" are named by their first word
    wanted = BUTTON_NAMES.get(name) or BUTTON_NAMES.get(name.split()[0] if name else "")
    if wanted is None:
        return None
    key, value = wanted
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if key in (element.get("type"), element.get("action_id")):
                return button_action(block, element, value)
    return None


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
