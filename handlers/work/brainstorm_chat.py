"""How a brainstorm shows in Slack: a header in the channel, each idea a reply under it.
A follow-up brainstorm ("More like this") has its work's thread: its header and ideas are
replies in that thread.

The run itself (`bot.work.runs.brainstorm.BrainstormRunner`) decides what to do and
when; this is its chat surface (`bot.work.chat.BrainstormChat`). Every message it posts
carries metadata naming what it shows — the header its work's id, each idea its item
id — so that an attempt resumed after a crash finds
what an earlier one posted but did not live to record, and posts nothing twice.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.ideas import Brainstormed, Idea
from bot.work.queue import WorkItem
from handlers.slack import blocks
from handlers.slack.api_errors import slack_call
from handlers.slack.lookups import (
    WORK_EVENT,
    posted_in_channel,
    posted_in_thread,
    retract,
    work_metadata,
)
from handlers.work.draft_chat import tell_through

log = logging.getLogger(__name__)
IDEA_EVENT = "idealoop_idea"  # metadata naming the item an idea message shows
HEADER_SEARCH_PAGES = 5  # a lost header is looked for among the channel's latest 1,000


def _more_like(work: WorkItem) -> int | None:
    """The idea a follow-up brainstorm ("More like this") builds on, by its number."""
    position = work.request.get("seed_position")
    return position if isinstance(position, int) else None


class SlackBrainstormChat:
    def __init__(self, client: WebClient, model_name: str) -> None:
        self.client = client
        self.model_name = model_name

    def post_header(self, work: WorkItem, topic: str) -> str:
        text, header_blocks = blocks.header(topic, work.user_id,
                                            status=blocks.thinking_status(self.model_name),
                                            more_like=_more_like(work))
        with slack_call("post a brainstorm header"):
            posted = self.client.chat_postMessage(channel=work.channel, text=text,
                                                  thread_ts=work.thread_ts,
                                                  blocks=header_blocks,
                                                  metadata=work_metadata(work.id))
        return str(posted["ts"])

    def find_header(self, work: WorkItem) -> str | None:
        with slack_call("look for a brainstorm header"):
            found = (posted_in_thread(self.client, work.channel, work.thread_ts, WORK_EVENT)
                     if work.thread_ts else
                     posted_in_channel(self.client, work.channel, WORK_EVENT,
                                       pages=HEADER_SEARCH_PAGES))
        return next((ts for payload, ts in found if payload.get("work_id") == work.id), None)

    def posted_ideas(self, work: WorkItem, header_ts: str) -> dict[int, str]:
        with slack_call("read a brainstorm thread"):
            posted = posted_in_thread(self.client, work.channel,
                                      work.thread_ts or header_ts, IDEA_EVENT)
        return {payload["item_id"]: ts for payload, ts in posted
                if isinstance(payload.get("item_id"), int)}

    def post_idea(self, work: WorkItem, header_ts: str, idea: Idea,
                  brainstorm: Brainstormed) -> str:
        text, idea_blocks = blocks.idea(idea.position, idea.text, brainstorm.model,
                                        offline=brainstorm.offline)
        with slack_call(f"post idea {idea.position}"):
            reply = self.client.chat_postMessage(
                channel=work.channel, thread_ts=work.thread_ts or header_ts, text=text,
                blocks=idea_blocks,
                metadata={"event_type": IDEA_EVENT, "event_payload": {"item_id": idea.item_id}})
        return str(reply["ts"])

    def show_done(self, work: WorkItem, header_ts: str, brainstorm: Brainstormed) -> None:
        self._status(work, header_ts, brainstorm.topic, blocks.done_status(
            len(brainstorm.ideas), brainstorm.model, offline=brainstorm.offline,
            steering=brainstorm.steering, note=brainstorm.note), explains=True)

    def show_failed(self, work: WorkItem, header_ts: str, topic: str, note: str) -> None:
        self._status(work, header_ts, topic, blocks.failed_status(note))

    def show_stopped(self, work: WorkItem, header_ts: str, topic: str, note: str,
                     posted: int | None) -> None:
        self._status(work, header_ts, topic, blocks.stopped_status(note, posted))

    def _status(self, work: WorkItem, header_ts: str, topic: str, status: str, *,
                explains: bool = False) -> None:
        text, header_blocks = blocks.header(topic, work.user_id, status=status,
                                            explains=explains, more_like=_more_like(work))
        with slack_call("update a brainstorm header"):
            self.client.chat_update(channel=work.channel, ts=header_ts, text=text,
                                    blocks=header_blocks)

    def retract(self, work: WorkItem, ts: str) -> None:
        retract(self.client, work.channel, ts)

    def tell(self, work: WorkItem, text: str) -> None:
        """Through the command's response URL, which works even where the bot cannot post."""
        url = work.request.get("response_url")
        if url:
            tell_through(str(url), text)
