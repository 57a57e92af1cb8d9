"""Scheduled digests, posted: the period's best-approved ideas as one Slack message.

Which digests are due, what they hold and that each is posted once is decided in
`bot.digests` (`Digests.run`); this module renders a digest and posts it. `serve`'s
scheduler tick (`bot.runtime.scheduler`), `idealoop digest` and the emulator's `digest`
and `advance` all post through `DigestPoster`.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digests import DigestOutcome, Digests, Slot
from handlers.slack import blocks
from handlers.slack.lookups import UserNames, permalinks
from storage.repository import RankedItem

log = logging.getLogger(__name__)


class DigestPoster:
    def __init__(self, digests: Digests, client: WebClient, *, timezone: str) -> None:
        self.digests = digests
        self.client = client
        self.timezone = timezone

    def post_due(self, now: datetime | None = None) -> list[DigestOutcome]:
        """Post every digest that is due now and not yet taken by anyone."""
        return [self.post(slot) for slot in self.digests.due_slots(now)]

    def post(self, slot: Slot) -> DigestOutcome:
        """Post the slot's digest once (`Digests.run` decides whether and records it)."""
        return self.digests.run(slot, self._send)

    def _send(self, slot: Slot, items: list[RankedItem]) -> str | None:
        """Render the digest and post it; its ts, or None when Slack refused it."""
        text, digest_blocks = blocks.digest(items, slot.period, self._label(slot),
                                            permalinks(self.client, items),
                                            UserNames(self.client))
        try:
            posted = self.client.chat_postMessage(channel=slot.channel, text=text,
                                                  blocks=digest_blocks, unfurl_links=False)
        except SlackApiError as exc:
            log.warning("digest %s for %s not posted: %s; will retry", slot.key, slot.channel,
                        exc.response.get("error"))
            return None
        return str(posted["ts"])

    def _label(self, slot: Slot) -> str:
        tz = zoneinfo.ZoneInfo(self.timezone)
        start, end = slot.start.astimezone(tz), slot.due.astimezone(tz)
        if slot.period == "day":
            return f"{start:%a %d %b %H:%M} – {end:%a %d %b %H:%M} ({self.timezone})"
        return f"week of {start:%d %b} – {end:%d %b %Y}"
