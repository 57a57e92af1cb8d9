"""Every package whose `__init__` docstring maps its modules maps all of them, and no more.

Why: a newcomer reads that map to find where a thing lives. A map that names a module
which has moved, or leaves out a new one, sends them to the wrong file; this test
fails the moment a file is added, renamed or removed without the map following.

A map is the lines of the docstring that start (after indentation) with a module's
file name (`worker.py`) or a subpackage's (`offline/`) followed by its description.
Packages with no such line have no map and are not checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_PACKAGES = ("bot", "handlers", "storage", "testkit", "bench", "tests")
MAP_LINE = re.compile(r"^\s*([A-Za-z_]\w*(?:\.py|/))\s+\S", re.MULTILINE)


def packages() -> list[Path]:
    """Every package folder (one with an `__init__.py`) under the top packages."""
    found = []
    for top in TOP_PACKAGES:
        found += sorted(init.parent for init in (ROOT / top).rglob("__init__.py")
                        if "__pycache__" not in init.parts)
    return found


def mapped(package: Path) -> set[str]:
    """The module and subpackage names the package's docstring maps."""
    source = (package / "__init__.py").read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source)) or ""
    return set(MAP_LINE.findall(docstring))


def present(package: Path) -> set[str]:
    """What the package holds: its modules (`name.py`) and subpackages (`name/`)."""
    modules = {path.name for path in package.glob("*.py") if path.name != "__init__.py"}
    subpackages = {f"{path.name}/" for path in package.iterdir()
                   if path.is_dir() and (path / "__init__.py").is_file()}
    return modules | subpackages


def test_the_walk_finds_the_packages_that_have_maps() -> None:
    with_maps = {package.relative_to(ROOT).as_posix() for package in packages()
                 if mapped(package)}
    assert {"bot/llm", "bot/runtime", "handlers/slack", "testkit"} <= with_maps


@pytest.mark.parametrize("package", [p for p in packages() if mapped(p)],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_package_map_names_exactly_the_modules_there_are(package: Path) -> None:
    names, files = mapped(package), present(package)
    not_there, left_out = sorted(names - files), sorted(files - names)
    assert (not_there, left_out) == ([], []), (
        f"{package.name}/__init__.py maps {not_there} (not there) and leaves out {left_out}")


def test_a_map_line_is_a_file_name_then_words() -> None:
    text = """Intro `generator.py` applies things.

    server.py         the HTTP server
    offline/          the offline generator
    slow_clients.py idle connections
    """
    assert set(MAP_LINE.findall(text)) == {"server.py", "offline/", "slow_clients.py"}
