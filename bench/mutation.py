"""A small mutation check of the guards that matter most: does each guard have a test
that fails when the guard is broken?

`bench/mutants.toml` lists the mutants: a file, an exact snippet of it, what replaces the
snippet, and the tests that must fail once it is replaced. Each mutant is applied to a
copy of the tree in a temporary directory (never to the working tree), only its tests
run there, and the snippet is put back before the next one. A mutant whose tests still
pass *survived*: the guard it broke is not guarded. The tests are first run once on the
unchanged copy, so a test that fails anyway is never counted as a kill.

    python -m bench.mutation              # every mutant (`make mutation`)
    python -m bench.mutation -k lease     # those whose guard or file says "lease"
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = Path(__file__).with_name("mutants.toml")
# What the copy leaves out: nothing a test reads, and nothing large.
IGNORED = shutil.ignore_patterns(".git", ".venv", ".lock-venv", "*.egg-info", "__pycache__",
                                 ".pytest_cache", ".ruff_cache", ".mypy_cache", "site",
                                 ".import_linter_cache", ".grimp_cache", ".hypothesis")


@dataclass(frozen=True)
class Mutant:
    guard: str  # what the mutant breaks, in words
    file: str  # relative to the repository root
    original: str  # occurs exactly once in `file`
    replacement: str
    tests: tuple[str, ...]  # pytest node ids; at least one must fail


def load(path: Path = MUTANTS) -> list[Mutant]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return [Mutant(guard=entry["guard"], file=entry["file"], original=entry["original"],
                   replacement=entry["replacement"], tests=tuple(entry["tests"]))
            for entry in raw["mutant"]]


def pytest(tree: Path, tests: tuple[str, ...] | list[str], *,
           first_failure: bool) -> tuple[int, str]:
    """Run `tests` in `tree` (its code first on the path): pytest's exit code and the
    last lines it printed."""
    command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
               "--no-header", "-rfE", *(["-x"] if first_failure else []), *tests]
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True,
                          check=False)
    return done.returncode, "\n".join(done.stdout.splitlines()[-12:])


def run(mutants: list[Mutant]) -> int:
    """Apply each mutant in a copy of the tree, run its tests, print what was killed and
    the kill rate. Exit code 0 when every mutant was killed."""
    with tempfile.TemporaryDirectory(prefix="idealoop-mutants-") as temp:
        tree = Path(temp) / "tree"
        shutil.copytree(ROOT, tree, ignore=IGNORED)
        every_test = sorted({test for mutant in mutants for test in mutant.tests})
        print(f"{len(mutants)} mutants, {len(every_test)} tests; first the tests unchanged",
              flush=True)
        code, said = pytest(tree, every_test, first_failure=False)
        if code != 0:
            print(f"the tests fail on the unchanged code: fix that first\n{said}")
            return 2
        killed, started = 0, time.monotonic()
        for number, mutant in enumerate(mutants, start=1):
            path = tree / mutant.file
            source = path.read_text()
            if source.count(mutant.original) != 1:
                print(f"{number:>3} ERROR     {mutant.file}: the snippet is not there once")
                continue
            path.write_text(source.replace(mutant.original, mutant.replacement))
            began = time.monotonic()
            try:
                code, _ = pytest(tree, mutant.tests, first_failure=True)
            finally:
                path.write_text(source)
            verdict = {0: "SURVIVED", 1: "killed"}.get(code, f"ERROR({code})")
            killed += code == 1
            print(f"{number:>3} {verdict:<9} {time.monotonic() - began:5.1f}s  "
                  f"{mutant.guard} ({mutant.file})", flush=True)
    rate = killed / len(mutants) if mutants else 1.0
    print(f"killed {killed} of {len(mutants)} ({rate:.0%}) in "
          f"{time.monotonic() - started:.0f} s")
    return 0 if killed == len(mutants) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", default="", help="only mutants whose guard or file has this")
    args = parser.parse_args(argv)
    mutants = [mutant for mutant in load()
               if args.k.lower() in f"{mutant.guard} {mutant.file}".lower()]
    return run(mutants)


if __name__ == "__main__":
    sys.exit(main())
