"""What the wheel ships: the three app packages, whole, and no test support.

setuptools only finds directories with an `__init__.py`; a new folder without one would
silently be left out of the wheel (it still imports from a checkout, as a namespace
package), so every folder of Python files under the app packages must be a package.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent
APP = ("bot", "handlers", "storage")


def shipped_packages() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return set(find_packages(where=str(ROOT), include=include))


def test_every_folder_of_app_code_is_shipped() -> None:
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in APP for path in (ROOT / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert folders - shipped_packages() == set(), "add an __init__.py to these folders"


def test_test_support_is_not_shipped() -> None:
    assert {name.split(".")[0] for name in shipped_packages()} == set(APP)
