"""Posting digests, and the APScheduler tick that does it inside `idealoop serve`.

APScheduler only wakes the process up (every minute, in memory, one job store per
process, as its FAQ asks); what makes a digest happen exactly once is the claim in the
database (`Digests.claim`), so any number of `serve` processes and a manual
`idealoop digest` can run at the same moment.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digests import Digests, Slot
from handlers import blocks
from handlers.lookups import UserNames, permalinks
from storage.repository import Store

log = logging.getLogger(__name__)
TICK_SECONDS = 60
DELIVERY_MEMORY = timedelta(days=1)  # Slack's last retry comes about 5 minutes after


@dataclass(frozen=True)
class DigestOutcome:
    channel: str
    key: str
    status: str  # "posted" | "empty" | "taken" (another process has it) | "failed"
    items: int = 0
    ts: str | None = None


class DigestPoster:
    def __init__(self, digests: Digests, client: WebClient, *, timezone: str) -> None:
        self.digests = digests
        self.client = client
        self.timezone = timezone

    def post_due(self, now: datetime | None = None) -> list[DigestOutcome]:
        """Post every digest that is due now and not yet taken by anyone."""
        return [self.post(slot) for slot in self.digests.due_slots(now)]

    def post(self, slot: Slot) -> DigestOutcome:
        """Claim the slot and post it; a slot someone else claimed is left alone."""
        run_id = self.digests.claim(slot)
        if run_id is None:
            return DigestOutcome(slot.channel, slot.key, "taken")
        items = self.digests.content(slot)
        if not items:
            log.info("digest %s for %s: nothing approved in the period; nothing posted",
                     slot.key, slot.channel)
            self.digests.finish(run_id)
            return DigestOutcome(slot.channel, slot.key, "empty")
        text, digest_blocks = blocks.digest(items, slot.period, self._label(slot),
                                            permalinks(self.client, items),
                                            UserNames(self.client))
        try:
            posted = self.client.chat_postMessage(channel=slot.channel, text=text,
                                                  blocks=digest_blocks, unfurl_links=False)
        except SlackApiError as exc:
            log.warning("digest %s for %s not posted: %s; will retry", slot.key, slot.channel,
                        exc.response.get("error"))
            self.digests.release(run_id)
            return DigestOutcome(slot.channel, slot.key, "failed")
        self.digests.finish(run_id, posted_ts=posted["ts"], items=len(items))
        log.info("digest %s posted in %s with %d ideas", slot.key, slot.channel, len(items))
        return DigestOutcome(slot.channel, slot.key, "posted", len(items), posted["ts"])

    def _label(self, slot: Slot) -> str:
        tz = zoneinfo.ZoneInfo(self.timezone)
        start, end = slot.start.astimezone(tz), slot.due.astimezone(tz)
        if slot.period == "day":
            return f"{start:%a %d %b %H:%M} – {end:%a %d %b %H:%M} ({self.timezone})"
        return f"week of {start:%d %b} – {end:%d %b %Y}"


def start_scheduler(poster: DigestPoster, store: Store,
                    clock: Callable[[], datetime] = lambda: datetime.now(UTC)) \
        -> BackgroundScheduler:
    """A background scheduler that checks for due digests every minute, and once an hour
    forgets Slack deliveries too old to be retried."""

    def tick() -> None:
        try:
            poster.post_due(clock())
        except Exception:  # one bad tick must not stop the next ones
            log.exception("digest tick failed")

    def prune() -> None:
        try:
            removed = store.prune_deliveries(DELIVERY_MEMORY)
            log.debug("forgot %d old deliveries", removed)
        except Exception:
            log.exception("pruning deliveries failed")

    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(tick, IntervalTrigger(seconds=TICK_SECONDS), id="digests",
                      coalesce=True, max_instances=1, misfire_grace_time=TICK_SECONDS,
                      next_run_time=datetime.now(UTC))
    scheduler.add_job(prune, IntervalTrigger(hours=1), id="prune-deliveries", coalesce=True,
                      max_instances=1, next_run_time=datetime.now(UTC))
    scheduler.start()
    return scheduler
