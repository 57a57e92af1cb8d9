"""No class in the emulator grows back into a god object: each stays small enough to read in
one sitting, so a new Slack behaviour goes to the part of its concept (the workspace's
messages, reactions, surfaces, agents...), not onto one class that holds everything."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.emulator

MAX_CLASS_LINES = 300
EMULATOR = Path(bot.emulator.__file__).parent


def class_lengths() -> dict[str, int]:
    """Lines of each class in bot/emulator (its decorators and docstring included), by
    `module.Class` (the module's path under bot/emulator, dotted)."""
    lengths = {}
    for path in sorted(EMULATOR.rglob("*.py")):
        module = ".".join(path.relative_to(EMULATOR).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lengths[f"{module}.{node.name}"] = (node.end_lineno or node.lineno) - first + 1
    return lengths


def test_no_class_in_the_emulator_is_over_300_lines() -> None:
    lengths = class_lengths()
    # It finds them, in subpackages too.
    assert {"workspace.__init__.Workspace", "workspace.messages.Messages",
            "web_api.SlackApiServer"} <= set(lengths)
    too_long = {name: lines for name, lines in lengths.items() if lines > MAX_CLASS_LINES}
    assert not too_long, f"split these by concept: {too_long}"
