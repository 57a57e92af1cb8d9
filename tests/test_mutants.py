"""`bench/mutants.toml` still describes the code: each mutant's snippet occurs exactly once
in its file and each test it names exists. A refactor that moves a guard fails here,
instead of `make mutation` quietly mutating nothing or running no test."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
MUTANTS: list[dict[str, Any]] = tomllib.loads(
    (ROOT / "bench" / "mutants.toml").read_text())["mutant"]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["guard"][:60] for m in MUTANTS])
def test_each_mutant_changes_one_place_that_exists(mutant: dict[str, Any]) -> None:
    source = (ROOT / mutant["file"]).read_text()
    assert source.count(mutant["original"]) == 1, mutant["file"]
    assert mutant["replacement"] != mutant["original"]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m["guard"][:60] for m in MUTANTS])
def test_each_mutant_names_tests_that_exist(mutant: dict[str, Any]) -> None:
    assert mutant["tests"]
    for node in mutant["tests"]:
        path, _, name = node.partition("::")
        test_file = ROOT / path
        assert test_file.is_file(), node
        if name:
            assert re.search(rf"^def {re.escape(name)}\(", test_file.read_text(),
                             re.MULTILINE), node


def test_the_guards_issue_23_names_each_have_mutants() -> None:
    guards = {m["guard"].split(":")[0] for m in MUTANTS}
    assert {"lease fencing", "ack after commit", "neutralising", "workspace scoping",
            "limits", "forgetting", "redaction"} <= guards
