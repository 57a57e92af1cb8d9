"""The last net: what a listener did not handle is logged and told, where it can be.

With listeners run before the response (`process_before_response`), this answer is the
HTTP response itself:
- a click or a message shortcut whose work could not be stored: 503 (the person was
  told through its response URL, and clicks or uses the shortcut again);
- a slash command or another interaction: 200 with a short message only the person sees
  (Slack does not re-deliver commands, so this is where they hear it);
- an event: no 200, so that Slack delivers it again — 503 when the database could not
  store it (re-delivery will work once it is back) or what it refers to is not
  recorded yet (`NotYet`: its work is still running), 400 when the event is malformed,
  500 for anything unexpected.
Tracebacks go to the log only for the unexpected.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse

from bot.deps import Deps
from bot.errors import BadInput, DatabaseUnavailable, IdealoopError, NotSaved, NotYet, user_message

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        expected = isinstance(error, IdealoopError | DatabaseUnavailable)
        if expected:
            log.warning("request failed: %s: %s", type(error).__name__, error)
        else:
            log.error("unexpected error in a listener", exc_info=error)
        if body.get("type") in ("block_actions", "message_action") and isinstance(
                error, NotSaved | DatabaseUnavailable):
            return BoltResponse(status=503, body="")  # the person was told; they try again
        if body.get("command") or body.get("response_url"):
            return BoltResponse(status=200, body={"response_type": "ephemeral",
                                                  "text": user_message(error)})
        if isinstance(error, NotSaved | NotYet | DatabaseUnavailable):
            return BoltResponse(status=503, body="")
        return BoltResponse(status=400 if isinstance(error, BadInput) else 500, body="")

    app.error(on_error)
