"""The settings spec (`bot/config_spec.py`) is the one place a setting is written.

Why: `Settings`, `idealoop serve --help`, docs/configuration.md and `.env.example` all
come from it; these tests fail when a generated file is stale, when a field is filled
by no variable (or two), and when a variable's bounds or default disagree with what
`Settings.from_env` accepts.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot import config_docs
from bot.cli import main
from bot.config import Settings, variables
from bot.config_spec import CONVENTIONS, GROUPS, Var, names
from bot.errors import ConfigError


def test_the_configuration_page_and_env_example_are_generated_from_the_spec() -> None:
    assert config_docs.stale() == [], "run: python -m bot.config_docs --write"
    assert config_docs.main(["--check"]) == 0


def test_a_stale_page_is_caught(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "configuration.md"
    page.write_text(config_docs.PAGE.read_text(encoding="utf-8")
                    .replace("| `PORT` | `3000` |", "| `PORT` | `8080` |"), encoding="utf-8")
    monkeypatch.setattr(config_docs, "PAGE", page)
    assert config_docs.stale() == [page]
    assert config_docs.main(["--check"]) == 1


def test_every_field_is_filled_by_exactly_one_variable() -> None:
    fields = dataclasses.fields(Settings)
    assert all(isinstance(field.metadata.get("var"), Var) for field in fields)
    read = names(variables())
    assert len(read) == len(set(read)) >= 36
    assert {var.group for var in variables()} <= set(GROUPS)


def test_every_variable_is_listed_by_serve_help_the_page_and_env_example() -> None:
    shown = CliRunner().invoke(main, ["serve", "--help"]).output
    page = config_docs.PAGE.read_text(encoding="utf-8")
    example = config_docs.ENV_EXAMPLE.read_text(encoding="utf-8")
    for name in names(variables()):
        assert f"  {name} " in shown, name
        assert f"# {name}=" in example, name
    for var in variables():
        assert f"| `{var.env}` |" in page, var.env


def test_secrets_are_kept_out_of_repr() -> None:
    hidden = {field.metadata["var"].env for field in dataclasses.fields(Settings)
              if not field.repr}
    assert hidden == {var.env for var in variables() if var.secret} >= {
        "SLACK_BOT_TOKEN", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
        "OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL"}


BOUNDED = [var for var in variables() if var.low is not None]


@pytest.mark.parametrize("var", BOUNDED, ids=lambda var: var.env)
def test_bounds_are_what_from_env_accepts(var: Var[Any]) -> None:
    field = next(f.name for f in dataclasses.fields(Settings) if f.metadata["var"] is var)
    assert var.high is not None
    if var.default is not None:
        assert var.low <= var.default <= var.high
    for edge in (var.low, var.high):
        assert getattr(Settings.from_env({var.env: str(edge)}), field) == edge
    step = 1 if isinstance(var.low, int) else 0.001
    for outside in (var.low - step, var.high + step):
        with pytest.raises(ConfigError, match=f"^{var.env} must be between "):
            Settings.from_env({var.env: str(outside)})


@pytest.mark.parametrize("var", list(variables()), ids=lambda var: var.env)
def test_blank_means_the_default(var: Var[Any]) -> None:
    field = next(f for f in dataclasses.fields(Settings) if f.metadata["var"] is var)
    assert getattr(Settings.from_env({var.env: "  "}), field.name) == field.default


def test_env_example_copied_to_dotenv_changes_nothing_until_edited() -> None:
    from bot.config import read_environ

    assert read_environ({}, dotenv_path=config_docs.ENV_EXAMPLE) == {}
    assert Settings.from_env({}, dotenv_path=config_docs.ENV_EXAMPLE) == Settings()


def test_every_default_in_env_example_parses_to_the_default() -> None:
    lines = config_docs.ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for var in variables():
        [line] = [line for line in lines if line.startswith(f"# {var.env}=")]
        written = line.split("=", 1)[1]
        field = next(f for f in dataclasses.fields(Settings) if f.metadata["var"] is var)
        if written and var.env != "IDEALOOP_LLM":  # auto: resolved against the key
            assert getattr(Settings.from_env({var.env: written}), field.name) == \
                field.default, var.env


def test_code_reads_no_environment_variable_outside_the_spec_but_the_conventions() -> None:
    """Settings live in one table; what the code reads from the environment elsewhere is
    either in it or one of the cross-tool conventions the spec names (NO_COLOR)."""
    root = Path(__file__).resolve().parents[2]
    read = re.compile(r"os\.(?:environ(?:\.get)?\(|environ\[|getenv\()\s*[\"']([A-Z][A-Z0-9_]*)")
    known = set(names(variables())) | set(CONVENTIONS)
    found = {(path.relative_to(root).as_posix(), name)
             for package in ("bot", "handlers", "storage")
             for path in (root / package).rglob("*.py")
             for name in read.findall(path.read_text(encoding="utf-8"))}
    assert {(path, name) for path, name in found if name not in known} == set()
    assert ("bot/cli.py", "NO_COLOR") in found  # the scan sees the reads there are
