"""The fresh databases tests get without migrating each time: a copy of one migrated SQLite
file, and the shared PostgreSQL database put back as migrating left it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, inspect, text

from storage.db import is_current, make_engine
from testkit.databases import MigratedSqlite, empty_all_tables


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table: conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()
                for table in inspect(engine).get_table_names() if table != "alembic_version"}


def fill(engine: Engine) -> None:
    """Rows in idealoop's tables and in slack_sdk's (`slack_*`), and a sequence advanced
    by an insert that was rolled back (no row shows it)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        brainstorm = conn.execute(text(
            "INSERT INTO brainstorms (channel, requester, topic, model, created_at) "
            "VALUES ('C1', 'U1', 'topic', 'm', :now) RETURNING id"), {"now": now}).scalar_one()
        item = conn.execute(text(
            "INSERT INTO items (brainstorm_id, kind, text, channel, position, model, "
            "created_at) VALUES (:b, 'idea', 'an idea', 'C1', 1, 'm', :now) RETURNING id"),
            {"b": brainstorm, "now": now}).scalar_one()
        conn.execute(text("INSERT INTO slack_oauth_states (state, expire_at) "
                          "VALUES ('s', :now)"), {"now": now.replace(tzinfo=None)})
    SQLAlchemyInstallationStore(client_id="1234.5678", engine=engine).save(Installation(
        app_id="A0IDEALOOP", team_id="T0BLUE", user_id="U0ALICE", bot_user_id="U0BOT",
        bot_token="xoxb-blue-1"))
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(text("INSERT INTO signals (item_id, user_id, emoji, polarity, active, "
                          "event_us) VALUES (:item, 'U1', '+1', 1, true, 1)"), {"item": item})
        transaction.rollback()


def test_every_table_slack_sdks_included_is_emptied_and_every_sequence_restarted(
        postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        empty_all_tables(engine)
        fill(engine)
        counts = row_counts(engine)
        assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= set(counts)
        assert all(counts[table] > 0 for table in ("brainstorms", "items", "slack_bots",
                                                   "slack_installations",
                                                   "slack_oauth_states"))
        empty_all_tables(engine)
        assert set(row_counts(engine).values()) == {0}
        with engine.connect() as conn:
            used = conn.execute(text("SELECT sequencename FROM pg_sequences WHERE schemaname "
                                     "= current_schema() AND last_value IS NOT NULL")).all()
        assert used == []
        assert is_current(engine)  # the schema itself is left alone
        fill(engine)  # ids start again at 1, as in a database just migrated
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id FROM brainstorms")).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_copy_of_the_migrated_sqlite_file_is_a_database_of_its_own(tmp_path: Path) -> None:
    migrated = MigratedSqlite(tmp_path / "migrated.db")
    first = make_engine(migrated.copy(tmp_path / "first.db"))
    second = make_engine(migrated.copy(tmp_path / "second.db"))
    try:
        assert is_current(first) and is_current(second)
        fill(first)
        assert row_counts(first)["brainstorms"] == 1
        assert set(row_counts(second).values()) == {0}
    finally:
        first.dispose()
        second.dispose()
    third = make_engine(migrated.copy(tmp_path / "third.db"))  # the original is untouched
    try:
        assert set(row_counts(third).values()) == {0}
    finally:
        third.dispose()
