"""Once-only deliveries: a retried or duplicated Slack request has no second effect.

Slack retries an event it thinks we missed (about 0 s, 1 min and 5 min later) and
may deliver one event to two processes behind a load balancer. The first process to
claim the delivery's key in the shared database handles it; every other delivery is
acknowledged and dropped. A retry is never dropped just for being a retry: if it is
the first delivery this database has seen, it is handled.

The claim is made by the listeners that have effects, after the ack, so that no
acknowledgement ever waits on the database. Reactions need no claim: their writes are
idempotent and ordered by the event's own time.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.deps import Deps

log = logging.getLogger(__name__)


def delivery_key(body: dict[str, Any]) -> str | None:
    """A key that is the same for every delivery of one Slack request."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    if body.get("type") in ("block_actions", "view_submission") and body.get("trigger_id"):
        return f"action:{body['trigger_id']}"
    return None


def first_delivery(body: dict[str, Any], deps: Deps) -> bool:
    """True for the first delivery of this request anywhere; False for repeats."""
    key = delivery_key(body)
    if key is None or deps.store.claim_delivery(key):
        return True
    log.info("ignoring a repeated delivery of %s", key)
    return False
