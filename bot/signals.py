"""Reactions and button clicks as approval signals: which mean what, what an event changes.

Polarity is decided when the reaction arrives, from the configured emoji sets
(PRODUCT.md defaults; `IDEALOOP_APPROVE_EMOJI` / `IDEALOOP_REJECT_EMOJI`). Skin-tone
variants count as their base emoji, so `+1::skin-tone-3` approves like `+1`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Settings
from bot.errors import BadInput, NotYet
from bot.slack_values import is_slack_id, is_ts, ts_to_us
from storage.signals import ButtonClick, ReactionChange, SignalStore
from storage.signals import ItemRef as ItemRef  # for handlers/

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
    author: str | None = None  # who wrote the message reacted to (Slack's `item_user`)


MAX_EMOJI_CHARS = 100  # emoji names are short and printable


def check_reaction(event: ReactionEvent) -> None:
    """BadInput unless the event's fields are what Slack sends: bounded, printable, valid
    timestamps. Checked before a reaction joins a batch, so one bad event cannot sink it."""
    emoji = base_emoji(event.emoji)
    if not (is_slack_id(event.user) and is_slack_id(event.channel)):
        raise BadInput("a reaction from an unknown kind of user or channel id")
    if not (0 < len(emoji) <= MAX_EMOJI_CHARS and emoji.isprintable()
            and not any(char.isspace() for char in emoji)):
        raise BadInput("a reaction with an unusable emoji name")
    if not (is_ts(event.message_ts) and is_ts(event.event_ts)):
        raise BadInput("a reaction with an unusable timestamp")


def reaction_change(event: ReactionEvent, *, signals: SignalStore, settings: Settings,
                    bot_user_id: str | None,
                    work_pending: Callable[[str, str, str], bool]) -> ReactionChange | None:
    """The signal a reaction event stands for, or None when it is not one: a reaction by
    the bot itself, or on a message that is not an item (someone else's message, a
    brainstorm header). BadInput for an event Slack would never send.

    A reaction can reach us before the item it judges is recorded: an idea is posted,
    then its message is recorded, and a crash or a slow database can come between. So a
    reaction on one of the bot's messages that is not an item yet, in a channel where
    `work_pending` (other than the work this message heads), is NotYet: Slack is asked
    to deliver it again (three times, over about five minutes), by when the work has
    recorded it."""
    check_reaction(event)
    if bot_user_id and event.user == bot_user_id:
        return None
    item = signals.item_at(event.channel, event.message_ts)
    if item is None:
        by_bot = event.author is None or event.author == bot_user_id
        if by_bot and work_pending(signals.team, event.channel, event.message_ts):
            raise NotYet(f"a reaction on {event.message_ts}, not recorded yet")
        return None
    event_us = ts_to_us(event.event_ts)
    return ReactionChange(
        item_id=item.id,
        user_id=event.user,
        emoji=base_emoji(event.emoji),
        polarity=polarity(event.emoji, settings),
        active=event.added,
        event_us=event_us,
        at=datetime.fromtimestamp(event_us / 1_000_000, UTC),
    )


# Buttons on an item's message, as signals: (stored name, polarity, whether a second
# click takes it back, the buttons it turns off). 👍 and 👎 exclude each other; "Draft
# this", "More like this" and a decision recorded with "Decide…" are strong approvals
# that stay once given, until the same person clicks 👎 (a button judgement is one
# judgement per person).
BUTTONS: dict[str, tuple[str, int, bool, tuple[str, ...]]] = {
    "up": ("button:up", APPROVE, True, ("button:down",)),
    "down": ("button:down", REJECT, True, ("button:up", "button:draft", "button:more",
                                           "button:decide")),
    "draft": ("button:draft", APPROVE, False, ()),
    "decide": ("button:decide", APPROVE, False, ()),
    "more": ("button:more", APPROVE, False, ()),
}


def button_click(button: str, *, user: str, item: ItemRef, action_ts: str) -> ButtonClick:
    """The signal a click on one of `item`'s buttons stands for. BadInput for a button or
    a value Slack would never send."""
    if button not in BUTTONS:
        raise BadInput("a click on a button idealoop does not show")
    if not (is_slack_id(user) and is_ts(action_ts)):
        raise BadInput("a click without a usable user or time")
    name, sign, toggles, exclusive = BUTTONS[button]
    event_us = ts_to_us(action_ts)
    return ButtonClick(item_id=item.id, user_id=user, button=name, polarity=sign,
                       event_us=event_us, at=datetime.fromtimestamp(event_us / 1_000_000, UTC),
                       toggles=toggles, exclusive=exclusive)


class Judgements:
    """How people judge the posted items of one workspace: the item a reaction or a click
    is on, and clicks, stored at once (reactions are stored in groups by
    `bot.runtime.signal_writer.SignalWriter`)."""

    def __init__(self, signals: SignalStore) -> None:
        self.signals = signals

    def for_team(self, team: str) -> Judgements:
        """These judgements, on the items of workspace `team`."""
        return Judgements(self.signals.for_team(team))

    def item_at(self, channel: str, ts: str) -> ItemRef | None:
        """The item posted as message `ts` in `channel`, if the bot posted one there."""
        return self.signals.item_at(channel, ts)

    def click(self, click: ButtonClick) -> bool:
        """Store a click on an item's buttons; True when its signal is on afterwards."""
        return self.signals.click(click)

    def reaction(self, event: ReactionEvent, *, settings: Settings, bot_user_id: str | None,
                 work_pending: Callable[[str, str, str], bool]) -> ReactionChange | None:
        """The signal a reaction event stands for (see `reaction_change`)."""
        return reaction_change(event, signals=self.signals, settings=settings,
                               bot_user_id=bot_user_id, work_pending=work_pending)
