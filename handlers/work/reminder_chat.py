"""How a decision's reminder shows in Slack: a direct message to its owner, with its
buttons, carrying metadata naming the work that posted it, so a resumed attempt finds
it instead of posting it twice (`bot.work.runs.reminder`)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.decisions import StoredDecision
from bot.work.queue import WorkItem
from handlers.slack import blocks
from handlers.slack.api_errors import SLACK_FAILURES, failure_name, slack_call
from handlers.slack.lookups import WORK_EVENT, posted_in_channel, work_metadata

log = logging.getLogger(__name__)
SEARCH_PAGES = 1  # a reminder is among the DM's latest 200 messages


class SlackReminderChat:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def _dm(self, decision: StoredDecision) -> str:
        with slack_call("open a DM for a reminder"):
            opened = self.client.conversations_open(users=decision.owner)
        return str(opened["channel"]["id"])

    def find(self, work: WorkItem, decision: StoredDecision) -> tuple[str, str] | None:
        channel = self._dm(decision)
        with slack_call("look for a posted reminder"):
            posted = posted_in_channel(self.client, channel, WORK_EVENT, pages=SEARCH_PAGES)
        ts = next((ts for payload, ts in posted if payload.get("work_id") == work.id), None)
        return (channel, ts) if ts else None

    def post(self, work: WorkItem, decision: StoredDecision) -> tuple[str, str]:
        channel = self._dm(decision)
        try:
            link: str | None = self.client.chat_getPermalink(
                channel=decision.channel, message_ts=decision.thread_ts)["permalink"]
        except SLACK_FAILURES as exc:  # the reminder names the channel instead
            log.info("no link for decision %d: %s", decision.id, failure_name(exc))
            link = None
        text, shown = blocks.reminder(decision, link)
        with slack_call(f"remind of decision {decision.id}"):
            posted = self.client.chat_postMessage(channel=channel, text=text, blocks=shown,
                                                  unfurl_links=False,
                                                  metadata=work_metadata(work.id))
        return str(posted["channel"]), str(posted["ts"])
