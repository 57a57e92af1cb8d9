"""The whole decision path in the shell (issue 25): an idea, `decide 2` with an owner and a
due date, the announcement in the thread, `decisions`, the reminder in the owner's DM
after `advance`, and [Done] clicked there. The transcript is printed for the docs."""

from __future__ import annotations

import io
import re

from bot.emulator.shell import Shell
from tests.bot.emulator.test_shell import step


def test_idea_to_decision_to_reminder_to_done(shell: Shell, out: io.StringIO) -> None:
    step(shell, out, "/brainstorm walking standups")
    decided = step(shell, out, "decide 2 owner bob due +2d note try it for a month")
    assert "┌ modal: Record a decision" in decided and "Owner: [@alice]" in decided
    assert re.search(r"\[\d+\] idealoop: ✅ Decided by @alice", decided), decided
    assert "Owner: @bob" in decided and "_Note:_" not in decided
    assert "try it for a month" in decided

    listed = step(shell, out, "decisions")
    assert "Decided in #general" in listed and "owner @bob" in listed and "planned" in listed

    step(shell, out, "as bob")
    mine = step(shell, out, "decisions")
    assert "Your decisions\n  #1 " in mine

    quiet = step(shell, out, "advance 1d")
    assert "reminder" not in quiet
    reminded = step(shell, out, "advance 2d")
    assert "1 decision reminder came due and went to the owner's DM." in reminded
    match = re.search(r"\[(\d+)\] idealoop in #dm-bob: ⏰ A decision you own is due", reminded)
    assert match, reminded
    again = step(shell, out, "advance 1d")
    assert "reminder" not in again  # once

    done = step(shell, out, f"click {match[1]} done")
    assert "(updated)" in done and "Marked done" in done
    closed = step(shell, out, "decisions")
    assert "Your decisions\n  none" in closed
    print(out.getvalue())  # the transcript, for docs/behaviour/decisions.md


def test_a_wrong_due_date_is_said_and_the_form_stays_open(shell: Shell,
                                                         out: io.StringIO) -> None:
    step(shell, out, "/brainstorm walking standups")
    said = step(shell, out, "decide 2 due 2001-01-01")
    assert "» The modal says: Pick a date from today" in said
    fixed = step(shell, out, "submit due +1d")
    assert "✅ Decided by @alice" in fixed


def test_the_board_shows_in_the_shell(shell: Shell, out: io.StringIO) -> None:
    """`board` makes the channel's idea board and shows its canvas; a 👍 and an `advance`
    past the next minute show it edited."""
    step(shell, out, "/brainstorm walking standups")
    made = step(shell, out, "board")
    assert "Making this channel's idea board" in made
    assert "┌ canvas of C0GENERAL made: Idea board" in made, made
    assert "│ No approved ideas this week yet" in made
    step(shell, out, "+1 2")
    edited = step(shell, out, "advance 2m")
    assert "┌ canvas of C0GENERAL edited (1): Idea board" in edited, edited
    assert "👍 1" in edited
    print(out.getvalue())  # the transcript, for docs/behaviour/idea-board.md
