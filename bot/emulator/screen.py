"""What `idealoop shell` shows: the emulated Slack's changes, rendered as terminal lines.

Apart from the shell's wiring (`bot.emulator.shell`) and its commands
(`bot.emulator.shell_actions`) because how a message looks changes for other reasons
than how a line is read. The screen numbers every message it shows (`[3]`), so that a
person can name it (`+1 3`, `open 3`), and keeps the last message only they were shown
and the modal open, which their next command may act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from bot.emulator.render import Style, message_lines, reactions_line
from bot.emulator.workspace import Workspace, WorkspaceError


@dataclass
class Cursor:
    """Where the person is: which channel, which thread, as whom."""

    channel: str
    user: str
    thread_ts: str | None = None


class Screen:
    """The terminal: lines out, message numbers, and what was last shown privately."""

    def __init__(self, out: TextIO, style: Style, state: Workspace,
                 where: Callable[[], Cursor]) -> None:
        self.out = out
        self.style = style
        self.state = state
        self._where = where  # the person's cursor, as it is now
        self.numbers: dict[tuple[str, str], int] = {}
        self.messages: list[tuple[str, str]] = []  # index n-1 → (channel, ts)
        self.private: dict[str, Any] | None = None  # the last message only you were shown
        self.modal: dict[str, Any] | None = None  # the modal open, if any

    # -- lines --------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self.say(self.style.yellow(f"» {text}"))

    def number(self, channel: str, ts: str) -> int:
        """The message's number on this screen, given the first time it is shown."""
        key = (channel, ts)
        if key not in self.numbers:
            self.messages.append(key)
            self.numbers[key] = len(self.messages)
        return self.numbers[key]

    # -- what the emulated Slack reports ------------------------------------------------

    def render(self, kind: str, payload: dict[str, Any]) -> None:
        """Show one change the emulated Slack reported."""
        if kind == "message_posted":
            self.message(payload["channel"], payload["message"], new=True)
        elif kind == "message_changed":
            self.message(payload["channel"], payload["message"], new=False)
        elif kind in ("reaction_added", "reaction_removed"):
            self.reactions(payload)
        elif kind == "ephemeral":
            self.ephemeral(payload.get("text") or "", payload.get("blocks"))
        elif kind == "home_published" and payload.get("user") == self._where().user:
            self.view("Home tab", payload["view"])
        elif kind == "modal_opened":
            self.modal = payload["view"]
            self.view("modal", payload["view"])
            inputs = sum(block.get("type") == "input" for block in payload["view"]["blocks"])
            self.note("Fill it in with `submit <text>`, or leave it with `cancel`." if inputs < 2
                      else "Send it as shown with `submit`, or change fields first: `submit "
                           "owner bob due +3d note …` (or `cancel`).")
        elif kind == "canvas":
            self.canvas(payload)
        elif kind == "assistant_changed":
            self.pane(payload)
        elif kind == "agent_session_changed":
            title = f" · {payload['title']}" if payload.get("title") else ""
            self.say(self.style.dim(f"    (dm) session {payload.get('status')}{title}"))
        elif kind == "response":
            body = payload.get("body") or {}
            # A replacement of a message everyone sees shows as that message changing; of
            # one only you saw (ephemeral), as a new private message.
            replaces = body.get("replace_original") and payload.get("replaces")
            if body.get("response_type") != "in_channel" and not replaces:
                self.ephemeral(body.get("text") or "", body.get("blocks"))

    def canvas(self, canvas: dict[str, Any]) -> None:
        """A channel canvas made or changed (the idea board): its markdown, as shown."""
        verb = "made" if canvas.get("edits", 0) == 0 else f"edited ({canvas['edits']})"
        self.say(self.style.dim(f"┌ canvas of {canvas['channel']} {verb}: "
                                f"{canvas.get('title') or 'untitled'}"))
        for line in str(canvas.get("markdown") or "").rstrip("\n").splitlines():
            self.say(f"│ {line}")
        self.say(self.style.dim("└"))

    def message(self, channel: str, message: dict[str, Any], *, new: bool) -> None:
        number = self.number(channel, message["ts"])
        is_reply = bool(message.get("thread_ts")) and message["thread_ts"] != message["ts"]
        indent = "    " if is_reply else ""
        author = (self.user_name(message["user"]) if message.get("user") and not
                  message.get("bot_id") else "idealoop")
        tag = self.style.cyan(f"[{number}]")
        head = f"{indent}{'↳ ' if is_reply else ''}{tag} {self.style.bold(author)}"
        if channel != self._where().channel:
            head += self.style.dim(f" in #{self.channel_name(channel)}")
        if not new:
            head += self.style.dim(" (updated)")
        lines = message_lines(message, self.style, self.user_name)
        self.say(f"{head}: {lines[0]}")
        pad = indent + " " * (len(f"[{number}]") + 1 + (2 if is_reply else 0))
        for line in lines[1:]:
            self.say(f"{pad}{line}")

    def reactions(self, payload: dict[str, Any]) -> None:
        channel, ts = payload.get("channel", ""), payload.get("ts", "")
        message = self.state.get_message(channel, ts)
        if message is None:
            return
        number = self.number(channel, ts)
        self.say(self.style.dim(f"    [{number}] reactions: {reactions_line(message) or 'none'}"))

    def ephemeral(self, text: str, blocks: list[dict[str, Any]] | None) -> None:
        self.private = {"text": text, "blocks": blocks or [], "ts": self.state.next_ts(),
                        "channel": self._where().channel}  # `click forget` clicks on it
        lines = message_lines({"text": text, "blocks": blocks}, self.style, self.user_name)
        self.say(self.style.dim("(only visible to you) ") + lines[0])
        for line in lines[1:]:
            self.say("  " + line)

    def view(self, where: str, view: dict[str, Any]) -> None:
        title = (view.get("title") or {}).get("text")
        self.say(self.style.bold(f"┌ {where}" + (f": {title}" if title else "")))
        for line in message_lines(view, self.style, self.user_name):
            self.say(f"│ {line}")
        for block in view.get("blocks") or []:
            if block.get("type") == "input":
                label = (block.get("label") or {}).get("text", "")
                hint = (block.get("hint") or {}).get("text", "")
                element = block.get("element") or {}
                initial = element.get("initial_value") or element.get("initial_date") or ""
                if element.get("initial_user"):
                    initial = "@" + self.user_name(str(element["initial_user"]))
                self.say(f"│ {label}: [{initial}]" + (self.style.dim(f" ({hint})") if hint
                                                       else ""))
        self.say(self.style.bold("└"))

    def pane(self, payload: dict[str, Any]) -> None:
        if payload.get("status"):
            self.say(self.style.dim(f"    (dm) idealoop {payload['status']}"))
        if payload.get("title"):
            self.say(self.style.dim(f"    (dm) title: {payload['title']}"))
        for prompt in payload.get("prompts") or []:
            self.say(self.style.dim(f"    (dm) suggested: {prompt['title']} → "
                                    f"“{prompt['message']}”"))

    # -- asked for ----------------------------------------------------------------------

    def show(self) -> None:
        """The open channel or thread again, with its reactions."""
        cursor = self._where()
        if cursor.thread_ts:
            messages = self.state.thread(cursor.channel, cursor.thread_ts)
        else:
            messages = self.state.history(cursor.channel)
        if not messages:
            self.note("No messages here yet.")
        for message in messages:
            self.message(cursor.channel, message, new=True)
            if message.get("reactions"):
                self.say(self.style.dim(f"    reactions: {reactions_line(message)}"))

    def channels(self) -> None:
        self.say("Channels (name, id):")
        with self.state.lock:
            ids = [cid for cid, info in self.state.channels.items() if not info["is_im"]]
        for channel in ids:
            here = "  ← you are here" if channel == self._where().channel else ""
            self.say(f"  #{self.channel_name(channel):<20} {channel}{here}")

    # -- names --------------------------------------------------------------------------

    def channel_label(self, channel: str) -> str:
        return f"#{self.channel_name(channel)} ({channel})"

    def user_name(self, user_id: str) -> str:
        """A person's name, or a channel's for a channel id (mrkdwn's `<#C…>`)."""
        if user_id in self.state.channels:
            return self.channel_name(user_id)
        return self.state.users.get(user_id, user_id)

    def channel_name(self, channel: str) -> str:
        try:
            return str(self.state.channel_info(channel).get("name", channel))
        except WorkspaceError:  # an unknown channel id is shown as itself
            return channel
