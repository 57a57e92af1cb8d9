"""Fault tests: real `idealoop serve` processes killed with SIGKILL, a PostgreSQL cluster of
their own stopped under load, fuzzed requests. Each checks that nothing acknowledged was
lost and nothing was left half-done; the scenarios live in `testkit.faults`, shared with
`bench/faults.py`, which prints their figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.databases import scratch_database
from tests.conftest import POSTGRES_ADMIN_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def fault_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of its own (not the shared test one): processes get killed."""
    if request.param == "sqlite":
        yield request.getfixturevalue("migrated_sqlite").copy(tmp_path / "faults.db")
        return
    request.getfixturevalue("postgres_url")  # skips where PostgreSQL cannot run
    with scratch_database(POSTGRES_ADMIN_URL, prefix="idealoop_fault", durable=False) as url:
        yield url
