"""Look-ups in Slack that several surfaces share: people's names, message links, and the
messages idealoop already posted in a thread.

Names let AI prompts and digests name people without mentioning (and so notifying)
them. A failed look-up never fails the answer it decorates. Messages idealoop posts
carry metadata saying what they show (`posted_in_thread`), so an attempt resumed after
a crash recognises what an earlier one posted without having recorded it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.decisions import owner_zone
from bot.ranking import RankedItem
from handlers.slack.api_errors import SLACK_FAILURES, failure_name

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
            except SLACK_FAILURES as exc:
                log.info("no name for %s: %s", user, failure_name(exc))
                self._names[user] = user
        return self._names[user]


BEFORE_ACK_SECONDS = 1  # a look-up before an answer Slack waits 3 s for; WebClient: whole s


def before_ack(client: WebClient, seconds: int = BEFORE_ACK_SECONDS) -> WebClient:
    """`client`'s workspace on a client of its own for one short try: a `seconds`
    timeout (by default `BEFORE_ACK_SECONDS`, for a look-up before an ack) and no retries
    (no waiting out a rate limit)."""
    return WebClient(token=client.token, base_url=client.base_url,
                     timeout=seconds, retry_handlers=[])


def user_zone(client: WebClient, user: str, *,
              seconds: int = BEFORE_ACK_SECONDS) -> str | None:
    """`user`'s time zone as Slack's `users.info` gives it (`bot.decisions.owner_zone`):
    one short try on a client of its own (`before_ack`: no waiting out a rate limit; by
    default it comes before a modal's ack, so `BEFORE_ACK_SECONDS`); None when Slack does
    not say."""
    try:
        info = before_ack(client, seconds).users_info(user=user)["user"] or {}
    except SLACK_FAILURES as exc:
        log.info("no time zone for %s: %s", user, failure_name(exc))
        return None
    return owner_zone(info.get("tz"), info.get("tz_offset"))


def permalinks(client: WebClient, items: Iterable[RankedItem]) -> dict[int, str]:
    """Links to each item's message, by item id; items without one are left out. Slack
    unreachable leaves out the rest too (each would wait for its own timeout)."""
    links: dict[int, str] = {}
    for item in items:
        try:
            links[item.id] = client.chat_getPermalink(channel=item.channel,
                                                      message_ts=item.ts)["permalink"]
        except SLACK_FAILURES as exc:
            log.info("no permalink for item %s: %s", item.id, failure_name(exc))
            if not isinstance(exc, SlackApiError):
                break
    return links


WORK_EVENT = "idealoop_work"  # metadata of the first message a piece of work posts
Posted = list[tuple[dict[str, Any], str]]  # (metadata payload, ts) of each message


def work_metadata(work_id: int) -> dict[str, Any]:
    """Metadata for the header or placeholder of work `work_id`, to find it again."""
    return {"event_type": WORK_EVENT, "event_payload": {"work_id": work_id}}


def retract(client: WebClient, channel: str, ts: str) -> None:
    """Delete a message idealoop posted; best effort (a failure is logged, not raised)."""
    try:
        client.chat_delete(channel=channel, ts=ts)
    except SLACK_FAILURES as exc:
        log.warning("could not delete a message: %s", failure_name(exc))


def posted_in_thread(client: WebClient, channel: str, thread_ts: str,
                     event_type: str) -> Posted:
    """Each message in the thread posted with metadata of `event_type`."""
    found: Posted = []
    cursor: str | None = None
    while True:
        page = client.conversations_replies(channel=channel, ts=thread_ts, cursor=cursor,
                                            include_all_metadata=True, limit=200)
        found += _with_event(page, event_type)
        cursor = _next_cursor(page)
        if not cursor:
            return found


def thread_messages(client: WebClient, channel: str,
                    thread_ts: str) -> Iterator[dict[str, Any]]:
    """Every message of the thread, oldest first, with its metadata."""
    cursor: str | None = None
    while True:
        page = client.conversations_replies(channel=channel, ts=thread_ts, cursor=cursor,
                                            include_all_metadata=True, limit=200)
        yield from page.get("messages") or []
        cursor = _next_cursor(page)
        if not cursor:
            return


def posted_in_channel(client: WebClient, channel: str, event_type: str, *,
                      pages: int, oldest: str | None = None) -> Posted:
    """Each of the channel's latest messages (at most `pages` pages of 200, newest first,
    none older than `oldest`) posted with metadata of `event_type`."""
    found: Posted = []
    cursor: str | None = None
    for _ in range(pages):
        page = client.conversations_history(channel=channel, cursor=cursor, oldest=oldest,
                                            include_all_metadata=True, limit=200)
        found += _with_event(page, event_type)
        cursor = _next_cursor(page)
        if not cursor:
            break
    return found


def _with_event(page: Any, event_type: str) -> Posted:
    messages: list[dict[str, Any]] = page.get("messages") or []
    found: Posted = []
    for message in messages:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == event_type:
            found.append((dict(metadata.get("event_payload") or {}), str(message.get("ts"))))
    return found


def _next_cursor(page: Any) -> str | None:
    return (page.get("response_metadata") or {}).get("next_cursor") or None
