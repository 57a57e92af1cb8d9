"""handlers/ translate Slack to calls of bot/ services and back: they never reach a
repository, neither by importing storage/ nor through an attribute that holds one."""

from __future__ import annotations

import ast
from pathlib import Path

import handlers

HANDLERS = Path(handlers.__file__).parent
# Attributes of the bot/ services that hold storage repositories (`Deps.stores`,
# `Digests.digest_store`, `Work.store`, …): for bot/, not for handlers/.
REPOSITORY_ATTRIBUTES = {"stores", "store", "digest_store", "engine"}


def modules() -> list[Path]:
    found = sorted(HANDLERS.rglob("*.py"))
    assert len(found) > 10  # it looks where the handlers are
    return found


def test_no_handlers_module_imports_storage() -> None:
    offenders = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {name}" for name in names
                          if name == "storage" or name.startswith("storage.")]
    assert offenders == []


def test_no_handlers_module_reaches_a_repository_through_a_service() -> None:
    offenders = [
        f"{path.name}:{node.lineno}: .{node.attr}"
        for path in modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in REPOSITORY_ATTRIBUTES
    ]
    assert offenders == []
