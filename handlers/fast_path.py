"""What the fast paths share (`handlers.reactions.fast_path`, `handlers.actions.fast_path`):
reading a payload's ids as Bolt reads them, and answering inside the request's log scope
with Bolt's error answers, so that a fast path differs from Bolt only in what it skips."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.request.internals import (
    extract_channel_id,
    extract_is_enterprise_install,
    extract_team_id,
)

from bot.log_context import log_scope
from bot.runtime.entry import UNREADABLE
from handlers.errors import error_response

#: The bot user of a workspace, as Bolt would authorize a request from it (by team id);
#: None when Bolt should decide (not installed, not authorized yet, the store away).
BotUser = Callable[[str | None], str | None]


def bolt_ids(body: dict[str, Any]) -> tuple[str | None, str | None] | None:
    """The payload's workspace and channel, read by Bolt's own functions; None for what
    a fast path leaves to Bolt: an SSL check, an org-wide install, a payload Bolt cannot
    read (Bolt's to refuse)."""
    try:
        if "ssl_check" in body or extract_is_enterprise_install(body):
            return None
        return extract_team_id(body), extract_channel_id(body)
    except UNREADABLE:
        return None


def answered(body: dict[str, Any], team: str | None, channel: str | None,
             listener: Callable[[], BoltResponse]) -> BoltResponse:
    """`listener()`'s answer, logged under the request's workspace and channel as
    `bot.app.ScopedApp.dispatch` logs Bolt's; what it raises is answered as Bolt's
    error handler answers it (`handlers.errors.error_response`)."""
    with log_scope(team=str(team) if team else None,
                   channel=str(channel) if channel else None):
        try:
            return listener()
        except Exception as error:  # as Bolt's listener runner hands it on
            return error_response(error, body)
