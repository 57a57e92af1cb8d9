"""The command line as an operator uses it, through real pipes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
from sqlalchemy import inspect

from bot.cli import main
from storage.brainstorms import NewBrainstorm
from storage.db import make_engine
from storage.stores import Stores
from testkit.databases import MigratedSqlite
from testkit.processes import child_env


def test_export_into_a_reader_that_stops_early_is_quiet(migrated_sqlite: MigratedSqlite,
                                                         tmp_path: Path) -> None:
    """`idealoop export | head -1`: the export stops without a traceback or a false
    "cannot reach Slack" line."""
    url = migrated_sqlite.copy(tmp_path / "export.db")
    stores = Stores.open(make_engine(url))
    for n in range(40):  # about 400 kB of rows: far more than a pipe buffers
        saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
            channel="C1", requester="U1", topic=f"topic {n}", model="m",
            ideas=[f"idea {n}.{i} " + "x" * 900 for i in range(10)], header_ts=f"{n}.000001"))
        for i, item_id in enumerate(saved.item_ids):
            stores.brainstorms.mark_posted(item_id, f"{n}.{i + 2:06d}")
    stores.engine.dispose()
    export = subprocess.Popen([sys.executable, "-m", "bot.cli", "export"], cwd=tmp_path,
                              env=child_env(DATABASE_URL=url), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert export.stdout is not None and export.stderr is not None
    assert export.stdout.readline().startswith(b'{"id": 1,')
    export.stdout.close()  # what `head -1` does after its line
    assert export.wait(timeout=30) == 1
    # What it looked at, and nothing about the closed pipe.
    assert export.stderr.read() == b"idealoop: exporting every channel, every item ever posted\n"
    export.stderr.close()


def test_export_does_not_migrate_and_says_what_to_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "export"], cwd=tmp_path,
                          env=child_env(DATABASE_URL=url), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert "idealoop db upgrade" in done.stderr and done.stderr.count("\n") == 1
    engine = make_engine(url)
    try:
        assert inspect(engine).get_table_names() == []  # nothing was created
    finally:
        engine.dispose()


def test_an_unusable_sqlite_path_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    url = f"sqlite:///{blocker}/sub/idealoop.db"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=tmp_path,
                          env=child_env(DATABASE_URL=url), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "DATABASE_URL names a folder that cannot be created" in done.stderr
    assert done.stderr.count("\n") == 1


def test_serve_help_lists_every_variable_settings_read() -> None:
    from click.testing import CliRunner

    from bot.config import variables
    from bot.config_spec import names

    # What the spec reads, and any variable read by name elsewhere in the two modules.
    read = set(names(variables()))
    for module in ("config.py", "config_spec.py"):
        source = (Path(__file__).resolve().parents[2] / "bot" / module).read_text()
        read |= set(re.findall(r'env(?:\.get\(|, )"([A-Z_]+)"', source))
    assert len(read) >= 25
    shown = CliRunner().invoke(main, ["serve", "--help"]).output
    missing = {name for name in read if f"  {name} " not in shown}
    assert not missing, f"add {missing} to bot/config_spec.py"


def test_export_takes_a_stored_channel_id_and_says_what_it_looked_at(
        migrated_sqlite: MigratedSqlite, tmp_path: Path) -> None:
    url = migrated_sqlite.copy(tmp_path / "export.db")
    stores = Stores.open(make_engine(url))
    saved = stores.brainstorms.save_brainstorm(NewBrainstorm(
        channel="C0GENERAL", requester="U1", topic="t", model="m", ideas=["one", "two"],
        header_ts="1.000001"))
    for i, item_id in enumerate(saved.item_ids):
        stores.brainstorms.mark_posted(item_id, f"1.{i + 2:06d}")
    stores.engine.dispose()

    def export(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "export", *args],
                              cwd=tmp_path, env=child_env(DATABASE_URL=url),
                              capture_output=True, text=True, timeout=60, check=False)

    done = export("--channel", "C0GENERAL")
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 2
    assert done.stderr == "idealoop: exporting C0GENERAL, every item ever posted\n"
    assert export().stderr == "idealoop: exporting every channel, every item ever posted\n"
    # Before: `--channel general` and an unknown id printed nothing and exited 0.
    for wanted, said in (
            ("general", "idealoop: #general: give the channel's id (C0123…); a name is "
                        "looked up in Slack, which needs SLACK_BOT_TOKEN\n"),
            ("#general", "idealoop: #general: give the channel's id (C0123…); a name is "
                         "looked up in Slack, which needs SLACK_BOT_TOKEN\n"),
            ("C0NOPE", "idealoop: unknown channel C0NOPE: nothing was "
                       "brainstormed, drafted, scheduled or guided there\n")):
        refused = export("--channel", wanted)
        assert (refused.returncode, refused.stdout, refused.stderr) == (2, "", said), wanted


def test_shell_refuses_fresh_with_db(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot.cli", "shell", "--fresh", "--db",
                           f"sqlite:///{tmp_path}/x.db"], cwd=tmp_path, env=child_env(),
                          input="", capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"idealoop: configuration error: --fresh starts an empty temporary "
                           f"database, so it cannot use --db sqlite:///{tmp_path}/x.db: drop "
                           "one of the two\n")
    assert not (tmp_path / "x.db").exists()


def _terminal_commands(group: click.Group, prefix: str = "") -> set[str]:
    """Every command a person can type after `idealoop` (`db upgrade` for a group's)."""
    names: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names |= _terminal_commands(command, f"{prefix}{name} ")
        else:
            names.add(f"{prefix}{name}")
    return names


def test_the_readme_lists_every_terminal_command_and_no_other() -> None:
    """The README's terminal table and the CLI name the same commands (click's own
    `--help` is the other place they are written, generated from the code)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands in the terminal", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    named = {name.removeprefix("idealoop ") for row in rows
             for name in re.findall(r"`([^`]+)`", row)}
    assert named == _terminal_commands(main)
