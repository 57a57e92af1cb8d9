"""Reports: what people read back about a channel. Every SQL statement of rankings
(`/brainstorm top`, digests), stats, a person's channels (App Home) and the export.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, select, union_all
from sqlalchemy.orm import aliased

from storage.base import Repository, as_utc
from storage.models import (
    Brainstorm,
    ChannelGuidance,
    Decision,
    DigestSubscription,
    Item,
    Signal,
)
from storage.scores import distinct_users, score_expr, tally_columns


@dataclass(frozen=True)
class RankedItem:
    """An item in a ranking (top, digests), with who approved it."""

    id: int
    kind: str
    text: str
    channel: str
    ts: str
    topic: str | None
    score: int
    approvals: int
    rejections: int
    approvers: list[str]


@dataclass(frozen=True)
class KindStats:
    items: int
    judged: int  # items with at least one active signal
    approved: int  # items whose net score is positive
    rejected: int  # items whose net score is negative


@dataclass(frozen=True)
class ChannelStats:
    kinds: dict[str, KindStats]
    people: int  # distinct people whose signals are active

EXPORT_FIELDS = (
    "id", "kind", "channel", "ts", "thread_ts", "position", "text", "topic", "brainstorm_id",
    "model", "approvals", "rejections", "neutral", "score", "created_at", "purged", "team",
)


# `idealoop export --decisions`: one row per decision.
DECISION_FIELDS = (
    "id", "team", "channel", "item_id", "item_kind", "thread_ts", "text", "note", "decider",
    "owner", "due", "status", "closed_by", "created_at", "updated_at", "reminded_on",
    "purged",
)


class ReportStore(Repository):
    """Rankings, stats and the export: read-only views of what a channel judged."""

    def top_items(self, channel: str, *, since: datetime | None = None,
                  until: datetime | None = None, limit: int = 10) -> list[RankedItem]:
        """The channel's best-approved items created in [since, until).

        Ranked by score (distinct approvers − distinct rejecters), then approvals, then
        recency; only items with a positive score. Approvers come back as user ids.
        """
        return self._ranked(top_items_query(self.team, channel, since, until, limit))

    def approved_between(self, channel: str, *, since: datetime, until: datetime,
                         limit: int = 10) -> list[RankedItem]:
        """The channel's items approved in [since, until) — an approval given then and
        still standing — ranked as `top_items` ranks them (digests: an idea approved
        long after it was proposed is in the digest of the period it was approved in)."""
        return self._ranked(top_items_query(self.team, channel, None, None, limit,
                                            approved_in=(since, until)))

    def _ranked(self, query: Any) -> list[RankedItem]:
        with self._read() as conn:
            rows = conn.execute(query).all()
            ids = [row.id for row in rows]
            approvers: dict[int, list[str]] = {item_id: [] for item_id in ids}
            if ids:
                for item_id, user in conn.execute(
                    select(Signal.item_id, Signal.user_id)
                    .where(Signal.item_id.in_(ids), Signal.active, Signal.polarity == 1)
                    .group_by(Signal.item_id, Signal.user_id)
                    .order_by(Signal.item_id, func.min(Signal.added_at))
                ):
                    approvers[item_id].append(user)
        return [
            RankedItem(id=row.id, kind=row.kind, text=row.text, channel=row.channel, ts=row.ts,
                       topic=row.topic, score=row.score, approvals=row.approvals,
                       rejections=row.rejections, approvers=approvers[row.id])
            for row in rows
        ]

    def channels_of(self, user: str, limit: int = 10) -> list[str]:
        """The channels where `user` used idealoop (brainstormed, judged an item, set
        guidance or a digest), the most recently used first: their App Home."""
        used = union_all(
            select(Brainstorm.channel.label("channel"), Brainstorm.created_at.label("at"))
            .where(Brainstorm.team == self.team, Brainstorm.requester == user),
            select(Item.channel, Signal.added_at).join(Item, Item.id == Signal.item_id)
            .where(Item.team == self.team, Signal.user_id == user),
            select(ChannelGuidance.channel, ChannelGuidance.set_at)
            .where(ChannelGuidance.team == self.team, ChannelGuidance.set_by == user),
            select(DigestSubscription.channel, DigestSubscription.updated_at)
            .where(DigestSubscription.team == self.team, DigestSubscription.created_by == user),
        ).subquery()
        latest = func.max(used.c.at)
        query = (select(used.c.channel).where(~used.c.channel.startswith("D"))  # not DMs
                 .group_by(used.c.channel)
                 .order_by(latest.desc().nulls_last(), used.c.channel).limit(limit))
        with self._read() as conn:
            return list(conn.execute(query).scalars())

    def channel_stats(self, channel: str) -> ChannelStats:
        """How the channel's people judged what the AI posted there, per kind of item."""
        approvals, rejections = distinct_users(1), distinct_users(-1)
        tallies = (
            select(Signal.item_id, approvals.label("approvals"),
                   rejections.label("rejections"))
            .where(Signal.active).group_by(Signal.item_id).subquery()
        )
        net = tallies.c.approvals - tallies.c.rejections
        query = (
            select(Item.kind, func.count(Item.id).label("items"),
                   func.count(tallies.c.item_id).label("judged"),
                   func.coalesce(func.sum(case((net > 0, 1), else_=0)), 0).label("approved"),
                   func.coalesce(func.sum(case((net < 0, 1), else_=0)), 0).label("rejected"))
            .outerjoin(tallies, tallies.c.item_id == Item.id)
            .where(self._in(Item, channel), Item.ts.is_not(None))
            .group_by(Item.kind)
        )
        people = (
            select(func.count(func.distinct(Signal.user_id)))
            .join(Item, Item.id == Signal.item_id)
            .where(self._in(Item, channel), Signal.active)
        )
        with self._read() as conn:
            kinds = {row.kind: KindStats(row.items, row.judged, row.approved, row.rejected)
                     for row in conn.execute(query)}
            return ChannelStats(kinds=kinds, people=conn.execute(people).scalar_one())

    def knows_channel(self, channel: str, team: str | None = None) -> bool:
        """Whether idealoop has a record of `channel` (an idea, draft, schedule or
        guidance there), in workspace `team` or, when None, in any: an operator's
        `--channel` that matches nothing is a mistake to say, not an empty answer."""
        def scoped(table: Any) -> Any:
            query = select(table.channel).where(table.channel == channel)
            return query.where(table.team == team) if team is not None else query

        query = union_all(scoped(Item), scoped(DigestSubscription),
                          scoped(ChannelGuidance)).limit(1)
        with self._read() as conn:
            return conn.execute(query).first() is not None

    def export_rows(self, channel: str | None = None,
                    team: str | None = None) -> Generator[dict[str, Any]]:
        """One row per posted item with its tallies, oldest first, streamed: of every
        workspace, or of `team` (an operator's export, whatever this store's team)."""
        tallies = (
            select(Signal.item_id, *tally_columns())
            .where(Signal.active)
            .group_by(Signal.item_id)
            .subquery()
        )
        query = (
            select(
                Item.id, Item.kind, Item.team, Item.channel, Item.ts, Item.thread_ts,
                Item.position,
                Item.text, Brainstorm.topic, Item.brainstorm_id, Item.model, Item.created_at,
                Item.purged_at.is_not(None).label("purged"),
                func.coalesce(tallies.c.approvals, 0).label("approvals"),
                func.coalesce(tallies.c.rejections, 0).label("rejections"),
                func.coalesce(tallies.c.neutral, 0).label("neutral"),
            )
            .outerjoin(Brainstorm, Brainstorm.id == Item.brainstorm_id)
            .outerjoin(tallies, tallies.c.item_id == Item.id)
            .where(Item.ts.is_not(None))
            .order_by(Item.created_at, Item.id)
        )
        if team is not None:
            query = query.where(Item.team == team)
        if channel:
            query = query.where(Item.channel == channel)
        # The result is closed with the connection even when a caller stops early
        # (`idealoop export | head`), so no server-side cursor is left open.
        with self.engine.connect() as conn, \
                conn.execution_options(stream_results=True, yield_per=500).execute(query) \
                as result:
            for row in result:
                out = dict(row._mapping)
                out["score"] = out["approvals"] - out["rejections"]
                out["created_at"] = as_utc(out["created_at"]).isoformat()
                out["purged"] = bool(out["purged"])
                yield {name: out[name] for name in EXPORT_FIELDS}

    def decision_rows(self, channel: str | None = None,
                      team: str | None = None) -> Generator[dict[str, Any]]:
        """One row per decision, oldest first: of every workspace, or of `team`."""
        query = (select(Decision.id, Decision.team, Decision.channel, Decision.item_id,
                        Item.kind.label("item_kind"), Decision.thread_ts, Decision.text,
                        Decision.note, Decision.decider, Decision.owner, Decision.due,
                        Decision.status, Decision.closed_by, Decision.created_at,
                        Decision.updated_at, Decision.reminded_on,
                        Decision.purged_at.is_not(None).label("purged"))
                 .join(Item, Item.id == Decision.item_id)
                 .order_by(Decision.created_at, Decision.id))
        if team is not None:
            query = query.where(Decision.team == team)
        if channel:
            query = query.where(Decision.channel == channel)
        with self._read() as conn:
            rows = conn.execute(query).all()
        for row in rows:
            out = dict(row._mapping)
            for name in ("created_at", "updated_at"):
                at = out[name]
                out[name] = as_utc(at).isoformat()
            for name in ("due", "reminded_on"):
                out[name] = out[name].isoformat() if out[name] is not None else None
            out["purged"] = bool(out["purged"])
            yield {name: out[name] for name in DECISION_FIELDS}


