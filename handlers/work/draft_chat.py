"""How a draft shows in Slack: a placeholder in the thread that fills in as the model
writes, then settles into the draft (in several messages when it is long).

Where Slack accepts it, the placeholder is a natively streamed message
(`chat.startStream`), and the draft is appended to it as it is written
(`chat.appendStream`); the run then ends the stream (`chat.stopStream`, naming the work in
its metadata) and settles the message with `chat.update`, as everywhere. Where Slack
refuses to stream (its answer to `chat.startStream` is an error, not an outage), that
channel gets a posted placeholder filled by throttled `chat.update` instead, as does any
later attempt of the same work.

The run itself (`bot.work.runs.draft.DraftRunner`) decides what to do and when; this is
its chat surface (`bot.work.chat.DraftChat`). The placeholder carries metadata naming its
work, and each further part of a long draft names the draft and its number, so that an
attempt resumed after a crash finds what an earlier one posted and posts nothing twice.
A streamed message carries no metadata until it stops, so it is recognised otherwise
(`_find_stream`): when the answer to `chat.startStream` is lost, and when a later attempt
finds no placeholder — that stream is then stopped and settled, never left streaming.
No call that creates or adds is repeated blindly (`bot.runtime.slack_retries`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.drafts import asked_for
from bot.llm.thread_fitting import AI_AUTHOR, ThreadMessage
from bot.work.queue import WorkItem
from handlers.slack import blocks
from handlers.slack.api_errors import (
    SLACK_FAILURES,
    failure_name,
    is_refusal,
    slack_call,
)
from handlers.slack.lookups import (
    WORK_EVENT,
    UserNames,
    posted_in_thread,
    retract,
    thread_messages,
    work_metadata,
)
from handlers.slack.mrkdwn import neutralise, split_for_slack
from handlers.slack.streaming import NativeStream, StreamingMessage

log = logging.getLogger(__name__)
REPLIES_PAGE = 200
DRAFT_PART_EVENT = "idealoop_draft_part"  # metadata of the second and later parts


class SlackDraftChat:
    def __init__(self, client: WebClient, *, model_name: str, offline: bool,
                 stream_interval: float) -> None:
        self.client = client
        self.model_name = model_name
        self.offline = offline
        self.stream_interval = stream_interval
        self.streams: dict[str, NativeStream] = {}  # placeholder ts -> its open stream
        self.refused: set[str] = set()  # channels where Slack refused to stream
        self._team: str | None = None

    def post_placeholder(self, work: WorkItem) -> str:
        mode = asked_for(str(work.request.get("text") or "")).mode
        streamed = self._start_stream(work, mode)
        if streamed is not None:
            return streamed
        text, placeholder_blocks = blocks.drafting_placeholder(self.model_name, mode)
        with slack_call("post a draft placeholder"):
            posted = self.client.chat_postMessage(
                channel=work.channel, thread_ts=work.thread_ts, text=text,
                blocks=placeholder_blocks, metadata=work_metadata(work.id))
        return str(posted["ts"])

    def _start_stream(self, work: WorkItem, mode: str) -> str | None:
        """A natively streamed placeholder, or None where Slack will not stream (it
        said so) or this is a later attempt (see the module docstring).

        `chat.startStream` is not repeated: when its answer is lost (a 5xx, a dropped
        connection, still busy after the client's waits), Slack may have made the message
        all the same. The thread says whether it did: that message is taken on; if there
        is none, the placeholder is posted instead (findable by its metadata)."""
        if work.attempts > 1 or work.channel in self.refused or not work.thread_ts:
            return None
        team = work.team or self._team_id()  # work from before 0015 has no team of its own
        if team is None:
            return None
        try:
            started = self.client.chat_startStream(
                channel=work.channel, thread_ts=str(work.thread_ts),
                markdown_text=blocks.stream_opening(self.model_name, mode),
                recipient_user_id=work.user_id, recipient_team_id=team)
            ts = str(started["ts"])
        except SLACK_FAILURES as exc:
            if is_refusal(exc):
                # Slack answered, and said no: this channel gets the placeholder instead.
                log.info("Slack will not stream drafts in %s (%s); they fill in by "
                         "chat.update", work.channel, failure_name(exc))
                self.refused.add(work.channel)
                return None
            log.warning("starting to stream a draft failed (%s); looking for it in the "
                        "thread", failure_name(exc))
            with slack_call("look for a streamed draft"):
                found = self._find_stream(work, mode)
            if found is None:
                return None
            ts = found
        self.streams[ts] = self._native(work, ts, mode)
        return ts

    def _native(self, work: WorkItem, ts: str, label: str) -> NativeStream:
        return NativeStream(self.client, work.channel, ts, interval=self.stream_interval,
                            metadata=work_metadata(work.id),
                            render=partial(blocks.draft, model=self.model_name,
                                           offline=self.offline, state="writing",
                                           label=label))

    def _find_stream(self, work: WorkItem, mode: str) -> str | None:
        """The newest message in the thread that a `chat.startStream` of this work made:
        the bot's, after the mention, without metadata (a stream gets it when it stops),
        opening with the words the stream was started with; None when there is none.
        Another draft streaming in the same thread at the same moment looks alike (see
        the README's edges)."""
        doing = blocks.PLACEHOLDERS.get(mode, blocks.PLACEHOLDERS["draft"])[1]
        signed = f"AI-written by {neutralise(self.model_name)}"
        after = float(str(work.request.get("ts") or 0))
        found = [str(m.get("ts")) for m in thread_messages(
                     self.client, work.channel, str(work.thread_ts))
                 if m.get("bot_id") and not m.get("metadata")
                 and float(str(m.get("ts") or 0)) > after
                 and doing in str(m.get("text") or "") and signed in str(m.get("text") or "")
                 and str(m.get("ts")) not in self.streams]
        return max(found, key=float) if found else None

    def _team_id(self) -> str | None:
        if self._team is None:
            try:
                self._team = str(self.client.auth_test().get("team_id") or "") or None
            except SLACK_FAILURES as exc:
                log.info("could not learn the team id: %s", failure_name(exc))
        return self._team

    def _end_stream(self, work: WorkItem, ts: str) -> None:
        """End the native stream of `ts` if this process opened one, or if an earlier
        attempt (in another process, perhaps) left it streaming; best effort."""
        stream = self.streams.pop(ts, None)
        if stream is None and work.attempts > 1 and self._may_stream(work, ts):
            stream = self._native(work, ts, "draft")
        if stream is not None:
            stream.stop()

    def _may_stream(self, work: WorkItem, ts: str) -> bool:
        """Whether message `ts` may still be streaming: the bot's, without metadata (a
        posted placeholder has it from the start, a stream from when it stopped)."""
        try:
            page = self.client.conversations_replies(
                channel=work.channel, ts=str(work.thread_ts), oldest=ts, latest=ts,
                inclusive=True, include_all_metadata=True, limit=10)
        except SLACK_FAILURES as exc:  # the settling chat.update will say more
            log.info("could not look at a draft's message: %s", failure_name(exc))
            return False
        messages: list[dict[str, Any]] = page.get("messages") or []
        return any(m.get("ts") == ts and m.get("bot_id") and not m.get("metadata")
                   for m in messages)

    def find_placeholder(self, work: WorkItem) -> str | None:
        """The placeholder an earlier attempt posted (by its metadata), or the stream it
        started and could not end (it crashed, or Slack's answers were lost): that one is
        stopped now, so that no message is left streaming, and settles like any other."""
        with slack_call("look for a draft placeholder"):
            found = posted_in_thread(self.client, work.channel, str(work.thread_ts),
                                     WORK_EVENT)
            posted = next((ts for payload, ts in found
                           if payload.get("work_id") == work.id), None)
            if posted is not None:
                return posted
            mode = asked_for(str(work.request.get("text") or "")).mode
            orphan = self._find_stream(work, mode)
        if orphan is not None:
            self._native(work, orphan, mode).stop()
        return orphan

    def read_thread(self, work: WorkItem, exclude: str) -> list[ThreadMessage]:
        with slack_call("read a thread"):
            return read_thread(self.client, work.channel, str(work.thread_ts),
                               exclude=exclude)

    def progress(self, work: WorkItem, ts: str, label: str) -> Callable[[str], None]:
        native = self.streams.get(ts)
        if native is not None:
            return native.show
        message = StreamingMessage(self.client, work.channel, ts,
                                   interval=self.stream_interval)
        render = partial(blocks.draft, model=self.model_name, offline=self.offline,
                         state="writing", label=label)
        return partial(message.update, render=render)

    def parts(self, text: str) -> list[str]:
        return split_for_slack(text)

    def posted_parts(self, work: WorkItem, ts: str) -> set[int]:
        with slack_call("read a draft's thread"):
            posted = posted_in_thread(self.client, work.channel, str(work.thread_ts),
                                      DRAFT_PART_EVENT)
        return {int(payload["part"]) for payload, _ in posted
                if payload.get("draft_ts") == ts and isinstance(payload.get("part"), int)}

    def show_part(self, work: WorkItem, ts: str, parts: list[str], number: int,
                  label: str, sources: str | None) -> None:
        rendered = blocks.draft(parts[number - 1], self.model_name, offline=self.offline,
                                state="done", part=(number, len(parts)), label=label,
                                sources=sources)
        if number == 1:
            self._end_stream(work, ts)
            self._update(work, ts, rendered)
            return
        fallback, part_blocks = rendered
        with slack_call(f"post part {number} of a draft"):
            self.client.chat_postMessage(
                channel=work.channel, thread_ts=work.thread_ts, text=fallback,
                blocks=part_blocks, metadata={"event_type": DRAFT_PART_EVENT,
                                              "event_payload": {"draft_ts": ts,
                                                                "part": number}})

    def show_failed(self, work: WorkItem, ts: str, text: str, note: str) -> None:
        self._end_stream(work, ts)
        self._update(work, ts, blocks.draft(text, self.model_name, offline=self.offline,
                                            state="failed", note=note))

    def show_stopped(self, work: WorkItem, ts: str, text: str, note: str) -> None:
        """Slack already ended the stream when the person pressed stop: it is dropped, not
        stopped again, and the message settles by `chat.update`."""
        self.streams.pop(ts, None)
        self._update(work, ts, blocks.draft(text, self.model_name, offline=self.offline,
                                            state="stopped", note=note))

    def _update(self, work: WorkItem, ts: str,
                rendered: tuple[str, list[dict[str, Any]]]) -> None:
        text, message_blocks = rendered
        with slack_call("update a draft"):  # the metadata finds it again, streamed or not
            self.client.chat_update(channel=work.channel, ts=ts, text=text,
                                    blocks=message_blocks, metadata=work_metadata(work.id))

    def retract(self, work: WorkItem, ts: str) -> None:
        retract(self.client, work.channel, ts)

    def tell(self, work: WorkItem, text: str) -> None:
        url = work.request.get("response_url")  # a shortcut's: works where the bot cannot post
        if isinstance(url, str) and url:
            tell_through(url, text)
            return
        tell_privately(self.client, work.channel, work.user_id, str(work.thread_ts), text)


def read_thread(client: WebClient, channel: str, thread_ts: str, *,
                exclude: str | None = None) -> list[ThreadMessage]:
    """Every message of the thread, oldest first (paginated `conversations.replies`)."""
    name_of = UserNames(client)
    messages: list[ThreadMessage] = []
    cursor: str | None = None
    while True:
        page = client.conversations_replies(channel=channel, ts=thread_ts, limit=REPLIES_PAGE,
                                            cursor=cursor)
        messages_on_page: list[dict[str, Any]] = page.get("messages", [])
        for message in messages_on_page:
            if message.get("ts") == exclude or message.get("subtype") == "tombstone":
                continue
            author = AI_AUTHOR if message.get("bot_id") else name_of(message.get("user"))
            messages.append(ThreadMessage(
                author=author, text=message.get("text") or "", ts=message.get("ts", ""),
                user=None if message.get("bot_id") else message.get("user")))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    return messages


def tell_privately(client: WebClient, channel: str, user: str | None, thread_ts: str,
                   text: str) -> None:
    """An ephemeral message in the thread, only `user` sees it; best effort."""
    if not user:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=text)
    except SLACK_FAILURES as exc:
        log.warning("could not tell %s privately: %s", user, failure_name(exc))


def tell_directly(client: WebClient, user: str, text: str) -> None:
    """A direct message to `user` (`conversations.open`, then `chat.postMessage`), for
    someone who cannot be shown anything where they asked; best effort."""
    try:
        opened = client.conversations_open(users=user)
        client.chat_postMessage(channel=str(opened["channel"]["id"]), text=text)
    except SLACK_FAILURES as exc:
        log.warning("could not tell %s directly: %s", user, failure_name(exc))


def tell_through(url: str, text: str) -> None:
    """An ephemeral answer through an interaction's response URL, only its person sees
    it, even where the bot cannot post; best effort. Only a rate limit is waited out: a
    post repeated after a dropped connection could show twice (the default retries it)."""
    try:
        WebhookClient(url, timeout=10, retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2)],
        ).send(text=text, response_type="ephemeral")
    except SLACK_FAILURES as exc:
        log.warning("could not answer through the response URL: %s", failure_name(exc))
