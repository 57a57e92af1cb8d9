"""`/brainstorm`: ack at once, post a header with a visible thinking state, then the ideas.

The listener itself only acks and posts the header; generation runs on `deps.jobs`
so Bolt's listener threads stay free to acknowledge everything else.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import commands, insights, ranking
from bot.deps import Deps
from bot.digests import parse_schedule
from bot.errors import BadInput, Busy, IdealoopError
from bot.ideas import clean_topic
from bot.ranking import DEFAULT_PERIOD
from handlers import blocks
from handlers.lookups import permalinks
from handlers.slack_errors import describe_slack_error

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def brainstorm(ack: Ack, command: dict[str, Any], client: WebClient,
                   respond: Respond) -> None:
        handle_brainstorm(ack, command, client, respond, deps)

    app.command("/brainstorm")(brainstorm)


def handle_brainstorm(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond,
                      deps: Deps) -> None:
    parsed = commands.parse(command.get("text"))
    if parsed.action == "help":
        ack(text=commands.USAGE, response_type="ephemeral")
        return
    if parsed.action == "top":
        ack()
        show_top(command, client, respond, deps, period=(parsed.text or DEFAULT_PERIOD).lower())
        return
    if parsed.action == "digest":
        try:
            change = parse_schedule(parsed.text, deps.settings.timezone)
            answer = deps.digests.change_schedule(command["channel_id"], command["user_id"],
                                                  change)
        except BadInput as exc:
            ack(text=exc.user_message, response_type="ephemeral")
            return
        changed = change.off or change.period is not None
        if changed:
            answer = f"<@{command['user_id']}> changed this channel's digest. {answer}"
        ack(text=answer, response_type="in_channel" if changed else "ephemeral")
        return
    if parsed.action == "stats":
        stats = deps.store.channel_stats(command["channel_id"])
        text, stats_blocks = blocks.stats(insights.stats_summary(stats))
        ack(text=text, blocks=stats_blocks, response_type="ephemeral")
        return
    try:
        topic = clean_topic(parsed.text, deps.settings.topic_max_chars)
    except BadInput as exc:
        ack(text=exc.user_message, response_type="ephemeral")
        return
    ack()
    channel, user = command["channel_id"], command["user_id"]
    text, header_blocks = blocks.header(
        topic, user, status=blocks.thinking_status(deps.model.model)
    )
    try:
        posted = client.chat_postMessage(channel=channel, text=text, blocks=header_blocks)
    except SlackApiError as exc:
        log.warning("could not post brainstorm header: %s", exc.response.get("error"))
        respond(text=describe_slack_error(exc), response_type="ephemeral")
        return
    header_ts = posted["ts"]
    try:
        deps.jobs.submit(run_brainstorm, deps, client, channel, user, topic, header_ts)
    except Busy as exc:
        _update_header(client, channel, header_ts, topic, user, blocks.failed_status(
            exc.user_message))


def show_top(command: dict[str, Any], client: WebClient, respond: Respond, deps: Deps, *,
             period: str) -> None:
    """`/brainstorm top [day|week|all]`: the ranking now, only to the person who asked."""
    items = ranking.top(deps.store, command["channel_id"], period)
    text, top_blocks = blocks.top_list(items, period, permalinks(client, items))
    respond(text=text, blocks=top_blocks, response_type="ephemeral")


def run_brainstorm(deps: Deps, client: WebClient, channel: str, user: str, topic: str,
                   header_ts: str) -> None:
    """Generate, store, post each idea in the header's thread, then settle the header."""
    try:
        result = deps.brainstormer.run(
            channel=channel, requester=user, topic=topic, header_ts=header_ts
        )
    except IdealoopError as exc:
        log.warning("brainstorm failed: %s", exc)
        _update_header(client, channel, header_ts, topic, user,
                       blocks.failed_status(exc.user_message))
        return
    except Exception:
        log.exception("brainstorm failed unexpectedly")
        _update_header(client, channel, header_ts, topic, user,
                       blocks.failed_status(IdealoopError.user_message))
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
    except SlackApiError as exc:
        log.warning("posting ideas stopped after %d: %s", posted, exc.response.get("error"))
        status = blocks.failed_status(
            f"Only {posted} of {len(result.ideas)} ideas could be posted: "
            f"{describe_slack_error(exc)}"
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
