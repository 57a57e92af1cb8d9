"""Migrations on SQLite and PostgreSQL: they build exactly the tables the models declare,
and 0005 carries digest claims across an upgrade and back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, inspect, text

from bot.app import open_stores
from bot.config import Settings
from bot.rejections import RejectionFilter, words_to_keep
from storage.db import alembic_config, make_engine
from storage.digests import DigestStore
from storage.models import Base
from storage.signals import ReactionChange
from storage.stores import Stores
from testkit.databases import scratch_database, sqlite_database
from tests.conftest import POSTGRES_ADMIN_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A database of its own, migrated to head: these tests move it up and down."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = stack.enter_context(sqlite_database())
        else:
            request.getfixturevalue("postgres_url")  # skips where PostgreSQL is missing
            url = stack.enter_context(scratch_database(POSTGRES_ADMIN_URL,
                                                       prefix="idealoop_migrations"))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        yield engine


def test_the_migrations_build_what_the_models_declare(fresh_engine: Engine) -> None:
    """Our models, and the installation and OAuth state tables as slack_sdk defines them
    (the migrations write those out: a newer slack_sdk that changed them fails here)."""
    declared = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(declared)
    SQLAlchemyInstallationStore.build_installations_table(declared, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(declared, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(declared, "slack_oauth_states")
    with fresh_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), declared)
    assert differences == []


def test_a_claim_held_across_the_upgrade_is_not_taken_over(fresh_engine: Engine) -> None:
    config = alembic_config(fresh_engine)
    command.downgrade(config, "0004")
    with fresh_engine.begin() as conn:  # an older process holds this claim
        conn.execute(text("INSERT INTO digest_runs (channel, period_key, status, claimed_at) "
                          "VALUES ('C1', 'day:2026-03-30', 'claimed', CURRENT_TIMESTAMP)"))
    command.upgrade(config, "head")
    store = DigestStore(fresh_engine)
    assert store.claim("C1", "day:2026-03-30", lease=60) is None


def test_a_downgrade_gives_back_claims_waiting_to_retry(fresh_engine: Engine) -> None:
    store = DigestStore(fresh_engine)
    claim = store.claim("C1", "day:2026-03-30", lease=60)
    assert claim is not None and store.release(claim, retry_in=3600)
    command.downgrade(alembic_config(fresh_engine), "0004")
    with fresh_engine.connect() as conn:  # the older code can claim the period again
        assert conn.execute(text("SELECT count(*) FROM digest_runs")).scalar() == 0
    command.upgrade(alembic_config(fresh_engine), "head")


def test_daily_claims_cross_0019_both_ways(fresh_engine: Engine) -> None:
    """Up: a claim held by an older process keeps a lease (its holder may be running).
    Down: a claim given back goes, as the older code gave one back by deleting it."""
    config = alembic_config(fresh_engine)
    command.downgrade(config, "0018")
    with fresh_engine.begin() as conn:
        conn.execute(text("INSERT INTO maintenance_runs (job, day, owner, started_at) "
                          "VALUES ('retention', '2026-11-30', 'old', CURRENT_TIMESTAMP)"))
    command.upgrade(config, "head")
    privacy = Stores.open(fresh_engine).privacy
    assert privacy.claim_daily("retention", "2026-11-30", "new") is None
    claim = privacy.claim_daily("retention", "2026-12-01", "new")
    assert claim is not None and privacy.release_daily(claim)
    command.downgrade(config, "0018")
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT day FROM maintenance_runs")).scalars().all() == [
            "2026-11-30"]
    command.upgrade(config, "head")


def test_rows_from_before_workspaces_are_kept_and_adopted_by_the_one_workspace(
        fresh_engine: Engine) -> None:
    config = alembic_config(fresh_engine)
    command.downgrade(config, "0014")
    with fresh_engine.begin() as conn:  # a single-workspace install, before 0015
        conn.execute(text(
            "INSERT INTO brainstorms (id, channel, requester, topic, header_ts, model, "
            "created_at) VALUES (1, 'C1', 'U1', 'standups', '1.000001', 'm', "
            "CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO items (id, brainstorm_id, kind, text, channel, ts, position, model, "
            "created_at) VALUES (1, 1, 'idea', 'walking standups', 'C1', '1.000002', 1, 'm', "
            "CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO signals (item_id, user_id, emoji, polarity, active, "
                          "event_us, source) VALUES (1, 'U2', '+1', 1, true, 1, 'reaction')"))
        conn.execute(text("INSERT INTO channel_guidance (channel, text, set_by, set_at) "
                          "VALUES ('C1', 'be brief', 'U1', CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO digest_subscriptions (channel, period, at_time, timezone, weekday, "
            "created_by, updated_at) VALUES ('C1', 'day', '09:00', 'UTC', 0, 'U1', "
            "CURRENT_TIMESTAMP)"))
    command.upgrade(config, "head")
    stores = Stores.open(fresh_engine)
    assert stores.steering.guidance("C1") is not None  # kept, with no workspace yet
    workspace = stores.for_team("T1")
    assert workspace.steering.guidance("C1") is None
    assert workspace.signals.item_at("C1", "1.000002") is None
    workspace.steering.set_guidance("C1", "newer words", "U2")  # set since: it wins the clash
    # brainstorm, item, subscription; not guidance
    assert stores.workspaces.adopt_unowned("T1") == 3
    assert workspace.signals.item_at("C1", "1.000002") is not None
    assert workspace.reports.channel_stats("C1").people == 1  # the signal survived the rebuilds
    assert workspace.steering.guidance("C1").text == "newer words"  # type: ignore[union-attr]
    assert stores.steering.guidance("C1") is None  # the older one is gone, not left to clash
    assert DigestStore(fresh_engine, team="T1").subscription("C1") is not None
    assert stores.workspaces.adopt_unowned("T1") == 0


def test_0020_fills_in_no_row_and_older_ideas_are_judged_by_words_worked_out_when_read(
        fresh_engine: Engine) -> None:
    """0020 only adds the columns: filling them in inside the migration's transaction
    would hold `items` locked on PostgreSQL for as long as a large table takes. The app's
    own upgrade (`open_stores(migrate=True)`, as `serve` and `db upgrade` run it) leaves
    them empty; the filter works the words out from the text, and the brainstorm saves
    them back. Down, the columns go."""
    config = alembic_config(fresh_engine)
    command.downgrade(config, "0019")
    rejected = ["Walking standups around the block", "Pair each newcomer with a buddy"]
    with fresh_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO brainstorms (id, team, channel, requester, topic, header_ts, model, "
            "created_at) VALUES (1, '', 'C1', 'U1', 'team habits', '1.000001', 'm', "
            "CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO items (id, brainstorm_id, kind, text, team, channel, position, model, "
            "ts, created_at) VALUES (:id, 1, 'idea', :text, '', 'C1', :id, 'm', :ts, "
            "CURRENT_TIMESTAMP)"),
            [{"id": n, "text": idea, "ts": f"1.00000{n + 1}"}
             for n, idea in enumerate(rejected, start=1)])
    stores = open_stores(Settings(database_url=fresh_engine.url.render_as_string(
        hide_password=False)), migrate=True)
    try:
        with stores.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT count(*) FROM items WHERE idea_form IS NOT NULL "
                "OR idea_words IS NOT NULL OR words_version IS NOT NULL")).scalar() == 0
        stores.signals.apply_reactions([ReactionChange(
            item_id=item_id, user_id="U2", emoji="-1", polarity=-1, active=True, event_us=1,
            at=datetime.now(UTC)) for item_id in (1, 2)])
        check = RejectionFilter(stores.steering).check("C1", "team habits")
        assert not check.keeps("Standups walking around the block")[0]  # reworded
        assert not check.keeps("pair each newcomer with a buddy!")[0]
        assert check.keeps("A book club at lunch")[0]
        assert check.refreshed == {1: words_to_keep(rejected[0]), 2: words_to_keep(rejected[1])}
    finally:
        stores.engine.dispose()
    command.downgrade(config, "0019")
    assert not {"idea_form", "idea_words", "words_version"} & {
        column["name"] for column in inspect(fresh_engine).get_columns("items")}
    command.upgrade(config, "head")
