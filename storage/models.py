"""Tables. The Alembic migrations in `storage/migrations/versions` create exactly these.

Times are stored as timezone-aware UTC datetimes. Slack message timestamps (`ts`) are
kept as Slack's strings because they are identifiers; event times that must be
compared (for out-of-order reaction deliveries) are kept as integer microseconds.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def _team() -> Mapped[str]:
    """The workspace a row belongs to (Slack's team id); "" for rows from before 0015 not
    yet adopted by a workspace. Every query of a workspace's data filters on it."""
    return mapped_column(String(32), default="", server_default="")


class Brainstorm(Base):
    """One `/brainstorm <topic>` run: the header message and what generated it."""

    __tablename__ = "brainstorms"
    __table_args__ = (
        UniqueConstraint("team", "channel", "header_ts", name="uq_brainstorms_channel_header"),
        Index("ix_brainstorms_requester", "requester"),  # a person's channels (App Home)
        Index("ix_brainstorms_created", "created_at"),  # retention
        Index("ix_brainstorms_author", "author"),  # "forget me"
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = _team()
    channel: Mapped[str] = mapped_column(String(32))
    requester: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(Text)
    header_ts: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # What steered it (`storage.brainstorms.Steering`); empty for brainstorms before 0007.
    steered_approved: Mapped[int | None] = mapped_column(Integer)
    steered_rejected: Mapped[int | None] = mapped_column(Integer)
    dropped_as_rejected: Mapped[int | None] = mapped_column(Integer)
    inputs: Mapped[str | None] = mapped_column(Text)  # JSON: what the model was given
    # "Brainstorm from this" on someone else's message: whose words the topic is (0022 on).
    author: Mapped[str | None] = mapped_column(String(32))
    # Set when retention or "forget me" removed its topic and inputs (`storage.privacy`).
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Item(Base):
    """Something the AI wrote and posted as its own message: an idea or a draft."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("team", "channel", "ts", name="uq_items_channel_ts"),
        Index("ix_items_channel_created", "channel", "created_at"),
        Index("ix_items_brainstorm", "brainstorm_id"),
        Index("ix_items_channel_thread", "channel", "thread_ts"),
        Index("ix_items_created", "created_at"),  # retention
        Index("ix_items_requester", "requester"),  # "forget me"
        Index("ix_items_author", "author"),  # "forget me"
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brainstorm_id: Mapped[int | None] = mapped_column(ForeignKey("brainstorms.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "idea" | "draft"
    text: Mapped[str] = mapped_column(Text)
    team: Mapped[str] = _team()
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))  # None until posted
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Drafts: what the person asked for, and the draft this one revises.
    instruction: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", name="fk_items_parent"))
    sources: Mapped[str | None] = mapped_column(Text)  # drafts: the messages drawn on
    # Drafts: the Slack ids of the people `sources` may name by display name, as ",U1,U2,"
    # ("forget me" clears the line of each of them; 0018 on).
    source_users: Mapped[str | None] = mapped_column(Text)
    # Drafts: the tokens the model used (ideas count theirs on the brainstorm).
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    requester: Mapped[str | None] = mapped_column(String(32))  # drafts: who asked (0014 on)
    # Feedback, polish: whose message it reworks (its words are theirs too; 0022 on).
    author: Mapped[str | None] = mapped_column(String(32))
    # A polished text shown privately first (an ephemeral message, which its
    # [Post in thread] button names), once posted: `ts` is then the posted message's.
    private_ts: Mapped[str | None] = mapped_column(String(32))
    # Until when one [Post in thread] click (in any process) holds the right to post it,
    # in seconds of the database's clock (`storage.drafts.DraftStore.claim_post`).
    post_until: Mapped[float | None] = mapped_column(Float)
    # Ideas: their normal form and content words as the rejection filter compares them,
    # worked out by `bot.llm.similarity.kept_words` when the idea is saved, under rule
    # `words_version` (another version is worked out again when next read); 0020 on.
    # Copies of the text: a purge or a forget clears them with it.
    idea_form: Mapped[str | None] = mapped_column(Text)
    idea_words: Mapped[str | None] = mapped_column(Text)
    words_version: Mapped[int | None] = mapped_column(SmallInteger)
    # Set when retention or "forget me" removed its texts; the row and its signals stay.
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ItemVector(Base):
    """An item's embedding by one embeddings model, worked out once and kept: the rejection
    filter compares new ideas with every rejected one by meaning, without asking the
    server again for texts it has seen. `vector` is little-endian float32, unit length."""

    __tablename__ = "item_vectors"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"),
                                         primary_key=True)
    model: Mapped[str] = mapped_column(String(128), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Signal(Base):
    """One person's one emoji on one item. Removing the reaction keeps the row, inactive.

    `event_us` is the Slack event time of the last change applied, so that a delivery
    older than the stored state (retries, out-of-order events) changes nothing.
    """

    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("item_id", "user_id", "emoji", name="uq_signals_item_user_emoji"),
        Index("ix_signals_item_active", "item_id", "active"),
        Index("ix_signals_added_at", "added_at"),  # a period's approvals, for its digest
        Index("ix_signals_user", "user_id"),  # a person's channels (App Home)
        # Standing rejections, for the filter that keeps rejected ideas out for good.
        Index("ix_signals_rejections", "item_id",
              postgresql_where=text("active AND polarity = -1"),
              sqlite_where=text("active = 1 AND polarity = -1")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    emoji: Mapped[str] = mapped_column(String(100))
    polarity: Mapped[int] = mapped_column(SmallInteger)  # +1 approve, -1 reject, 0 neutral
    # "reaction" (an emoji), or "button" (feedback buttons, "Draft this", "More like this")
    source: Mapped[str] = mapped_column(String(16), default="reaction",
                                        server_default="reaction")
    active: Mapped[bool] = mapped_column(default=True)
    added_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    event_us: Mapped[int] = mapped_column(BigInteger)


class Work(Base):
    """Work idealoop accepted (a brainstorm, a draft), kept until it is finished or settled.

    The row is written before Slack is answered, so an acknowledged request is never
    lost: `delivery_key` (unique) makes a retried delivery a no-op, and the process
    working on the row holds a lease (`owner`, `lease_until` in seconds of the
    database's clock) that it renews while alive. A lease that runs out means the
    process died: another one takes the work over and finishes or settles it.
    `state`: "pending" (not finished), "done", or "failed" (ended with `note` shown to
    the person).
    """

    __tablename__ = "work"
    __table_args__ = (
        UniqueConstraint("delivery_key", name="uq_work_delivery_key"),
        Index("ix_work_state_lease", "state", "lease_until"),
        # The daily limits (`bot.limits`): a person's and a channel's work of the day.
        Index("ix_work_person_day", "team", "user_id", "created_at"),
        Index("ix_work_channel_day", "team", "channel", "created_at"),
        Index("ix_work_team_day", "team", "created_at"),  # and the day's tokens
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "brainstorm" | "draft"
    delivery_key: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = _team()
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    request: Mapped[str] = mapped_column(Text)  # JSON: what was asked, as the runner needs it
    placeholder_ts: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tokens: Mapped[int | None] = mapped_column(Integer)  # LLM tokens its attempts spent


class DigestSubscription(Base):
    """A channel's digest schedule: `period` "day" or "week", local `at_time` "HH:MM" in
    `timezone`, on `weekday` (0 = Monday) for weekly digests."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (PrimaryKeyConstraint("team", "channel", name="pk_digest_subscriptions"),)

    team: Mapped[str] = _team()
    channel: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8))
    at_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    created_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # due slots from here
    # Set when Slack refused a digest for good (the bot left the channel, …); subscribing
    # again clears it.
    paused_reason: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DigestRun(Base):
    """The claim that decides who posts a channel's digest for one period, exactly once.

    `status`: "claimed" (a process holds it until `lease_until`, seconds of the
    database's clock, under `token`), "retry" (Slack was away: free again after
    `lease_until`), "posted", "empty" (nothing approved), or "refused" (Slack refused it
    for good; `note` says why). A claim whose lease ran out is taken over under a new
    token, and only the holder of the current token can end it.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (
        UniqueConstraint("team", "channel", "period_key", name="uq_digest_runs_channel_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = _team()
    channel: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    posted_ts: Mapped[str | None] = mapped_column(String(32))
    item_count: Mapped[int | None] = mapped_column(Integer)
    token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    note: Mapped[str | None] = mapped_column(Text)


class ChannelGuidance(Base):
    """A channel's standing instructions to the AI (`/brainstorm guide`): audience, tone,
    constraints. Every prompt of the channel carries them, fenced."""

    __tablename__ = "channel_guidance"
    __table_args__ = (PrimaryKeyConstraint("team", "channel", name="pk_channel_guidance"),)

    team: Mapped[str] = _team()
    channel: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MaintenanceRun(Base):
    """The claim that runs a daily job (retention) once a day across every replica: the
    first process to insert the row for (`job`, `day`) runs it, under a lease
    (`lease_until`, seconds of the database's clock) fenced by `attempts`. A claim given
    back, or whose holder died (its lease ran out), is taken over the same day; one that
    finished is not. (0019 on: before, a dead holder's day was skipped.)"""

    __tablename__ = "maintenance_runs"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, UTC
    owner: Mapped[str | None] = mapped_column(String(128))  # None: given back
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    affected: Mapped[int | None] = mapped_column(Integer)  # rows changed
    lease_until: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Decision(Base):
    """A decision a person recorded on an idea or a draft ("Decide…"): what was decided,
    who decided, who owns it and by when. `status` is "planned", then "done" or
    "dropped". Its owner is reminded on `remind_on` (the due date, a week later when
    snoozed): `reminded_on` is the date the last reminder was for, `reminder_channel` and
    `reminder_ts` the DM that carries its buttons; `announced_ts` its message in the
thread. `view_id` is the modal it was submitted
    from: a second delivery of the same submission stores nothing more (0021 on)."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("team", "view_id", name="uq_decisions_view"),
        Index("ix_decisions_owner", "team", "owner", "status"),  # "Your decisions"
        Index("ix_decisions_channel_created", "team", "channel", "created_at"),  # digests
        Index("ix_decisions_remind", "status", "remind_on"),  # reminders that come due
        Index("ix_decisions_remind_at", "status", "remind_at"),  # … in the owner's zone
        Index("ix_decisions_created", "created_at"),  # retention
        Index("ix_decisions_decider", "decider"),  # "forget me"
        Index("ix_decisions_unannounced", "announced_ts", "created_at"),  # the sweep
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = _team()
    channel: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    thread_ts: Mapped[str] = mapped_column(String(32))  # where it is announced
    view_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    decider: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(32))
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    closed_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    remind_on: Mapped[date] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    reminder_channel: Mapped[str | None] = mapped_column(String(32))
    reminder_ts: Mapped[str | None] = mapped_column(String(32))
    # The message that announced it in its thread; None until posted (the scheduler tick
    # hands unannounced decisions to durable work, so a crash cannot lose it).
    announced_ts: Mapped[str | None] = mapped_column(String(32))
    # Set when retention or "forget me" removed its text and note; the row stays.
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The owner's time zone (Slack's `tz`, or a fixed offset like "+05:30"), None when
    # Slack did not say; `remind_at` the instant the reminder of `remind_on` comes due
    # (09:00 there), None on rows stored before 0023 (09:00 in IDEALOOP_TIMEZONE).
    owner_tz: Mapped[str | None] = mapped_column(String(64))
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Its text is the item's words as "Decide…" prefilled them, unchanged: a copy, which
    # goes when the item's words go (forget, retention; 0024 on).
    copied: Mapped[bool] = mapped_column(default=False, server_default=false())


class Board(Base):
    """A channel's idea board: the channel canvas idealoop keeps with the week's top
    approved ideas and the open decisions (`/brainstorm board`, 0023 on). `canvas_id` is
    None until Slack created the canvas; `shown` is the fingerprint of what it shows
    now, so that it is edited only when that changed; `refused` says why Slack would
    not create or edit it (the channel has a canvas of its own, canvases are off)."""

    __tablename__ = "boards"
    __table_args__ = (UniqueConstraint("team", "channel", name="uq_boards_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = _team()
    channel: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    canvas_id: Mapped[str | None] = mapped_column(String(32))
    shown: Mapped[str | None] = mapped_column(String(64))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refused: Mapped[str | None] = mapped_column(String(64))
