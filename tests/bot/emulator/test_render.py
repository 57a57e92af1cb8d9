"""The shell shows every emoji the app writes as a picture, not as `:name:` text."""

from __future__ import annotations

import re

from bot.emulator.render import EMOJI
from testkit.processes import ROOT


def test_every_emoji_the_handlers_write_is_drawn() -> None:
    source = "\n".join(path.read_text() for path in (ROOT / "handlers").rglob("*.py"))
    written = set(re.findall(r":([a-z][a-z0-9_+-]*):", source))
    assert written - EMOJI.keys() == set(), "add these to bot/emulator/render.py EMOJI"
