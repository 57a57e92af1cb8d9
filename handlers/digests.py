"""Scheduled digests, posted: the period's best-approved ideas as one Slack message.

Which digests are due, what they hold and that each is posted once is decided in
`bot.digests` (`Digests.run`); this module is its chat surface: it renders a digest and
posts it with metadata naming its period, finds one posted earlier by that metadata, and
tells a subscriber when their digest is paused. `serve`'s scheduler tick
(`bot.runtime.scheduler`), `idealoop digest` and the emulator's `digest` and `advance`
all post through `DigestPoster`.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from datetime import datetime
from functools import cached_property

from slack_sdk import WebClient

from bot.decisions import StoredDecision
from bot.digests import DigestMessage, DigestOutcome, Digests, Slot
from bot.ranking import RankedItem
from bot.runtime.workspaces import Workspaces
from bot.slack_values import us_to_ts
from handlers.slack import blocks
from handlers.slack.api_errors import SLACK_FAILURES, failure_name, slack_call
from handlers.slack.lookups import UserNames, permalinks, posted_in_channel

log = logging.getLogger(__name__)
DIGEST_EVENT = "idealoop_digest"  # metadata naming the channel's period a digest is for
SEARCH_PAGES = 5  # a digest is looked for among its period's messages, the latest 1,000


class SlackDigestChat:
    """Slack as digests see it. The client may be given as a function, asked only once
    the digest is claimed: a digest someone else posts costs no token look-up here."""

    def __init__(self, client: WebClient | Callable[[], WebClient]) -> None:
        self._client = client

    @cached_property
    def client(self) -> WebClient:
        return self._client if isinstance(self._client, WebClient) else self._client()

    def find(self, slot: Slot) -> str | None:
        with slack_call("look for a posted digest"):
            posted = posted_in_channel(self.client, slot.channel, DIGEST_EVENT,
                                       pages=SEARCH_PAGES,
                                       oldest=us_to_ts(int(slot.start.timestamp() * 1e6)))
        return next((ts for payload, ts in posted if payload.get("period") == slot.key), None)

    def render(self, slot: Slot, items: list[RankedItem],
               decided: list[StoredDecision]) -> DigestMessage:
        text, digest_blocks = blocks.digest(items, slot.period, _label(slot),
                                            permalinks(self.client, items),
                                            UserNames(self.client), decided=decided)
        return DigestMessage(text, digest_blocks)

    def post(self, slot: Slot, message: DigestMessage) -> str:
        with slack_call(f"post digest {slot.key} in {slot.channel}"):
            posted = self.client.chat_postMessage(
                channel=slot.channel, text=message.text, blocks=message.blocks,
                unfurl_links=False,
                metadata={"event_type": DIGEST_EVENT, "event_payload": {"period": slot.key}})
        return str(posted["ts"])

    def tell(self, user: str, text: str) -> None:
        """A direct message (the app's Messages tab): the channel may be unreachable."""
        try:
            self.client.chat_postMessage(channel=user, text=text)
        except SLACK_FAILURES as exc:
            log.warning("could not tell %s about their digest: %s", user, failure_name(exc))


class DigestPoster:
    """Posts digests of every workspace, each with its own workspace's client."""

    def __init__(self, digests: Digests, workspaces: Workspaces) -> None:
        self.digests = digests
        self.workspaces = workspaces

    def post_due(self, now: datetime | None = None) -> list[DigestOutcome]:
        """Post every digest that is due now and not yet taken by anyone. One channel's
        failure does not hold up the others' digests."""
        outcomes = []
        for slot in self.digests.due_slots(now):
            try:
                outcomes.append(self.post(slot))
            except Exception:  # the database, or a bug: this channel waits for its lease
                log.exception("digest %s for %s failed; it is tried again when its claim "
                              "runs out", slot.key, slot.channel)
                outcomes.append(DigestOutcome(slot.channel, slot.key, "failed"))
        return outcomes

    def post(self, slot: Slot) -> DigestOutcome:
        """Post the slot's digest once (`Digests.run` decides whether and records it)."""
        chat = SlackDigestChat(lambda: self.workspaces.client_for(slot.team))
        return self.digests.run(slot, chat)  # NotInstalled: refused for the app, retried


def _label(slot: Slot) -> str:
    """The period the digest covers, in the subscription's time zone."""
    tz = zoneinfo.ZoneInfo(slot.timezone)
    start, end = slot.start.astimezone(tz), slot.due.astimezone(tz)
    if slot.period == "day":
        return f"{start:%a %d %b %H:%M} – {end:%a %d %b %H:%M} ({slot.timezone})"
    return f"week of {start:%d %b} – {end:%d %b %Y} ({slot.timezone})"
