"""The README and the docs site stay short, whole and true.

`mkdocs build --strict` (in `make test`) already fails on a broken link between pages;
these checks cover what it cannot see: the README (outside the site), links from the docs
to files of the repository, the length of the README, and that every test a behaviour page
names as its proof still exists, so a renamed or deleted test cannot leave a guarantee
standing on nothing.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BEHAVIOUR = DOCS / "behaviour"
README_MAX_LINES = 200

# [text](target) in markdown, not images' alt text; the target up to a space or ")".
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
# A pytest node id as the behaviour pages write it: `tests/<path>.py::<name>[::<name>]`.
NODE_ID = re.compile(r"`(tests/[\w/]+\.py(?:::\w+)+)`")


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def relative_links(page: Path) -> Iterator[str]:
    """The links of a page that point into the repository (not URLs, not same-page anchors)."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)  # `[label](url)` in code is an example, not a link
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        yield target.split("#", 1)[0]


def named_tests() -> dict[str, list[str]]:
    """Each behaviour page (the index aside) and the node ids it names."""
    return {
        page.name: NODE_ID.findall(page.read_text(encoding="utf-8"))
        for page in sorted(BEHAVIOUR.glob("*.md")) if page.name != "index.md"
    }


def test_the_readme_fits_in_two_hundred_lines() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move the rest to docs/"


@pytest.mark.parametrize("page", markdown_files(), ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = [target for target in relative_links(page)
              if not (page.parent / target).exists()]
    assert broken == []


# A file of the repository, or a module and what it defines, named in code on a page:
# `bot/runtime/log_format.py`, `tests/x.py::test_y`, `bot.llm.similarity.kept_words`.
NAMED_PATH = re.compile(r"`((?:bot|handlers|storage|testkit|tests|bench)/[\w/.-]*?)"
                        r"(?:::[\w:\[\]-]+)?`")
NAMED_MODULE = re.compile(r"`((?:bot|handlers|storage|testkit|bench)(?:\.\w+)+)")


def _resolves(dotted: str) -> bool:
    """`dotted` is a module, or a name its longest importable prefix defines."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


@pytest.mark.parametrize("page", markdown_files(), ids=lambda page: str(page.relative_to(ROOT)))
def test_every_file_and_module_a_page_names_exists(page: Path) -> None:
    """A newcomer goes where a page points: a file or module renamed without the docs
    following (the old `bot/runtime/logs.py`) sends them nowhere."""
    text = page.read_text(encoding="utf-8")
    missing = [path for path in NAMED_PATH.findall(text)
               if not (ROOT / path.rstrip("/")).exists()]
    missing += [dotted for dotted in NAMED_MODULE.findall(text) if not _resolves(dotted)]
    assert missing == []


def test_every_behaviour_page_names_the_tests_that_prove_it() -> None:
    pages = named_tests()
    assert len(pages) >= 20, "behaviour/ should hold one page per guarantee"
    assert [name for name, ids in pages.items() if not ids] == []


@functools.cache
def defined_tests(test_file: Path) -> set[str]:
    """`name` and `Class::name` of every test function the file defines."""
    tree = ast.parse(test_file.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            found.update(f"{node.name}::{item.name}" for item in node.body
                         if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef))
    return {name for name in found if name.split("::")[-1].startswith("test")}


def test_every_test_a_behaviour_page_names_exists() -> None:
    missing = []
    for page, ids in named_tests().items():
        for node_id in ids:
            path, name = node_id.split("::", 1)
            test_file = ROOT / path
            if not test_file.is_file() or name not in defined_tests(test_file):
                missing.append(f"{page}: {node_id}")
    assert missing == []


def test_every_dependency_has_a_row_saying_why() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*config["dependencies"], *(dep for extra in config["optional-dependencies"].values()
                                          for dep in extra)]
    names = {_normalised(re.split(r"[\[<>=~!; ]", dep, maxsplit=1)[0]) for dep in wanted}
    table = (DOCS / "development.md").read_text(encoding="utf-8")
    rows = {_normalised(line.split("|")[1]) for line in table.splitlines()
            if line.startswith("| ") and line.count("|") >= 3}
    assert sorted(names - rows) == []


def _normalised(name: str) -> str:
    """Package names as pip compares them: case, `_` and `.` do not matter."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def nav_pages(entry: Any) -> Iterator[str]:
    """Every page a (nested) mkdocs nav entry lists."""
    if isinstance(entry, str):
        yield entry
    elif isinstance(entry, list):
        for item in entry:
            yield from nav_pages(item)
    elif isinstance(entry, dict):
        for value in entry.values():
            yield from nav_pages(value)


class _MkDocsLoader(yaml.SafeLoader):
    """mkdocs.yml names Python callables (`!!python/name:`); read them as plain strings."""


_MkDocsLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix)


def test_the_nav_lists_every_page_once() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_MkDocsLoader)
    listed = list(nav_pages(config["nav"]))
    pages = sorted(str(page.relative_to(DOCS)) for page in DOCS.rglob("*.md"))
    assert sorted(listed) == pages
