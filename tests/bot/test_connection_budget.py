"""The connection budget on PostgreSQL (docs/operating.md, *Scale*): by default at most
four worker processes, and a worker process's pool opens at most its jobs and a margin."""

from __future__ import annotations

import os
from contextlib import ExitStack

import pytest
from sqlalchemy import text

from bot.app import open_stores
from bot.config import WORKER_POOL_MARGIN, WORKER_POOL_MOST, Settings


@pytest.mark.parametrize(("cores", "processes"), [(1, 1), (2, 2), (8, 4), (64, 4)])
def test_by_default_one_worker_process_per_core_at_most_four(
        monkeypatch: pytest.MonkeyPatch, cores: int, processes: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)))
    settings = Settings.from_env({"DATABASE_URL": "postgresql+psycopg://db/idealoop"})
    assert settings.worker_process_count() == processes
    assert Settings.from_env({"DATABASE_URL": "sqlite:///x.db"}).worker_process_count() == 0
    assert Settings.from_env({"DATABASE_URL": "postgresql+psycopg://db/idealoop",
                              "IDEALOOP_WORKER_PROCESSES": "9"}).worker_process_count() == 9


def test_a_worker_pool_is_its_jobs_and_a_margin_at_most_fifteen() -> None:
    def pool(jobs: int) -> int:
        return Settings.from_env({"IDEALOOP_WORKERS": str(jobs)}).worker_pool_size()

    assert pool(2) == 2 + WORKER_POOL_MARGIN == 7
    assert pool(32) == WORKER_POOL_MOST == 15  # the default IDEALOOP_WORKERS


def test_a_worker_process_opens_no_more_connections_than_its_pool(postgres_url: str) -> None:
    """Its engine, opened as `idealoop worker` opens it: SQLAlchemy's pool never opens more
    than its size and overflow together, and the server sees that many from it when all
    are checked out at once."""
    settings = Settings.from_env({"DATABASE_URL": postgres_url, "IDEALOOP_WORKERS": "2"})
    size = settings.worker_pool_size()
    engine = open_stores(settings, pool=size).engine
    try:
        assert engine.pool.size() + engine.pool._max_overflow == size  # type: ignore[attr-defined]
        with ExitStack() as held:
            conns = [held.enter_context(engine.connect()) for _ in range(size)]
            pids = {conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
                    for conn in conns}
            assert len(pids) == size and engine.pool.checkedout() == size
    finally:
        engine.dispose()
