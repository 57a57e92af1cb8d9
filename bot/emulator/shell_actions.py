"""What the shell's commands do: a person's acts in Slack, and the shell's own moves.

`InSlack` turns a line into what Slack would send the app (a signed slash command, a
reaction event, a button click, a modal submission, a DM); `Moves` changes where the
person is and who they are, and runs what an operator would (a digest now, the clock
moved on, an export). Both act on the `Shell` they are given, which holds the wiring;
`bot.emulator.shell_commands` says which word runs which.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.emulator.screen import Cursor
from bot.emulator.slack_requests import (
    button_action,
    dm_message_event,
    home_opened_event,
    mention_event,
    messages_tab_opened_event,
    reaction_event,
)
from bot.emulator.workspace import WorkspaceError

if TYPE_CHECKING:
    from bot.emulator.shell import Shell

SLACK_RETRIES = 3  # Slack delivers an event again three times when it is not answered 200
ADVANCE_STEP = timedelta(hours=1)
DECIDE_MODAL = "idealoop_decide_modal"  # the callback id of "Decide…"'s form
REACTION = re.compile(r"^(?P<remove>-)?(?::(?P<name>[a-z0-9_+\-']+(?:::[a-z0-9-]+)?):|"
                      r"(?P<bare>[+-]1))\s+\[?(?P<n>\d+)\]?$")


class InSlack:
    """A person's acts, sent to the app the way Slack sends them."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.screen = shell.screen
        self.state = shell.state

    def slash(self, command: str, text: str) -> None:
        shell = self.shell
        response_url = shell.slack.new_response_url(channel=shell.cursor.channel,
                                                    user=shell.cursor.user)
        reply = shell.sender.command(text, user=shell.cursor.user, channel=shell.cursor.channel,
                                     response_url=response_url, command=command)
        if reply.status != 200:
            self.screen.note(f"The app answered HTTP {reply.status} to {command}.")
            return
        if reply.body:
            try:
                body = json.loads(reply.body)
            except ValueError:
                body = {"text": reply.body}
            if body.get("response_type") == "in_channel":  # Slack shows it to everyone
                self.state.post_message(shell.cursor.channel, body.get("text") or "",
                                        as_bot=True, blocks=body.get("blocks"))
            else:
                self.screen.ephemeral(body.get("text") or "", body.get("blocks"))

    def say_in_channel(self, text: str) -> dict[str, Any]:
        cursor = self.shell.cursor
        return self.state.post_message(cursor.channel, text, user=cursor.user,
                                       thread_ts=cursor.thread_ts)

    def mention(self, instruction: str) -> None:
        message = self.say_in_channel(f"<@{self.state.bot_user_id}> {instruction}".strip())
        cursor = self.shell.cursor
        event = mention_event(user=cursor.user, text=message["text"], channel=cursor.channel,
                              ts=message["ts"], thread_ts=cursor.thread_ts)
        self.deliver(event, "the mention")

    def deliver(self, event: dict[str, Any], what: str) -> None:
        """Send an event as Slack does: an answer other than 200 makes Slack deliver it
        again, three times (over minutes in Slack; here each once the app is quiet)."""
        event_id = f"Ev{uuid.uuid4().hex[:12].upper()}"
        reply = self.shell.sender.event(event, event_id=event_id)
        for retry in range(1, SLACK_RETRIES + 1):
            if reply.status == 200:
                return
            self.shell.pump()
            reply = self.shell.sender.event(event, event_id=event_id, retry_num=retry)
        if reply.status != 200:
            self.screen.note(f"The app answered HTTP {reply.status} to {what} and to each of "
                             f"Slack's {SLACK_RETRIES} re-deliveries; Slack gives up on it.")

    def react(self, match: re.Match[str]) -> None:
        number = int(match["n"])
        if not 1 <= number <= len(self.screen.messages):
            self.screen.note(no_such(number))
            return
        channel, ts = self.screen.messages[number - 1]
        name = match["name"] or match["bare"]
        added = not match["remove"]
        user = self.shell.cursor.user
        changed = (self.state.add_reaction(channel, ts, user, name) if added
                   else self.state.remove_reaction(channel, ts, user, name))
        if not changed:
            self.screen.note(f"You {'already reacted' if added else 'had not reacted'} "
                             f"with :{name}: on [{number}].")
            return
        author = (self.state.get_message(channel, ts) or {}).get("user") or ""
        self.deliver(reaction_event(added=added, user=user, emoji=name, channel=channel,
                                    ts=ts, item_user=author), "your reaction")

    def click(self, rest: str) -> None:
        number_text, _, name = rest.strip().partition(" ")
        try:
            number = int(number_text.strip("[]"))
        except ValueError:
            number = 0
        if number == 0 and self.screen.private and number_text:  # a button only you saw
            self.click_private(number_text.lower())
            return
        if not number_text or (number == 0 and not number_text.strip("[]").isdigit()):
            self.screen.note("Say which message and which button: `click 3 👍` (or 👎, "
                             "draft, more, why, decide, done, dropped, snooze).")
            return
        if not 1 <= number <= len(self.screen.messages):
            self.screen.note(no_such(number))
            return
        channel, ts = self.screen.messages[number - 1]
        message = self.state.get_message(channel, ts) or {}
        found = find_button(message, name.strip().lower())
        if found is None:
            self.screen.note(no_such(number, button=name.strip()))
            return
        user = self.shell.cursor.user
        # Slack ties a click's response URL to its message: `replace_original` edits it.
        response_url = self.shell.slack.new_response_url(channel=channel, user=user,
                                                         message_ts=ts)
        reply = self.shell.sender.click(found, user=user, channel=channel, message=message,
                                        response_url=response_url)
        if reply.status != 200:
            self.screen.note(f"The app answered HTTP {reply.status} to your click.")

    def shortcut(self, rest: str) -> None:
        """`shortcut feedback 3`: a message shortcut on message [3], as Slack sends it."""
        name, _, number_text = rest.strip().partition(" ")
        callback_id = SHORTCUTS.get(name.lower())
        try:
            number = int(number_text.strip().strip("[]"))
        except ValueError:
            number = 0
        if callback_id is None or number == 0:
            self.screen.note("Say which shortcut and which message: `shortcut feedback 3` "
                             "(or polish, brainstorm).")
            return
        if not 1 <= number <= len(self.screen.messages):
            self.screen.note(no_such(number))
            return
        channel, ts = self.screen.messages[number - 1]
        message = self.state.get_message(channel, ts) or {"ts": ts}
        user = self.shell.cursor.user
        response_url = self.shell.slack.new_response_url(channel=channel, user=user)
        reply = self.shell.sender.shortcut(callback_id, user=user, channel=channel,
                                           message=message, response_url=response_url)
        if reply.status != 200:
            self.screen.note(f"The app answered HTTP {reply.status} to the shortcut; Slack "
                             "shows you an error and does not send it again.")

    def click_private(self, name: str) -> None:
        """`click forget`: a button on the latest message only you were shown."""
        private = self.screen.private
        assert private is not None
        found = find_button(private, name)
        if found is None:
            self.screen.note(no_such(None, button=name))
            return
        channel, user = str(private["channel"]), self.shell.cursor.user
        response_url = self.shell.slack.new_response_url(channel=channel, user=user)
        reply = self.shell.sender.click(found, user=user, channel=channel, message=private,
                                        response_url=response_url, ephemeral=True)
        if reply.status != 200:
            self.screen.note(f"The app answered HTTP {reply.status} to your click.")

    def home(self, rest: str) -> None:
        """`home`: open your Home tab; `home digest #general` / `home guide #general`:
        click its button for that channel."""
        user = self.shell.cursor.user
        what, _, channel_name = rest.strip().partition(" ")
        if not what:
            self.deliver(home_opened_event(user), "opening the Home tab")
            return
        label = {"digest": "Change digest", "guide": "Edit guidance"}.get(what.lower())
        view = self.state.home_views.get(user)
        name = (channel_name.strip().lstrip("#")
                or self.screen.channel_name(self.shell.cursor.channel))
        channel = name if name in self.state.channels else next(
            (cid for cid in self.state.channels if self.screen.channel_name(cid) == name),
            None)
        action = (home_button(view, label, channel)
                  if label and view is not None and channel is not None else None)
        if action is None or view is None:
            self.screen.note("Open your Home tab with `home`, then `home digest #channel` or "
                             "`home guide #channel` for a channel it shows.")
            return
        reply = self.shell.sender.home_click(action, user=user, view=view)
        if reply.status != 200:
            self.screen.note(f"The app answered HTTP {reply.status} to your click.")

    def submit(self, rest: str) -> None:
        modal = self.screen.modal
        if modal is None:
            self.screen.note("No modal is open. Open one from your Home tab: "
                             "`home guide #general`, or with `decide 3`.")
            return
        inputs = [block for block in modal.get("blocks") or [] if block.get("type") == "input"]
        if len(inputs) > 1:  # a form (the decision): its values as shown, `rest` changes some
            values = self.form_values(modal, rest)
            if values is None:
                return
        else:
            [field] = [block["block_id"] for block in inputs][:1] or ["value"]
            values = {field: rest.strip()}
        self.submit_values(modal, values)

    def submit_values(self, modal: dict[str, Any], values: dict[str, str | None]) -> bool:
        """Submit the open modal with `values`; False (the app's errors said) when it
        stays open."""
        reply = self.shell.sender.submit(modal, values, user=self.shell.cursor.user)
        body = reply.json() if reply.body else {}
        if isinstance(body, dict) and body.get("response_action") == "errors":
            for message in (body.get("errors") or {}).values():
                self.screen.note(f"The modal says: {message}")
            return False
        if reply.status != 200:
            self.screen.note(f"The app answered HTTP {reply.status} to the form.")
            return False
        self.screen.modal = None
        return True

    def form_values(self, modal: dict[str, Any], rest: str) -> dict[str, str | None] | None:
        """The values of a form's inputs as it shows them, changed by `rest`: `owner
        <name>`, `due <YYYY-MM-DD|+3d>`, `note <text>` (the rest of the line) and `text
        <decision>` (up to the next of these words). None, said, for a name or date that
        does not parse."""
        values: dict[str, str | None] = {}
        for block in modal.get("blocks") or []:
            if block.get("type") != "input":
                continue
            element = block.get("element") or {}
            values[block["block_id"]] = (element.get("initial_value")
                                         or element.get("initial_user")
                                         or element.get("initial_date"))
        words = re.split(r"\s+(?=(?:owner|due|note|text)\s)", " " + rest.strip())
        for part in words:
            key, _, value = part.strip().partition(" ")
            value = value.strip()
            if key == "owner":
                user = self.user_id(value)
                if user is None:
                    self.screen.note(f"There is nobody called {value} here "
                                     "(alice, bob, carol, or someone `as` made).")
                    return None
                values["owner"] = user
            elif key == "due":
                days = re.fullmatch(r"\+(\d{1,4})d", value)
                values["due"] = ((self.shell.clock().date() + timedelta(days=int(days[1])))
                                 .isoformat() if days else value)
            elif key == "note":
                values["note"] = value
            elif key == "text":
                values["decision"] = value
        return values

    def user_id(self, name: str) -> str | None:
        wanted = name.strip().lstrip("@").lower()
        if wanted.upper() in self.state.users:
            return wanted.upper()
        return next((uid for uid, known in self.state.users.items()
                     if known.lower() == wanted), None)

    def decide(self, rest: str) -> None:
        """`decide 3 [owner bob] [due +3d] [note …]`: "Decide…" on message [3], and its
        form submitted as prefilled, with those changes."""
        number, _, options = rest.strip().partition(" ")
        if not number.strip("[]").isdigit():
            self.screen.note("Say which idea or draft to decide on: `decide 3 owner bob due "
                             "+3d note try it for a month`.")
            return
        self.screen.modal = None
        self.click(f"{number} decide")
        self.shell.pump()
        modal = self.open_modal()  # what the app opened, as the pump showed it
        if modal is None or modal.get("callback_id") != DECIDE_MODAL:
            return  # the app said why (only to you)
        values = self.form_values(modal, options)
        if values is not None:
            self.submit_values(modal, values)

    def open_modal(self) -> dict[str, Any] | None:
        return self.screen.modal

    def cancel(self) -> None:
        self.screen.modal = None

    def dm(self, rest: str) -> None:
        """`dm idealoop <text>`: write to idealoop in its DM, the Agent messaging
        experience: the first time, the DM opens (its Messages tab: a greeting and the
        suggested prompts); each message starts a session of its own, in its thread."""
        name, _, text = rest.strip().partition(" ")
        if name.lower().lstrip("@") not in ("idealoop", "<@u0bot>") or not text.strip():
            self.screen.note("Write to idealoop in its DM with `dm idealoop <text>`, e.g. "
                             "`dm idealoop brainstorm onboarding`.")
            return
        user, panes = self.shell.cursor.user, self.shell.panes
        channel = self.state.ensure_channel(f"D0{user.removeprefix('U0')}",
                                            name=f"dm-{self.screen.user_name(user)}")
        if user not in panes:
            panes[user] = ""
            self.deliver(messages_tab_opened_event(user, channel), "opening the DM")
            self.shell.pump()
        message = self.state.post_message(channel, text.strip(), user=user)
        panes[user] = str(message["ts"])
        self.deliver(dm_message_event(user=user, text=message["text"], channel=channel,
                                      ts=message["ts"]), "your message")


