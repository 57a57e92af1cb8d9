"""`/brainstorm`: the sub-commands, and brainstorms as durable work.

A brainstorm is stored as accepted work before Slack gets its answer; the work then
runs on the job pool (`run_brainstorm`): post the header with its thinking state, ask
the model, post each idea in the header's thread, settle the header. Each step checks
what an earlier attempt did, so a brainstorm resumed after a crash posts nothing twice
and the header always ends in a final state.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import command_parser, insights, ranking
from bot.deps import Deps
from bot.errors import BadInput, Busy, IdealoopError, user_message
from bot.ideas import Brainstormed, clean_topic
from bot.ranking import DEFAULT_PERIOD
from bot.work import RetryLater
from handlers.slack import blocks
from handlers.slack.api_errors import (
    SLACK_FAILURES,
    describe_slack_error,
    failure_name,
    is_permanent,
)
from handlers.slack.lookups import permalinks, posted_in_thread
from storage.errors import DatabaseUnavailable
from storage.work import WorkItem

log = logging.getLogger(__name__)
IDEA_EVENT = "idealoop_idea"  # message metadata naming the item an idea message shows

# What `/brainstorm help` answers, in Slack mrkdwn.
USAGE = """*idealoop* — brainstorm with the AI; you decide with emoji.
• `/brainstorm <topic>` — the AI proposes ideas, one message each, in a thread
• React :+1: (or :white_check_mark:, :fire:, :star: …) to approve an idea, :-1: or :x: to reject it
• `/brainstorm top [day|week|all]` — the ideas this channel approved most (only you see it)
• `/brainstorm digest daily|weekly|off [HH:MM] [Time/Zone]` — a digest of the best ideas
  (`/brainstorm digest` alone shows this channel's schedule)
• `/brainstorm stats` — how this channel's people judge the AI's ideas and drafts
• `/brainstorm help` — this message
Your reactions are stored as signals and steer what the AI proposes next in this channel."""


def register(app: App, deps: Deps) -> None:
    def brainstorm(ack: Ack, command: dict[str, Any], client: WebClient,
                   respond: Respond) -> None:
        handle_brainstorm(ack, command, client, respond, deps)

    app.command("/brainstorm")(brainstorm)


def handle_brainstorm(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond,
                      deps: Deps) -> None:
    """Route `/brainstorm …` to its sub-command; each acks as its first Slack step."""
    parsed = command_parser.parse(command.get("text"))
    ACTIONS[parsed.action](Invocation(ack, command, client, respond, deps, parsed.text))


@dataclass(frozen=True)
class Invocation:
    """One `/brainstorm` request: Bolt's utilities, the payload, and the arguments."""

    ack: Ack
    command: dict[str, Any]
    client: WebClient
    respond: Respond
    deps: Deps
    args: str

    @property
    def channel(self) -> str:
        return str(self.command["channel_id"])

    @property
    def user(self) -> str:
        return str(self.command["user_id"])

    def tell(self, text: str, **extra: Any) -> None:
        """Answer in the ack, only to the person who asked."""
        self.ack(text=text, response_type="ephemeral", **extra)


def _help(call: Invocation) -> None:
    call.tell(USAGE)


def _top(call: Invocation) -> None:
    """`/brainstorm top [day|week|all]`: the ranking now, only to the person who asked.
    Links to each idea take a Slack call apiece, so the answer follows the ack."""
    call.ack()
    period = (call.args or DEFAULT_PERIOD).lower()
    try:
        call.deps.jobs.submit(_answer_top, call, period)
    except Busy:
        _answer_top(call, period)


def _answer_top(call: Invocation, period: str) -> None:
    try:
        items = ranking.top(call.deps.store, call.channel, period)
        text, top_blocks = blocks.top_list(items, period, permalinks(call.client, items))
    except DatabaseUnavailable as exc:
        log.warning("/brainstorm top: %s", exc)
        text, top_blocks = user_message(exc), []
    try:
        call.respond(text=text, blocks=top_blocks, response_type="ephemeral")
    except SLACK_FAILURES as exc:
        log.warning("could not answer /brainstorm top: %s", type(exc).__name__)


def _digest(call: Invocation) -> None:
    """`/brainstorm digest [daily|weekly|off] [HH:MM] [Zone]`: a change is said in-channel."""
    try:
        change = command_parser.parse_schedule(call.args, call.deps.settings.timezone)
        answer = call.deps.digests.change_schedule(call.channel, call.user, change)
    except (BadInput, DatabaseUnavailable) as exc:
        call.tell(user_message(exc))
        return
    if change.off or change.period is not None:
        call.ack(text=f"<@{call.user}> changed this channel's digest. {answer}",
                 response_type="in_channel")
    else:
        call.tell(answer)


def _stats(call: Invocation) -> None:
    try:
        stats = call.deps.store.channel_stats(call.channel)
    except DatabaseUnavailable as exc:
        call.tell(user_message(exc))
        return
    text, stats_blocks = blocks.stats(insights.stats_summary(stats))
    call.tell(text, blocks=stats_blocks)


def _brainstorm(call: Invocation) -> None:
    """Store the brainstorm as accepted work, then ack: the ack is the promise that it
    will be done. Nothing is accepted when it cannot be stored, and the person is told."""
    deps = call.deps
    try:
        topic = clean_topic(call.args, deps.settings.topic_max_chars)
        if not deps.jobs.has_room:
            raise Busy(f"{deps.jobs.pending} jobs pending")
        item = deps.work.accept(
            "brainstorm", delivery_key=f"command:{call.command.get('trigger_id') or uuid.uuid4()}",
            channel=call.channel, user=call.user,
            request={"topic": topic, "response_url": call.command.get("response_url")})
    except (BadInput, Busy, DatabaseUnavailable) as exc:
        call.tell(user_message(exc))
        return
    call.ack()
    if item is not None:  # None: Slack delivered this command twice
        deps.worker.run_soon(item)


ACTIONS: dict[str, Callable[[Invocation], None]] = {
    "help": _help, "top": _top, "digest": _digest, "stats": _stats, "brainstorm": _brainstorm,
}


def run_brainstorm(deps: Deps, client: WebClient, work: WorkItem, last: bool) -> str | None:
    """Post the header, generate, post each idea once, settle the header. Returns None
    when done, or the note the person was shown when it ended in failure."""
    topic, user = str(work.request["topic"]), work.user_id
    header_ts = work.placeholder_ts or _post_header(deps, client, work, topic, last)
    if header_ts is None:
        return "the brainstorm could not be started in the channel"
    try:
        result = deps.brainstormer.run(channel=work.channel, requester=user, topic=topic,
                                       header_ts=header_ts)
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        log.warning("brainstorm failed: %s", exc, exc_info=not isinstance(exc, IdealoopError))
        failed = user_message(exc)
        if not _update_header(client, work.channel, header_ts, topic, user,
                              blocks.failed_status(failed)) and not last:
            raise RetryLater("the header could not be settled") from exc
        return failed
    posting = _post_ideas(deps, client, work, header_ts, result)
    note: str | None = None
    if posting.error is not None:
        if not last:
            raise RetryLater(f"{len(result.ideas) - posting.posted} ideas not posted yet")
        note = (f"Only {posting.posted} of {len(result.ideas)} ideas could be posted: "
                f"{describe_slack_error(posting.error)}")
        status = blocks.failed_status(note)
    else:
        status = blocks.done_status(len(result.ideas), result.model, offline=result.offline)
    if not _update_header(client, work.channel, header_ts, topic, user, status) and not last:
        raise RetryLater("the header could not be settled")
    return note


def _post_header(deps: Deps, client: WebClient, work: WorkItem, topic: str,
                 last: bool) -> str | None:
    """Post the header with its thinking state and record it; None when the channel
    cannot be posted to (the person is told through the command's response URL)."""
    text, header_blocks = blocks.header(topic, work.user_id,
                                        status=blocks.thinking_status(deps.model.model))
    try:
        posted = client.chat_postMessage(channel=work.channel, text=text, blocks=header_blocks)
    except SLACK_FAILURES as exc:
        log.warning("could not post a brainstorm header: %s", failure_name(exc))
        if not is_permanent(exc) and not last:
            raise RetryLater("the header could not be posted") from exc
        _tell_requester(work, describe_slack_error(exc))
        return None
    header_ts = str(posted["ts"])
    deps.work.set_placeholder(work, header_ts)
    return header_ts


@dataclass(frozen=True)
class _Posting:
    posted: int  # ideas in the thread now, by this attempt or an earlier one
    error: Exception | None  # the last failure, if any idea could not be posted


def _post_ideas(deps: Deps, client: WebClient, work: WorkItem, header_ts: str,
                result: Brainstormed) -> _Posting:
    """Post every idea not posted yet, each as its own reply; one failure does not stop
    the others. After a crash, ideas whose message exists but was not recorded are
    recognised by the metadata they were posted with, and not posted again."""
    unposted = [idea for idea in result.ideas if not idea.ts]
    if unposted and work.attempts > 1:
        found = _posted_earlier(client, work.channel, header_ts)
        for idea in unposted:
            if idea.item_id in found:
                deps.store.mark_posted(idea.item_id, found[idea.item_id])
        unposted = [idea for idea in unposted if idea.item_id not in found]
    posted, error = len(result.ideas) - len(unposted), None
    for idea in unposted:
        text, idea_blocks = blocks.idea(idea.position, idea.text, result.model,
                                        offline=result.offline)
        try:
            reply = client.chat_postMessage(
                channel=work.channel, thread_ts=header_ts, text=text, blocks=idea_blocks,
                metadata={"event_type": IDEA_EVENT, "event_payload": {"item_id": idea.item_id}})
        except SLACK_FAILURES as exc:
            log.warning("could not post idea %d: %s", idea.position, failure_name(exc))
            error = exc
            continue
        deps.store.mark_posted(idea.item_id, str(reply["ts"]))
        posted += 1
    return _Posting(posted, error)


def _posted_earlier(client: WebClient, channel: str, header_ts: str) -> dict[int, str]:
    """Item id → message ts of the ideas already in the thread, from their metadata."""
    try:
        posted = posted_in_thread(client, channel, header_ts, IDEA_EVENT)
    except SLACK_FAILURES as exc:
        raise RetryLater("the thread could not be read") from exc
    return {payload["item_id"]: ts for payload, ts in posted
            if isinstance(payload.get("item_id"), int)}


def _tell_requester(work: WorkItem, text: str) -> None:
    """Tell the person who asked, through the command's response URL (which works even
    where the bot cannot post)."""
    url = work.request.get("response_url")
    if not url:
        return
    try:
        WebhookClient(str(url), timeout=10).send(text=text, response_type="ephemeral")
    except SLACK_FAILURES as exc:
        log.warning("could not answer through the response URL: %s", type(exc).__name__)


def _update_header(client: WebClient, channel: str, ts: str, topic: str, user: str,
                   status: str) -> bool:
    """Show `status` on the header; False when Slack could not be told now but might be
    later (a header that is gone can never be settled, and counts as done)."""
    text, header_blocks = blocks.header(topic, user, status=status)
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=header_blocks)
    except SLACK_FAILURES as exc:
        log.warning("could not update a brainstorm header: %s", failure_name(exc))
        return is_permanent(exc)  # a header that is gone cannot be settled, ever
    return True
