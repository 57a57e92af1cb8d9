"""The last net: anything a listener did not handle is logged and told to the person."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

from bot.deps import Deps
from bot.errors import IdealoopError, user_message

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        message = user_message(error)
        if isinstance(error, IdealoopError):
            log.warning("request failed: %s", error)
        else:
            log.error("unexpected error in a listener", exc_info=error)
        if body.get("command") or body.get("response_url"):
            # A slash command or an interaction: show the message to the person who asked.
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": message})
        return None

    app.error(on_error)
