"""Look-ups in Slack that several surfaces share: people's names and message links.

Names let AI prompts and digests name people without mentioning (and so notifying)
them. A failed look-up never fails the answer it decorates."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from storage.repository import RankedItem

log = logging.getLogger(__name__)


class UserNames:
    """`users.info` with a per-instance cache; falls back to the id if Slack won't say."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._names: dict[str, str] = {}

    def __call__(self, user: str | None) -> str:
        if not user:
            return "someone"
        if user not in self._names:
            try:
                info = self.client.users_info(user=user)["user"]
                profile = info.get("profile") or {}
                self._names[user] = (profile.get("display_name") or info.get("real_name")
                                     or info.get("name") or user)
            except SlackApiError:
                self._names[user] = user
        return self._names[user]


def permalinks(client: WebClient, items: Iterable[RankedItem]) -> dict[int, str]:
    """Links to each item's message, by item id; items without one are left out."""
    links: dict[int, str] = {}
    for item in items:
        try:
            links[item.id] = client.chat_getPermalink(channel=item.channel,
                                                      message_ts=item.ts)["permalink"]
        except SlackApiError as exc:
            log.info("no permalink for item %s: %s", item.id, exc.response.get("error"))
    return links
