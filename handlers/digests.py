"""Scheduled digests, posted: the period's best-approved ideas as one Slack message.

Which digests are due and what they hold is decided in `bot.digests`; this module claims
a slot, renders it and posts it. `serve`'s scheduler tick (`bot.runtime.scheduler`),
`idealoop digest` and the emulator's `digest` / `advance` all post through `DigestPoster`.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digests import Digests, Slot
from handlers.slack import blocks
from handlers.slack.lookups import UserNames, permalinks

log = logging.getLogger(__name__)


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
