"""The steps a brainstorm and a draft share: the first message the person watches
(posted once, found again on a later attempt), a final state shown (tried again while
Slack is away), and a stop shown (best effort).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from bot.errors import ChatError, ChatRefused, ChatUnavailable
from bot.work.chat import BrainstormChat, DraftChat
from bot.work.queue import LeaseLost, RetryLater, Work, WorkItem

log = logging.getLogger(__name__)
NOT_STARTED = "It could not be started where it was asked for."


class _Told(Protocol):
    def tell(self, work: WorkItem, text: str) -> None: ...


def shown(chat: _Told, item: WorkItem, step: Callable[[], None]) -> None:
    """Carry out a step that shows a final state. Slack away: try again later (on any
    attempt: this is what settles a placeholder). Refused for good: when the message is
    gone nobody waits there; otherwise the person is told why it could not be shown."""
    try:
        step()
    except ChatRefused as exc:
        log.info("a message could not be updated for good: %s", exc)
        if not exc.gone:
            chat.tell(item, exc.user_message)
    except ChatUnavailable as exc:
        raise RetryLater(f"could not show the outcome: {exc}") from exc


def settle_stopped(step: Callable[[], None]) -> None:
    """Show that a person stopped the work; best effort (the work is over either way,
    and the stop's listener settled the message too when this process was not running
    it)."""
    try:
        step()
    except ChatError as exc:
        log.warning("could not show that the work was stopped: %s", exc)


def started_message(chat: BrainstormChat | DraftChat, work: Work, item: WorkItem,
             find: Callable[[], str | None], post: Callable[[], str], *,
             last: bool) -> str | None:
    """The ts of the message the person watches while the work runs: recorded, found
    where an earlier attempt posted it (its answer lost), or posted now and recorded.
    None when the chat refuses it, or is still away on the last attempt: the person is
    told another way, and the work ends (nothing is waiting in the channel)."""
    ts = item.placeholder_ts
    try:
        if ts is None and item.attempts > 1:
            ts = find()
        if ts is None:
            work.confirm(item)
            ts = post()
            try:
                work.set_placeholder(item, ts)
            except LeaseLost:
                chat.retract(item, ts)  # the process that has the work now posts its own
                raise
        elif item.placeholder_ts is None:
            work.set_placeholder(item, ts)
    except ChatRefused as exc:
        chat.tell(item, exc.user_message)
        return None
    except ChatUnavailable as exc:
        if not last:
            raise RetryLater("the first message could not be posted") from exc
        chat.tell(item, exc.user_message)
        return None
    return ts
