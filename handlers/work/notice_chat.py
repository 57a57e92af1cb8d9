"""How a decision's announcement shows in Slack: a reply in its item's thread, carrying
metadata naming the work that posted it, so a resumed attempt finds it instead of posting
it twice (`bot.work.runs.notice`)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.decisions import StoredDecision
from bot.work.queue import WorkItem
from handlers.slack import blocks
from handlers.slack.api_errors import slack_call
from handlers.slack.lookups import WORK_EVENT, posted_in_thread, user_zone, work_metadata

ZONE_SECONDS = 10  # no one waits on durable work


class SlackNoticeChat:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def find(self, work: WorkItem, decision: StoredDecision) -> str | None:
        with slack_call("look for a decision's announcement"):
            posted = posted_in_thread(self.client, decision.channel, decision.thread_ts,
                                      WORK_EVENT)
        return next((ts for payload, ts in posted if payload.get("work_id") == work.id), None)

    def owner_zone(self, owner: str) -> str | None:
        return user_zone(self.client, owner, seconds=ZONE_SECONDS)

    def post(self, work: WorkItem, decision: StoredDecision) -> str:
        text, shown = blocks.decision_announced(decision)
        with slack_call(f"announce decision {decision.id}"):
            posted = self.client.chat_postMessage(channel=decision.channel,
                                                  thread_ts=decision.thread_ts, text=text,
                                                  blocks=shown,
                                                  metadata=work_metadata(work.id))
        return str(posted["ts"])
