"""The size of each class in a package, for the tests that keep god objects from
growing back (`tests/storage/test_shape.py`, `tests/bot/emulator/test_shape.py`)."""

from __future__ import annotations

import ast
from pathlib import Path


def class_lengths(package: Path, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Lines of each class under `package` (its decorators and docstring included), by
    `module.Class`, the module dotted from `package` (`workspace.messages.Messages`);
    folders named in `skip` (`migrations`) are left out."""
    lengths = {}
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if any(part in skip for part in relative.parts):
            continue
        module = ".".join(relative.with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lengths[f"{module}.{node.name}"] = (node.end_lineno or node.lineno) - first + 1
    return lengths
