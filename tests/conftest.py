"""Shared fixtures: hermetic environment, databases (SQLite and PostgreSQL), fakes."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.emulator.web_api import SlackApiServer
from storage.db import make_engine
from storage.stores import Stores
from testkit.databases import MigratedSqlite, empty_all_tables, scratch_database
from testkit.fake_openai import FakeOpenAI
from testkit.processes import SETTING_PREFIXES
from testkit.strict_slack import assert_no_refusals

POSTGRES_ADMIN_URL = os.environ.get(
    "IDEALOOP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave this process's objects to the operating system when it exits, as `idealoop`
    does (`bot.cli._exit_quickly`): after a run the interpreter's shutdown collects
    millions of objects again and again as it clears each module, seconds of CPU in every
    xdist worker and in the controller before `make test` returns. The run is over; no
    test sees this."""
    gc.freeze()


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) \
        -> None:
    """No test sees the developer's Slack/OpenAI/database settings or their .env file."""
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES) and name != "IDEALOOP_TEST_POSTGRES":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session, migrated to head, whose
    commits do not wait for the disk (no test crashes this server)."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(POSTGRES_ADMIN_URL,
                                                       prefix="idealoop_test", durable=False))
        except Exception as exc:  # no server: these tests cannot run here
            if os.environ.get("CI"):
                raise
            pytest.skip(f"PostgreSQL not available: {type(exc).__name__}")
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> MigratedSqlite:
    """One SQLite database migrated to head for this session (each xdist worker's):
    tests get copies of it (`sqlite_url`, `db_url`), not a migration each."""
    return MigratedSqlite(tmp_path_factory.mktemp("migrated") / "idealoop.db")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("migrated_sqlite").copy(tmp_path / "idealoop.db")
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    empty_all_tables(engine)
    engine.dispose()
    yield url


@pytest.fixture
def sqlite_url(migrated_sqlite: MigratedSqlite, tmp_path: Path) -> str:
    """A migrated, empty SQLite database of this test's own."""
    return migrated_sqlite.copy(tmp_path / "idealoop.db")


@pytest.fixture
def stores(db_url: str) -> Iterator[Stores]:
    s = Stores.open(make_engine(db_url))
    yield s
    s.engine.dispose()


def allowed_refusals(request: pytest.FixtureRequest) -> list[str]:
    """The Slack errors a test provokes on purpose (`@pytest.mark.slack_refusals(...)`)."""
    return [error for mark in request.node.iter_markers("slack_refusals")
            for error in mark.args]


@pytest.fixture
def slack(request: pytest.FixtureRequest) -> Iterator[SlackApiServer]:
    """The emulated Slack Web API on a loopback port, as strict as Slack: afterwards the
    test fails if anything sent it a call Slack would refuse (`testkit.strict_slack`)."""
    with SlackApiServer() as server:
        yield server
        assert_no_refusals(server, allowed_refusals(request))


@dataclass(frozen=True)
class LLMFamily:
    """A model and the kind of server that offers it, as the fake serves them."""

    model: str
    local: bool = False  # an Ollama-style server (no schemas, no usage) instead of OpenAI


# One model of each family idealoop must work with (testkit.fake_openai.family).
LLM_FAMILIES = {
    "chat": LLMFamily("gpt-4o-mini"),
    "reasoning": LLMFamily("gpt-5-mini"),
    "o-series": LLMFamily("o4-mini"),
    "local": LLMFamily("llama3.2", local=True),
}
# Tests run against every family with
#     @pytest.mark.parametrize("llm_family", LLM_FAMILIES.values(), ids=LLM_FAMILIES,
#                              indirect=True)
# and configure the app with IDEALOOP_MODEL=llm_family.model.


@pytest.fixture
def llm_family(request: pytest.FixtureRequest) -> LLMFamily:
    """The family `llm` serves: a chat model named fake-model unless parametrized."""
    return getattr(request, "param", LLMFamily("fake-model"))


@pytest.fixture
def llm(llm_family: LLMFamily) -> Iterator[FakeOpenAI]:
    """The fake OpenAI-compatible server on a loopback port."""
    with FakeOpenAI(local=llm_family.local) as fake:
        yield fake


# End-to-end files where the database matters (concurrency, claims, limits, workspaces,
# privacy, faults) run on SQLite and PostgreSQL; the others test Slack surfaces, which the
# database does not change, so they run on SQLite only (storage tests run on both, always).
# A single test elsewhere that depends on the database is marked `database_matters`.
# `IDEALOOP_TEST_EVERY_DATABASE=1` runs every end-to-end test on both.
DATABASE_MATTERS = frozenset({
    "test_concurrency", "test_digests", "test_durability", "test_forget_everywhere",
    "test_install_page_and_logs", "test_limits", "test_metrics", "test_operator_steps",
    "test_privacy", "test_reactions", "test_rejections_by_meaning", "test_workspaces",
})


def _sqlite_is_enough(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is None or callspec.params.get("db_url") != "postgresql":
        return False
    module = item.path.stem
    return (item.path.parent.name == "e2e" and module not in DATABASE_MATTERS
            and item.get_closest_marker("database_matters") is None)


# The slowest kinds of test first: `pytest -n 4 --dist worksteal` hands each worker a
# quarter of the list in this order, and a worker that runs out takes the second half of
# what another has left. Collected in file order, the fault tests (real processes killed
# and restarted, 10-20 s each) came at the end of one worker's quarter, were taken from
# its end again and again, and ran last: the run waited on them alone. First in the list,
# they start at once, and the quick tests behind them are what the others take.
SLOWEST_FIRST = ("faults", "e2e")


def _slowness_rank(item: pytest.Item) -> int:
    folder = item.path.parent.name
    return SLOWEST_FIRST.index(folder) if folder in SLOWEST_FIRST else len(SLOWEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_slowness_rank)  # stable: file order within each kind
    if os.environ.get("IDEALOOP_TEST_EVERY_DATABASE") == "1":
        return
    enough = [item for item in items if _sqlite_is_enough(item)]
    if enough:
        config.hook.pytest_deselected(items=enough)
        items[:] = [item for item in items if not _sqlite_is_enough(item)]
