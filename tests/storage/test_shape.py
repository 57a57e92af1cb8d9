"""No repository grows back into a god object: every class in storage/ stays small enough
to read in one sitting, so a new statement goes to the repository of its concept."""

from __future__ import annotations

import ast
from pathlib import Path

import storage

MAX_CLASS_LINES = 300
STORAGE = Path(storage.__file__).parent


def class_lengths() -> dict[str, int]:
    """Lines of each class body in storage/ (its decorators and docstring included),
    by `module.Class`."""
    lengths = {}
    for path in sorted(STORAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lengths[f"{path.stem}.{node.name}"] = (node.end_lineno or node.lineno) - first + 1
    return lengths


def test_no_class_in_storage_is_over_300_lines() -> None:
    lengths = class_lengths()
    assert "stores.Stores" in lengths and "work.WorkStore" in lengths  # it finds them
    too_long = {name: lines for name, lines in lengths.items() if lines > MAX_CLASS_LINES}
    assert not too_long, f"split these by concept: {too_long}"


def test_the_old_god_object_is_gone() -> None:
    assert not (STORAGE / "repository.py").exists()
