"""How a channel's people judged an item, as SQL expressions shared by the queries that
steer brainstorms and the ones that report on them: distinct people count, not emoji."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func

from storage.models import Signal


def distinct_users(polarity: int) -> Any:
    """How many distinct people gave an item an active signal of `polarity`."""
    return func.count(func.distinct(case((Signal.polarity == polarity, Signal.user_id))))


def tally_columns() -> list[Any]:
    return [
        distinct_users(1).label("approvals"),
        distinct_users(-1).label("rejections"),
        distinct_users(0).label("neutral"),
    ]


def score_expr() -> Any:
    """Net score: distinct approvers minus distinct rejecters (active signals only)."""
    return distinct_users(1) - distinct_users(-1)
