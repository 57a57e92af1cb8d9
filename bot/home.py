"""What a person's App Home shows: for each channel they use idealoop in, how its people
judge the AI, its best ideas this week, its digest and its guidance. Slack-free."""

from __future__ import annotations

from dataclasses import dataclass

from bot import ranking
from bot.digests import Digests, describe
from storage.reports import RankedItem
from storage.steering import Guidance
from storage.stores import Stores

TOP_IDEAS = 3


@dataclass(frozen=True)
class ChannelCard:
    channel: str
    approved: int  # ideas with more approvals than rejections
    rejected: int
    judged: int
    posted: int
    top: list[RankedItem]  # this week's best-approved
    digest: str  # the schedule, in words
    guidance: Guidance | None

    @property
    def acceptance(self) -> float | None:
        """Approved among decided ideas; None while none is decided."""
        decided = self.approved + self.rejected
        return self.approved / decided if decided else None


def home_cards(stores: Stores, digests: Digests, user: str) -> list[ChannelCard]:
    """A card per channel `user` used idealoop in, most recently used first."""
    cards = []
    for channel in stores.reports.channels_of(user):
        ideas = stores.reports.channel_stats(channel).kinds.get("idea")
        cards.append(ChannelCard(
            channel=channel,
            approved=ideas.approved if ideas else 0, rejected=ideas.rejected if ideas else 0,
            judged=ideas.judged if ideas else 0, posted=ideas.items if ideas else 0,
            top=ranking.top(stores, channel, "week", limit=TOP_IDEAS, clock=stores.clock),
            digest=describe(digests.digest_store.subscription(channel)),
            guidance=stores.steering.guidance(channel)))
    return cards


def may_change(stores: Stores, user: str, channel: str) -> bool:
    """Home's buttons change only channels the person uses idealoop in."""
    return channel in stores.reports.channels_of(user, limit=1000)
