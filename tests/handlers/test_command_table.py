"""The `/brainstorm` sub-commands and the shell's commands are each written once.

Why: the list of commands used to be written three times (the README, the handlers and
the shell's help) and they drifted. `bot.command_parser.TABLE` is the one list of
sub-commands: the parser reads it and `/brainstorm help` is built from it; these tests
keep the handlers' dispatch, the shell's help and the README's table equal to it.
`bot.emulator.shell_commands.COMMANDS` is the one list of the shell's commands: its help
and its dispatch come from it; these tests keep the README's summary of them complete.
"""

from __future__ import annotations

from pathlib import Path

from bot.command_parser import SUBCOMMANDS, TABLE, command_table, shell_commands
from bot.emulator.shell_commands import COMMANDS, DISPATCH, HELP, LEAVE, SHELL
from handlers import commands

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_handlers_answer_every_subcommand_of_the_table_and_no_other() -> None:
    assert set(commands.ACTIONS) == {*SUBCOMMANDS, "brainstorm"}
    assert set(commands.ANYWHERE) <= set(SUBCOMMANDS)


def test_slash_help_names_every_subcommand() -> None:
    for row in TABLE:
        assert f"`/brainstorm {row.grammar}`" in commands.USAGE, row.word


def test_the_readme_table_is_the_table() -> None:
    readme = README.read_text(encoding="utf-8")
    listed = readme.split("<!-- command-table -->\n", 1)[1].split("\n<!-- /command-table -->")[0]
    assert listed == command_table()
    for row in TABLE:
        assert f"`/brainstorm {row.grammar.replace('|', chr(92) + '|')}`" in listed, row.word


def test_the_shell_help_names_every_subcommand() -> None:
    assert f"also: {shell_commands()}" in HELP
    for row in TABLE:
        assert row.forms[0] in HELP, row.word


def test_every_shell_command_has_a_help_line_and_every_help_line_works() -> None:
    documented = [row for row in SHELL if row.usage]  # IN_SLACK: typed as in Slack
    for row in COMMANDS:
        assert row.run is None or row.words, row
        if row.words:  # the first word is the command; the others are its synonyms
            assert row.words[0] in HELP, f"{row.words[0]!r} runs but `help` does not name it"
    for row in documented:
        first = row.usage.split()[0].rstrip(",")
        assert first in DISPATCH or first in LEAVE, f"`help` names {first!r}: it runs nothing"
    assert len(set(DISPATCH)) == sum(len(row.words) for row in COMMANDS if row.run)


def test_the_readme_names_every_shell_command() -> None:
    readme = README.read_text(encoding="utf-8")
    summary = readme.split("In the shell:", 1)[1].split("\n\n", 1)[0]
    for row in COMMANDS:
        if row.usage and row.words:
            assert f"`{row.words[0]}" in summary, row.words[0]
    assert "`quit`" in summary