class Moves:
    """The shell's own commands: where the person is, who they are, and an operator's
    commands run now (a digest, the clock moved on, an export)."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.screen = shell.screen
        self.state = shell.state

    def open(self, rest: str) -> None:
        try:
            number = int(rest.strip().strip("[]"))
        except ValueError:
            self.screen.note("Say which message to open, by its number: `open 3`.")
            return
        if not 1 <= number <= len(self.screen.messages):  # [0], [-1] index from the end
            self.screen.note(no_such(number))
            return
        channel, ts = self.screen.messages[number - 1]
        root = self.state.thread_root_ts(channel, ts) or ts
        self.shell.cursor = dataclasses.replace(self.shell.cursor, channel=channel,
                                                thread_ts=root)
        self.screen.show()

    def back(self) -> None:
        self.shell.cursor = dataclasses.replace(self.shell.cursor, thread_ts=None)

    def switch_channel(self, name: str) -> None:
        user = self.shell.cursor.user
        if name.strip() in self.state.channels:  # an id: C0GENERAL
            self.shell.cursor = Cursor(channel=name.strip(), user=user)
            self.screen.note(f"Now in {self.screen.channel_label(name.strip())}.")
            return
        name = name.strip().lstrip("#")
        if not re.fullmatch(r"[a-z0-9_-]{1,80}", name):
            self.screen.note("Channel names are lower-case letters, digits, - and _: "
                             "`channel ideas`.")
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
        self.shell.cursor = Cursor(channel=channel, user=user)
        self.screen.note(f"Now in #{self.screen.channel_name(channel)}.")

    def switch_user(self, name: str) -> None:
        name = name.strip().lstrip("@").lower()
        if not re.fullmatch(r"[a-z][a-z0-9._-]{0,30}", name):
            self.screen.note("Say who to act as: `as bob`.")
            return
        user_id = next((uid for uid, uname in self.state.users.items() if uname == name), None)
        if user_id == self.state.bot_user_id:
            self.screen.note("You cannot act as the bot.")
            return
        if user_id is None:  # a new person gets an id of their own, never someone else's
            base = "U0" + re.sub(r"[^A-Z0-9]", "", name.upper())[:9]
            user_id, n = base, 1
            while user_id in self.state.users:
                n += 1
                user_id = f"{base}{n}"
            self.state.add_user(user_id, name)
        self.shell.cursor = dataclasses.replace(self.shell.cursor, user=user_id)
        self.screen.note(f"You are now {name}.")

    def digest(self, rest: str) -> None:
        shell = self.shell
        assert shell.deps is not None
        channel = self.lookup(rest)
        if channel is None:
            return
        digests = shell.deps.for_team(self.state.team_id).digests
        slot = digests.slot_for(channel, "day", shell.settings.timezone)
        outcome = shell.poster.post(slot.forced(shell.clock()))
        shell.pump()
        self.screen.note(f"Digest of {self.screen.channel_label(channel)} for "
                         f"{slot.window()}: {outcome.describe()}.")

    def advance(self, rest: str) -> None:
        match = re.fullmatch(r"(\d{1,4})\s*([dhm])", rest.strip().lower())
        if not match:
            self.screen.note("Say how far to move the clock: `advance 1d`, `advance 3h`, "
                             "`advance 30m`.")
            return
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
        left = timedelta(**{unit: int(match[1])})
        if left > timedelta(days=90):
            self.screen.note("Move the clock at most 90 days at a time.")
            return
        shell, posted, reminded = self.shell, 0, 0
        # Walk the clock forward the way a running `serve` would live through it: the
        # scheduler looks at least every step, so every digest that comes due is seen.
        while left > timedelta():
            step = min(left, ADVANCE_STEP)
            shell.clock.advance(step)
            left -= step
            posted += sum(o.status == "posted" for o in shell.poster.post_due(shell.clock()))
            reminded += shell.remind(shell.clock())
            shell.pump()
        if reminded:
            self.screen.note(f"{reminded} decision reminder{'s' if reminded != 1 else ''} "
                             "came due and went to the owner's DM.")
        self.screen.note(f"The emulated clock now reads {shell.clock():%a %d %b %Y %H:%M} UTC.")
        if not posted:
            self.screen.note("No scheduled digest came due with anything approved.")

    def export(self, rest: str) -> None:
        assert self.shell.deps is not None
        channel = self.lookup(rest)
        if channel is None:
            return
        rows = list(self.shell.deps.stores.reports.export_rows(channel=channel,
                                                      team=self.state.team_id))
        label = self.screen.channel_label(channel)
        if not rows:
            self.screen.note(f"Nothing to export in {label} yet.")
            return
        self.screen.note(f"Exporting {label}: every idea and draft posted there, with its "
                         "signals.")
        for row in rows:
            self.screen.say(json.dumps(row, ensure_ascii=False))

    def decisions(self, rest: str) -> None:
        """`decisions`: yours, those due this week, and this channel's, from the app."""
        assert self.shell.deps is not None
        user = self.shell.cursor.user
        decisions = self.shell.deps.for_team(self.state.team_id).decisions
        channel = self.shell.cursor.channel
        for heading, found in (("Your decisions", decisions.yours(user)),
                               ("Due this week (yours, or ones you made)",
                                decisions.due_this_week(user)),
                               (f"Decided in {self.screen.channel_label(channel)}",
                                decisions.in_channel(channel))):
            self.screen.say(self.screen.style.bold(heading))
            if not found:
                self.screen.say("  none")
            for decision in found:
                self.screen.say(
                    f"  #{decision.id} {decision.text[:120] or '(removed)'} — owner "
                    f"@{self.screen.user_name(decision.owner)}, due {decision.due:%a %d %b}, "
                    f"{decision.status}, decided by @{self.screen.user_name(decision.decider)}")

    def lookup(self, text: str) -> str | None:
        """The channel `text` names (`general`, `#general`, `C0GENERAL`), the open one
        when it is empty; None, said, when there is no such channel."""
        wanted = text.strip()
        if not wanted:
            return self.shell.cursor.channel
        if wanted in self.state.channels:
            return wanted
        with self.state.lock:
            found = next((cid for cid, info in self.state.channels.items()
                          if info["name"] == wanted.lstrip("#")), None)
        if found is None:
            self.screen.note(f"There is no channel {wanted} here. `channels` lists them, "
                             "with their ids.")
        return found


def no_such(number: int | None, *, button: str | None = None) -> str:
    """The one wording for a message number or a button that is not there: `+1 99`,
    `open 99`, `click 99 draft`, `click 1 draft`, `click draft`."""
    if button is None:
        return f"There is no message [{number}]. Messages are numbered in [brackets]."
    where = f"Message [{number}]" if number is not None else "The last message only you saw"
    return (f"{where} has no {button or 'such'} button. Buttons: 👍, 👎, draft, more, why, "
            "decide; done, dropped, snooze on a reminder (forget, cancel, run, set, topic, "
            "post on one only you saw).")


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
    "topic": ("idealoop_choose_topic", None), "post": ("idealoop_post_in_thread", None),
    "decide": ("idealoop_decide", None), "done": ("idealoop_decision_done", None),
    "dropped": ("idealoop_decision_dropped", None),
    "snooze": ("idealoop_decision_snooze", None),
}
# `shortcut <name> N` -> the callback_id of idealoop's message shortcut (manifest.yml)
SHORTCUTS = {"feedback": "idealoop_feedback_on_message", "polish": "idealoop_polish_message",
             "brainstorm": "idealoop_brainstorm_from_message"}


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
