"""The shell's commands, written once: the word typed, what runs, and its line of `help`.

`HELP` and the dispatch of `Shell.execute` both come from `COMMANDS`, so a command
cannot be added without its help line, nor listed without working. The `/brainstorm`
sub-commands are named from `bot.command_parser.TABLE`, the table the app itself parses
them with. Lines that are not a command word (a reaction, `#channel`, plain text) are
recognised by `Shell.execute` and only described here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.command_parser import shell_commands

if TYPE_CHECKING:
    from bot.emulator.shell import Shell

LEAVE = ("quit", "exit", "/quit", "/exit")
USAGE_WIDTH = 24


@dataclass(frozen=True)
class ShellCommand:
    """One row of `help`: what to type and what it does (continued on further lines
    after a newline); `words` run `run(shell, the rest of the line)`."""

    usage: str
    help: str
    words: tuple[str, ...] = ()
    run: Callable[[Shell, str], None] | None = None


IN_SLACK = (
    ShellCommand("/brainstorm <topic>", "the AI proposes ideas, one message each, in a thread",
                 ("/brainstorm",), lambda shell, rest: shell.in_slack.slash("/brainstorm", rest)),
    ShellCommand("/brainstorm help",
                 "usage;  /brainstorm top [day|week|all]  best-approved ideas"),
    ShellCommand("/brainstorm …", f"also: {shell_commands()}"),
    ShellCommand("@idealoop <instruction>", "mention the bot (in the open thread, or a new one)"),
    ShellCommand("@idealoop feedback", "a critique of your latest message in the open thread"),
    ShellCommand("@idealoop polish", "an edited version of it, with what changed (\"polish: "
                 "<text>\"\nworks on the text after the colon)"),
    ShellCommand("+1 3   :fire: 3", "react to message [3];  -:fire: 3 (or -+1 3) removes it"),
    ShellCommand("click 3 👍|👎|draft|more|why",
                 "click a button on message [3]: feedback (again to take it\nback), "
                 "\"Draft this\", \"More like this\", \"Why these ideas?\"",
                 ("click",), lambda shell, rest: shell.in_slack.click(rest)),
    ShellCommand("shortcut feedback 3",
                 "a message shortcut on message [3]: \"Get feedback on this\"\n(a critique in its "
                 "thread); `shortcut polish 3` (shown only\nto you, `click post` posts it in the "
                 "thread);\n`shortcut brainstorm 3` (ideas in its thread)",
                 ("shortcut",), lambda shell, rest: shell.in_slack.shortcut(rest)),
    ShellCommand("decide 3 [owner bob] [due +3d] [note …]",
                 "\"Decide…\" on idea or draft [3]: its form sent as prefilled\n(you own it, "
                 "due in a week) with these changes; `text …`\nrewords the decision",
                 ("decide",), lambda shell, rest: shell.in_slack.decide(rest)),
    ShellCommand("click 5 done|dropped|snooze",
                 "a reminder's buttons, in the owner's DM (after `advance`)"),
    ShellCommand("click forget|cancel",
                 "click a button on the last message only you saw\n(`/brainstorm forget me` "
                 "asks first); `click run` or\n`click topic` answers \"command or topic?\" "
                 "(`/brainstorm stat`)"),
    ShellCommand("any other text", "posts a message as the current user"),
)
SHELL = (
    ShellCommand("open 3 / back",
                 "enter the thread of message [3] / return to the channel",
                 ("open", "thread"), lambda shell, rest: shell.moves.open(rest)),
    ShellCommand("", "", ("back", "close"), lambda shell, rest: shell.moves.back()),
    ShellCommand("channel <name|id>",
                 "switch channel (#name and ids such as C0GENERAL work too)",
                 ("channel",), lambda shell, rest: shell.moves.switch_channel(rest)),
    ShellCommand("channels", "the channels here, with their ids",
                 ("channels",), lambda shell, rest: shell.screen.channels()),
    ShellCommand("as <name>", "act as another person (alice, bob, carol, or a new name)",
                 ("as",), lambda shell, rest: shell.moves.switch_user(rest)),
    ShellCommand("top [day|week|all]", "same as /brainstorm top",
                 ("top",), lambda shell, rest: shell.in_slack.slash(
                     "/brainstorm", f"top {rest}".strip())),
    ShellCommand("dm idealoop <text>",
                 "write to idealoop in its DM (each message an agent session):\n"
                 "`brainstorm <topic>`, a draft, `feedback: <text>`,\n`polish: <text>`",
                 ("dm",), lambda shell, rest: shell.in_slack.dm(rest)),
    ShellCommand("home", "open your Home tab: your channels, their acceptance, top\n"
                 "ideas, digest and guidance",
                 ("home",), lambda shell, rest: shell.in_slack.home(rest)),
    ShellCommand("home digest|guide #name",
                 "its buttons: a modal to change that channel's digest or\n"
                 "guidance; then `submit <text>` (or `cancel`)"),
    ShellCommand("", "", ("submit",), lambda shell, rest: shell.in_slack.submit(rest)),
    ShellCommand("", "", ("cancel",), lambda shell, rest: shell.in_slack.cancel()),
    ShellCommand("board", "same as /brainstorm board: this channel's idea board (a canvas),\n"
                 "shown when it is made and each time it is edited",
                 ("board",), lambda shell, rest: shell.in_slack.slash(
                     "/brainstorm", f"board {rest}".strip())),
    ShellCommand("decisions", "yours, those due this week, and this channel's",
                 ("decisions",), lambda shell, rest: shell.moves.decisions(rest)),
    ShellCommand("digest [#name|id]", "post this (or that) channel's digest of the last day now",
                 ("digest",), lambda shell, rest: shell.moves.digest(rest)),
    ShellCommand("advance 1d|3h|30m",
                 "move the emulated clock forward; scheduled digests that come\n"
                 "due are posted (subscribe with /brainstorm digest daily), and\n"
                 "decisions' reminders go to their owners' DMs at 09:00",
                 ("advance",), lambda shell, rest: shell.moves.advance(rest)),
    ShellCommand("export [#name|id]",
                 "this (or that) channel's ideas and their signals, as JSON lines",
                 ("export",), lambda shell, rest: shell.moves.export(rest)),
    ShellCommand("show", "print the open channel or thread again",
                 ("show",), lambda shell, rest: shell.screen.show()),
    ShellCommand("help, quit", "this text; leave (Ctrl-D works too)",
                 ("help", "?"), lambda shell, rest: shell.help()),
)
COMMANDS = IN_SLACK + SHELL


def _lines(rows: tuple[ShellCommand, ...]) -> list[str]:
    lines = []
    for row in rows:
        if not row.usage:  # a word that a neighbouring row's help already names
            continue
        first, *more = row.help.split("\n")
        if len(row.usage) > USAGE_WIDTH:
            lines += [f"  {row.usage}", f"  {'':<{USAGE_WIDTH}} {first}"]
        else:
            lines.append(f"  {row.usage:<{USAGE_WIDTH}} {first}")
        lines += [f"  {'':<{USAGE_WIDTH}} {line}" for line in more]
    return lines


HELP = "\n".join(["Type what you would type in Slack:", *_lines(IN_SLACK),
                  "Shell commands:", *_lines(SHELL)])
DISPATCH: dict[str, Callable[[Shell, str], None]] = {
    word: row.run for row in COMMANDS if row.run is not None for word in row.words}
