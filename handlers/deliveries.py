"""Once-only deliveries: a retried or duplicated Slack request has no second effect.

Slack retries an event it thinks we missed (about 0 s, 1 min and 5 min later) and
may deliver one event to two processes behind a load balancer. The first process to
claim the delivery's key in the shared database handles it; every other delivery is
acknowledged and dropped. A retry is never dropped just for being a retry: if it is
the first delivery this database has seen, it is handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.deps import Deps

log = logging.getLogger(__name__)


# Events whose handling is already idempotent and order-aware (signals are written with
# the event's own time, and an older write never wins): claiming them would only add a
# database write before the ack of the most frequent request idealoop gets.
SELF_DEDUPLICATING_EVENTS = frozenset({"reaction_added", "reaction_removed"})


def delivery_key(body: dict[str, Any]) -> str | None:
    """A key that is the same for every delivery of one Slack request (None: no claim)."""
    if (body.get("event") or {}).get("type") in SELF_DEDUPLICATING_EVENTS:
        return None
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    if body.get("type") in ("block_actions", "view_submission") and body.get("trigger_id"):
        return f"action:{body['trigger_id']}"
    return None


def register(app: App, deps: Deps) -> None:
    def once_only(req: BoltRequest, body: dict[str, Any], next: Callable[[], BoltResponse]) \
            -> BoltResponse | None:
        key = delivery_key(body)
        if key is None or deps.store.claim_delivery(key):
            return next()
        log.info("ignoring a repeated delivery of %s (retry %s)", key,
                 req.headers.get("x-slack-retry-num", ["-"])[0])
        return BoltResponse(status=200, body="")

    app.middleware(once_only)
