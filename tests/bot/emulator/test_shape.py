"""No class in the emulator grows back into a god object: each stays small enough to read in
one sitting, so a new Slack behaviour goes to the part of its concept (the workspace's
messages, reactions, surfaces, agents...), not onto one class that holds everything."""

from __future__ import annotations

from pathlib import Path

import bot.emulator
from testkit.code_shape import class_lengths

MAX_CLASS_LINES = 300
EMULATOR = Path(bot.emulator.__file__).parent


def test_no_class_in_the_emulator_is_over_300_lines() -> None:
    lengths = class_lengths(EMULATOR)
    # It finds them, in subpackages too.
    assert {"workspace.__init__.Workspace", "workspace.messages.Messages",
            "web_api.SlackApiServer"} <= set(lengths)
    too_long = {name: lines for name, lines in lengths.items() if lines > MAX_CLASS_LINES}
    assert not too_long, f"split these by concept: {too_long}"
