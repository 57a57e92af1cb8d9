"""`/brainstorm`: the sub-commands, and accepting a brainstorm.

A brainstorm is stored as accepted work before Slack gets its answer; the work then
runs on the job pool (`bot.runs.BrainstormRunner`, shown in Slack by
`handlers.brainstorm_chat`), resumably, so the header always ends in a final state.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import command_parser, insights, ranking
from bot.deps import Deps
from bot.errors import BadInput, Busy, user_message
from bot.guidance import clean_guidance
from bot.ideas import clean_topic
from bot.limits import NOT_HERE
from bot.privacy import FORGET_ASK
from bot.ranking import DEFAULT_PERIOD
from handlers.slack import blocks
from handlers.slack.api_errors import SLACK_FAILURES
from handlers.slack.lookups import permalinks
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

# What `/brainstorm help` answers, in Slack mrkdwn.
USAGE = """*idealoop* — brainstorm with the AI; you decide with emoji.
• `/brainstorm <topic>` — the AI proposes ideas, one message each, in a thread
• React :+1: (or :white_check_mark:, :fire:, :star: …) to approve an idea, :-1: or :x: to reject it
• `/brainstorm top [day|week|all]` — the ideas this channel approved most (only you see it)
• `/brainstorm digest daily|weekly|off [HH:MM] [Time/Zone]` — a digest of the best ideas
  (`/brainstorm digest` alone shows this channel's schedule)
• `/brainstorm stats` — how this channel's people judge the AI's ideas and drafts
• `/brainstorm why` — what your latest brainstorm here was given: the approved and rejected
  ideas that steered it, and the model (only you see it)
• `/brainstorm guide <text>` — standing guidance to the AI in this channel (audience, tone,
  constraints); `guide` alone shows it, `guide off` clears it; a change is announced here
• `/brainstorm usage` — today's use against this workspace's daily limits (only you see it)
• `/brainstorm forget me` — remove your reactions and the texts you asked for from
  idealoop (it asks first)
• `/brainstorm help` — this message
A topic that starts with one of these words is brainstormed when quoted:
`/brainstorm "top ideas for onboarding"` (a question like `why do builds fail` needs no
quotes).
Your reactions are stored as signals and steer what the AI proposes next in this channel."""


def register(app: App, deps: Deps) -> None:
    def brainstorm(ack: Ack, command: dict[str, Any], client: WebClient,
                   respond: Respond, context: BoltContext) -> None:
        handle_brainstorm(ack, command, client, respond, deps.for_team(context.team_id))

    app.command("/brainstorm")(brainstorm)


def handle_brainstorm(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond,
                      deps: Deps) -> None:
    """Route `/brainstorm …` to its sub-command; each acks as its first Slack step."""
    parsed = command_parser.parse(command.get("text"))
    call = Invocation(ack, command, client, respond, deps, parsed.text)
    if parsed.action not in ANYWHERE and not deps.work.limits.allows(call.channel):
        call.tell(NOT_HERE)
        return
    ACTIONS[parsed.action](call)


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
    text, stats_blocks = blocks.stats(insights.stats_summary(
        stats, by_meaning=call.deps.brainstormer.rejections.embedder is not None))
    call.tell(text, blocks=stats_blocks)


def _why(call: Invocation) -> None:
    """`/brainstorm why`: the exact inputs of the person's latest brainstorm here."""
    try:
        explained = call.deps.brainstormer.explain(call.channel, call.user)
    except DatabaseUnavailable as exc:
        call.tell(user_message(exc))
        return
    text, why_blocks = blocks.why(explained)
    call.tell(text, blocks=why_blocks)


def _brainstorm(call: Invocation) -> None:
    """Store the brainstorm as accepted work, then ack: the ack is the promise that it
    will be done. Nothing is accepted when it cannot be stored, and the person is told."""
    deps = call.deps
    try:
        topic = clean_topic(call.args, deps.settings.topic_max_chars)
        if not deps.jobs.has_room:
            raise Busy(f"{deps.jobs.pending} jobs pending")
        key = f"command:{call.command.get('trigger_id') or uuid.uuid4()}"
        item = deps.work.accept(
            "brainstorm", team=deps.team, delivery_key=key, channel=call.channel,
            user=call.user,
            request={"topic": topic, "response_url": call.command.get("response_url")})
    except (BadInput, Busy, DatabaseUnavailable) as exc:
        call.tell(user_message(exc))
        return
    call.ack()
    if item is not None:  # None: Slack delivered this command twice
        deps.worker.run_soon(item)


def _guide(call: Invocation) -> None:
    """`/brainstorm guide [<text>|off]`: show, set or clear the channel's standing guidance
    to the AI. A change is announced in the channel, naming who made it."""
    store, args = call.deps.store, call.args.strip()
    try:
        if not args:
            call.tell(blocks.guidance_shown(store.guidance(call.channel)))
            return
        if args.lower() == "off":
            if not store.clear_guidance(call.channel):
                call.tell("This channel has no guidance to clear.")
                return
            call.ack(text=blocks.guidance_cleared(call.user), response_type="in_channel")
            return
        text = clean_guidance(args)
        store.set_guidance(call.channel, text, call.user)
    except (BadInput, DatabaseUnavailable) as exc:
        call.tell(user_message(exc))
        return
    call.ack(text=blocks.guidance_set(call.user, text), response_type="in_channel")


def _usage(call: Invocation) -> None:
    """`/brainstorm usage`: today's use against the daily limits, only to the person."""
    try:
        call.tell(call.deps.work.usage(call.deps.team, call.user, call.channel))
    except DatabaseUnavailable as exc:
        call.tell(user_message(exc))


def _forget(call: Invocation) -> None:
    """`/brainstorm forget me`: what would be removed, and buttons to decide
    (`handlers.forget` does it)."""
    call.tell(FORGET_ASK, blocks=blocks.forget_ask(FORGET_ASK))


def _unclear(call: Invocation) -> None:
    """A sub-command that did not parse: the closest form, only to the person who typed it."""
    call.tell(call.args)


ACTIONS: dict[str, Callable[[Invocation], None]] = {
    "help": _help, "top": _top, "digest": _digest, "stats": _stats, "brainstorm": _brainstorm,
    "why": _why, "guide": _guide, "usage": _usage, "forget": _forget, "unclear": _unclear,
}
ANYWHERE = ("help", "usage", "forget", "unclear")  # answered in channels idealoop does not work in
