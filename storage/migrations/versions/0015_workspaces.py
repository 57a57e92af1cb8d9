"""Many workspaces: every row belongs to one (`team`), so the same channel id in two
workspaces never shares signals, digests, guidance or steering; and the tables of
slack_sdk's SQLAlchemy installation and OAuth state stores, for installs by OAuth.

Rows from before this revision get the team "" and are adopted by the workspace of
`SLACK_BOT_TOKEN` the first time `serve` runs with one (`Store.adopt_unowned`).

The slack_* tables are written out here as slack_sdk 3.x builds them
(`SQLAlchemyInstallationStore.build_*_table`, `SQLAlchemyOAuthStateStore`);
tests/storage/test_migrations.py compares them with the library's own definitions.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TEAM = "team"


def _team() -> sa.Column[str]:
    return sa.Column(TEAM, sa.String(32), nullable=False, server_default="")


def upgrade() -> None:
    for table in ("brainstorms", "items", "work"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(_team())
    with op.batch_alter_table("brainstorms") as batch:
        batch.drop_constraint("uq_brainstorms_channel_header", type_="unique")
        batch.create_unique_constraint("uq_brainstorms_channel_header",
                                       [TEAM, "channel", "header_ts"])
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("uq_items_channel_ts", type_="unique")
        batch.create_unique_constraint("uq_items_channel_ts", [TEAM, "channel", "ts"])
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(_team())
        batch.drop_constraint("uq_digest_runs_channel_period", type_="unique")
        batch.create_unique_constraint("uq_digest_runs_channel_period",
                                       [TEAM, "channel", "period_key"])
    _rekey("digest_subscriptions", SUBSCRIPTION_COLUMNS)
    _rekey("channel_guidance", GUIDANCE_COLUMNS)
    _slack_tables()


SUBSCRIPTION_COLUMNS = (
    ("period", sa.String(8), False), ("at_time", sa.String(5), False),
    ("timezone", sa.String(64), False), ("weekday", sa.SmallInteger(), False),
    ("created_by", sa.String(32), False), ("updated_at", sa.DateTime(timezone=True), False),
    ("paused_reason", sa.Text(), True), ("paused_at", sa.DateTime(timezone=True), True),
)
GUIDANCE_COLUMNS = (
    ("text", sa.Text(), False), ("set_by", sa.String(32), False),
    ("set_at", sa.DateTime(timezone=True), False),
)


def _columns(spec: tuple[tuple[str, Any, bool], ...]) -> list[sa.Column[object]]:
    return [sa.Column(name, kind, nullable=nullable) for name, kind, nullable in spec]


def _rekey(table: str, spec: tuple[tuple[str, Any, bool], ...]) -> None:
    """`table` keyed by (team, channel) instead of channel: a new table, the rows copied
    over with the team "", the old one dropped (SQLite cannot change a primary key)."""
    op.rename_table(table, f"{table}_0014")
    op.create_table(
        table,
        sa.Column(TEAM, sa.String(32), nullable=False, server_default=""),
        sa.Column("channel", sa.String(32), nullable=False),
        *_columns(spec),
        sa.PrimaryKeyConstraint(TEAM, "channel", name=f"pk_{table}"),
    )
    names = ", ".join(["channel", *(name for name, _, _ in spec)])
    op.execute(f"INSERT INTO {table} ({TEAM}, {names}) SELECT '', {names} FROM {table}_0014")
    op.drop_table(f"{table}_0014")


def _unkey(table: str, spec: tuple[tuple[str, Any, bool], ...]) -> None:
    """The way back: keyed by channel again, keeping one workspace's row per channel."""
    op.rename_table(table, f"{table}_0015")
    op.create_table(table, sa.Column("channel", sa.String(32), primary_key=True),
                    *_columns(spec))
    names = ", ".join(["channel", *(name for name, _, _ in spec)])
    op.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}_0015 AS row "
               f"WHERE {TEAM} = (SELECT min({TEAM}) FROM {table}_0015 AS other "
               "WHERE other.channel = row.channel)")
    op.drop_table(f"{table}_0015")


def _bot_columns() -> list[sa.Column[Any]]:
    """The columns slack_sdk's installations and bots tables share."""
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    ]


def _slack_tables() -> None:
    op.create_table(
        "slack_installations",
        *_bot_columns(),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("token_type", sa.String(32)),
    )
    op.create_index("slack_installations_idx", "slack_installations",
                    ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"])
    op.create_table("slack_bots", *_bot_columns())
    op.create_index("slack_bots_idx", "slack_bots",
                    ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_idx", table_name="slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_idx", table_name="slack_installations")
    op.drop_table("slack_installations")
    _unkey("channel_guidance", GUIDANCE_COLUMNS)
    _unkey("digest_subscriptions", SUBSCRIPTION_COLUMNS)
    # With rows of several workspaces, a channel and message both have can stop this:
    # undo it by hand, or stay on 0015.
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_constraint("uq_digest_runs_channel_period", type_="unique")
        batch.create_unique_constraint("uq_digest_runs_channel_period",
                                       ["channel", "period_key"])
        batch.drop_column(TEAM)
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("uq_items_channel_ts", type_="unique")
        batch.create_unique_constraint("uq_items_channel_ts", ["channel", "ts"])
    with op.batch_alter_table("brainstorms") as batch:
        batch.drop_constraint("uq_brainstorms_channel_header", type_="unique")
        batch.create_unique_constraint("uq_brainstorms_channel_header",
                                       ["channel", "header_ts"])
    for table in ("work", "items", "brainstorms"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(TEAM)
