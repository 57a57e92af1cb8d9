"""The command line as an operator uses it, through real pipes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.db import make_engine
from storage.repository import NewBrainstorm, Store
from testkit.databases import migrate
from testkit.processes import child_env


def test_export_into_a_reader_that_stops_early_is_quiet(tmp_path: Path) -> None:
    """`idealoop export | head -1`: the export stops without a traceback or a false
    "cannot reach Slack" line."""
    url = migrate(f"sqlite:///{tmp_path}/export.db")
    store = Store(make_engine(url))
    for n in range(40):  # about 400 kB of rows: far more than a pipe buffers
        saved = store.save_brainstorm(NewBrainstorm(
            channel="C1", requester="U1", topic=f"topic {n}", model="m",
            ideas=[f"idea {n}.{i} " + "x" * 900 for i in range(10)], header_ts=f"{n}.000001"))
        for i, item_id in enumerate(saved.item_ids):
            store.mark_posted(item_id, f"{n}.{i + 2:06d}")
    store.engine.dispose()
    export = subprocess.Popen([sys.executable, "-m", "bot.cli", "export"], cwd=tmp_path,
                              env=child_env(DATABASE_URL=url), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert export.stdout is not None and export.stderr is not None
    assert export.stdout.readline().startswith(b'{"id": 1,')
    export.stdout.close()  # what `head -1` does after its line
    assert export.wait(timeout=30) == 1
    assert export.stderr.read() == b""
    export.stderr.close()
