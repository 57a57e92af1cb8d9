"""`/brainstorm`: ack at once, post a header with a visible thinking state, then the ideas.

The listener itself only acks and posts the header; generation runs on `deps.jobs`
so Bolt's listener threads stay free to acknowledge everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import command_parser, insights, ranking
from bot.deps import Deps
from bot.errors import BadInput, Busy, IdealoopError, user_message
from bot.ideas import clean_topic
from bot.ranking import DEFAULT_PERIOD
from handlers.slack import blocks
from handlers.slack.api_errors import describe_slack_error
from handlers.slack.deliveries import first_delivery
from handlers.slack.lookups import permalinks

log = logging.getLogger(__name__)

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
    """`/brainstorm top [day|week|all]`: the ranking now, only to the person who asked."""
    call.ack()
    period = (call.args or DEFAULT_PERIOD).lower()
    items = ranking.top(call.deps.store, call.channel, period)
    text, top_blocks = blocks.top_list(items, period, permalinks(call.client, items))
    call.respond(text=text, blocks=top_blocks, response_type="ephemeral")


def _digest(call: Invocation) -> None:
    """`/brainstorm digest [daily|weekly|off] [HH:MM] [Zone]`: a change is said in-channel."""
    try:
        change = command_parser.parse_schedule(call.args, call.deps.settings.timezone)
        answer = call.deps.digests.change_schedule(call.channel, call.user, change)
    except BadInput as exc:
        call.tell(exc.user_message)
        return
    if change.off or change.period is not None:
        call.ack(text=f"<@{call.user}> changed this channel's digest. {answer}",
                 response_type="in_channel")
    else:
        call.tell(answer)


def _stats(call: Invocation) -> None:
    stats = call.deps.store.channel_stats(call.channel)
    text, stats_blocks = blocks.stats(insights.stats_summary(stats))
    call.tell(text, blocks=stats_blocks)


def _brainstorm(call: Invocation) -> None:
    """Ack, post the header with its thinking state, and queue the generation."""
    deps = call.deps
    try:
        topic = clean_topic(call.args, deps.settings.topic_max_chars)
    except BadInput as exc:
        call.tell(exc.user_message)
        return
    call.ack()
    if not first_delivery(call.command, deps):
        return
    text, header_blocks = blocks.header(
        topic, call.user, status=blocks.thinking_status(deps.model.model)
    )
    try:
        posted = call.client.chat_postMessage(channel=call.channel, text=text,
                                              blocks=header_blocks)
    except SlackApiError as exc:
        log.warning("could not post brainstorm header: %s", exc.response.get("error"))
        call.respond(text=describe_slack_error(exc), response_type="ephemeral")
        return
    header_ts = posted["ts"]
    try:
        deps.jobs.submit(run_brainstorm, deps, call.client, call.channel, call.user, topic,
                         header_ts)
    except Busy as exc:
        _update_header(call.client, call.channel, header_ts, topic, call.user,
                       blocks.failed_status(exc.user_message))


ACTIONS: dict[str, Callable[[Invocation], None]] = {
    "help": _help, "top": _top, "digest": _digest, "stats": _stats, "brainstorm": _brainstorm,
}


def run_brainstorm(deps: Deps, client: WebClient, channel: str, user: str, topic: str,
                   header_ts: str) -> None:
    """Generate, store, post each idea in the header's thread, then settle the header."""
    try:
        result = deps.brainstormer.run(
            channel=channel, requester=user, topic=topic, header_ts=header_ts
        )
    except Exception as exc:
        log.warning("brainstorm failed: %s", exc, exc_info=not isinstance(exc, IdealoopError))
        _update_header(client, channel, header_ts, topic, user,
                       blocks.failed_status(user_message(exc)))
        return
    generation = result.generation
    posted = 0
    try:
        for position, item_id, idea_text in result.ideas:
            text, idea_blocks = blocks.idea(
                position, idea_text, generation.model, offline=generation.offline
            )
            reply = client.chat_postMessage(
                channel=channel, thread_ts=header_ts, text=text, blocks=idea_blocks
            )
            deps.store.mark_posted(item_id, reply["ts"])
            posted += 1
    except Exception as exc:  # the header must never be left "thinking"
        reason = (describe_slack_error(exc) if isinstance(exc, SlackApiError)
                  else user_message(exc))
        log.warning("posting ideas stopped after %d: %s", posted, exc,
                    exc_info=not isinstance(exc, SlackApiError))
        status = blocks.failed_status(
            f"Only {posted} of {len(result.ideas)} ideas could be posted: {reason}"
        )
    else:
        status = blocks.done_status(posted, generation.model, offline=generation.offline)
    _update_header(client, channel, header_ts, topic, user, status)


def _update_header(client: WebClient, channel: str, ts: str, topic: str, user: str,
                   status: str) -> None:
    text, header_blocks = blocks.header(topic, user, status=status)
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=header_blocks)
    except SlackApiError as exc:
        log.warning("could not update brainstorm header: %s", exc.response.get("error"))