def top_items_query(team: str, channel: str, since: datetime | None, until: datetime | None,
                    limit: int, *,
                    approved_in: tuple[datetime, datetime] | None = None) -> Any:
    """The best-approved items of a channel: created in [since, until) (`/brainstorm
    top`), or with an approval given in `approved_in` (digests)."""
    score = score_expr()
    approvals = distinct_users(1)
    query = (
        select(Item.id, Item.kind, Item.text, Item.channel, Item.ts, Item.created_at,
               Brainstorm.topic, score.label("score"), approvals.label("approvals"),
               distinct_users(-1).label("rejections"))
        .join(Signal, and_(Signal.item_id == Item.id, Signal.active))
        .outerjoin(Brainstorm, Brainstorm.id == Item.brainstorm_id)
        .where(Item.team == team, Item.channel == channel, Item.ts.is_not(None),
               Item.purged_at.is_(None))
        .group_by(Item.id, Item.kind, Item.text, Item.channel, Item.ts, Item.created_at,
                  Brainstorm.topic)
        .having(score > 0)
        .order_by(score.desc(), approvals.desc(), Item.created_at.desc(), Item.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(Item.created_at >= since)
    if until is not None:
        query = query.where(Item.created_at < until)
    if approved_in is not None:
        query = query.where(Item.id.in_(_newly_approved(*approved_in)))
    return query


def _newly_approved(start: datetime, end: datetime) -> Any:
    """Ids of the items someone approved in [start, end) who had not already approved
    them before (with another emoji, still standing): a second approving emoji does not
    bring an item back into a later digest. An approval withdrawn and given again is
    new, and does."""
    earlier = aliased(Signal)
    return select(Signal.item_id).where(
        Signal.active, Signal.polarity == 1, Signal.added_at >= start, Signal.added_at < end,
        ~exists().where(earlier.item_id == Signal.item_id, earlier.user_id == Signal.user_id,
                        earlier.active, earlier.polarity == 1, earlier.added_at < start))


