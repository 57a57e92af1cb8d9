"""Reactions as approval signals: which emoji mean what, and what an event changes.

Polarity is decided when the reaction arrives, from the configured emoji sets
(PRODUCT.md defaults; `IDEALOOP_APPROVE_EMOJI` / `IDEALOOP_REJECT_EMOJI`). Skin-tone
variants count as their base emoji, so `+1::skin-tone-3` approves like `+1`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.message_ts import ts_to_us
from storage.repository import ReactionChange, Store

APPROVE, REJECT, NEUTRAL = 1, -1, 0


def base_emoji(name: str) -> str:
    """`+1::skin-tone-3` → `+1`; names are compared without colons."""
    return name.strip(":").split("::", 1)[0]


def polarity(name: str, settings: Settings) -> int:
    emoji = base_emoji(name)
    if emoji in settings.approve_emoji:
        return APPROVE
    if emoji in settings.reject_emoji:
        return REJECT
    return NEUTRAL


@dataclass(frozen=True)
class ReactionEvent:
    """The parts of a `reaction_added` / `reaction_removed` event that matter here."""

    added: bool
    user: str
    emoji: str
    channel: str
    message_ts: str
    event_ts: str


def record_reaction(event: ReactionEvent, *, store: Store,
                    write: Callable[[ReactionChange], None], settings: Settings,
                    bot_user_id: str | None) -> bool:
    """Queue the reaction as a signal if it is on an item the bot posted.

    Returns True when handed to `write`. Reactions by the bot itself and on messages that are not
    items (someone else's message, a brainstorm header) are ignored.
    """
    if bot_user_id and event.user == bot_user_id:
        return False
    item = store.item_at(event.channel, event.message_ts)
    if item is None:
        return False
    event_us = ts_to_us(event.event_ts)
    write(
        ReactionChange(
            item_id=item.id,
            user_id=event.user,
            emoji=base_emoji(event.emoji),
            polarity=polarity(event.emoji, settings),
            active=event.added,
            event_us=event_us,
            at=datetime.fromtimestamp(event_us / 1_000_000, UTC),
        )
    )
    return True
