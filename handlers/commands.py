"""`/brainstorm`: the sub-commands, and accepting a brainstorm.

A brainstorm is stored as accepted work before Slack gets its answer; the work then
runs on the job pool (`bot.work.runs.brainstorm.BrainstormRunner`, shown in
Slack by `handlers.work.brainstorm_chat`), resumably, so the header always ends in a final state.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import command_parser, insights
from bot.deps import Deps
from bot.errors import BadInput, Busy, DatabaseUnavailable, user_message
from bot.guidance import clean_guidance
from bot.ideas import clean_topic
from bot.limits import NOT_HERE
from bot.privacy import FORGET_ASK
from bot.ranking import DEFAULT_PERIOD
from bot.work.runs.board import queue_board
from handlers.slack import blocks
from handlers.slack.answers import soon
from handlers.slack.api_errors import SLACK_FAILURES
from handlers.slack.lookups import permalinks
from handlers.slack.payloads import dig
from handlers.work.board_chat import REFUSED

log = logging.getLogger(__name__)

# What `/brainstorm help` answers, in Slack mrkdwn: from the table in `bot.command_parser`.
USAGE = command_parser.usage()


def register(app: App, deps: Deps) -> None:
    def brainstorm(ack: Ack, command: dict[str, Any], client: WebClient,
                   respond: Respond, context: BoltContext) -> None:
        handle_brainstorm(ack, command, client, respond, deps.for_team(context.team_id))

    def choose(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
               respond: Respond, context: BoltContext) -> None:
        on_choice(ack, body, action, client, respond, deps.for_team(context.team_id))

    app.command("/brainstorm")(brainstorm)
    app.action(blocks.CHOOSE_COMMAND_ACTION)(choose)
    app.action(blocks.CHOOSE_TOPIC_ACTION)(choose)


def handle_brainstorm(ack: Callable[..., Any], command: dict[str, Any], client: WebClient,
                      respond: Respond, deps: Deps, *, decided: bool = False) -> None:
    """Route `/brainstorm …` to its sub-command; each acks as its first Slack step.
    `decided`: the text is a button the person clicked, not words to guess about."""
    parsed = command_parser.parse(command.get("text"), decided=decided)
    if parsed.action == "choose":
        _choose(ack, command, parsed)
        return
    call = Invocation(ack, command, client, respond, deps, parsed.text)
    if parsed.action not in ANYWHERE and not deps.work.limits.allows(call.channel):
        call.tell(NOT_HERE)
        return
    ACTIONS[parsed.action](call)


@dataclass(frozen=True)
class Invocation:
    """One `/brainstorm` request: Bolt's utilities, the payload, and the arguments."""

    ack: Callable[..., Any]  # Bolt's Ack, or `ClickAck` after a click on a question
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
    soon(call.deps, _answer_top, call, period)


def _answer_top(call: Invocation, period: str) -> None:
    try:
        items = call.deps.reports.top(call.channel, period)
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
        stats = call.deps.reports.stats(call.channel)
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
    guidance, args = call.deps.guidance, call.args.strip()
    try:
        if not args:
            call.tell(blocks.guidance_shown(guidance.of(call.channel)))
            return
        if args.lower() == "off":
            if not guidance.clear(call.channel):
                call.tell("This channel has no guidance to clear.")
                return
            call.ack(text=blocks.guidance_cleared(call.user), response_type="in_channel")
            return
        text = guidance.set(call.channel, args, call.user)
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


def _board(call: Invocation) -> None:
    """`/brainstorm board`: the channel's idea board, a canvas created on first use and
    kept up to date (`bot.boards`); its update is durable work, queued before the ack."""
    try:
        board, refused = call.deps.boards.ask(call.channel, call.user)
        item = queue_board(call.deps.work, board, call.deps.boards.clock())
    except (BadInput, DatabaseUnavailable) as exc:
        call.tell(user_message(exc))
        return
    said = BOARD_MADE if board.canvas_id is None else BOARD_KEPT
    if refused is not None:
        why = REFUSED.get(refused, f"`{refused}`.")
        said = f"Slack refused this channel's idea board last time: {why} Trying again. {said}"
    call.tell(said)
    if item is not None:
        call.deps.worker.run_soon(item)


BOARD_MADE = ("Making this channel's idea board: it opens from the canvas tab at the top of "
              "the channel in a moment. It shows this week's top approved ideas and the "
              "open decisions, brought up to date at most once a minute.")
BOARD_KEPT = ("This channel's idea board is its canvas (the tab at the top of the channel); "
              "it is brought up to date within a minute of a change.")


def _forget(call: Invocation) -> None:
    """`/brainstorm forget me`: what would be removed, and buttons to decide
    (`handlers.forget` does it)."""
    call.tell(FORGET_ASK, blocks=blocks.forget_ask(FORGET_ASK))


def _choose(ack: Callable[..., Any], command: dict[str, Any],
            parsed: command_parser.BrainstormCommand) -> None:
    """Words that could be a command or a topic: a private question with a button for
    each. Nothing is posted in the channel and nothing changes until the person clicks."""
    guide = parsed.run.lower().startswith("guide ")
    if guide:  # guidance that could never be set (too long) is refused, with why
        try:
            clean_guidance(parsed.run[len("guide "):])
        except BadInput as exc:
            ack(text=user_message(exc), response_type="ephemeral")
            return
    question = f"{parsed.text}\n_Only you see this; nothing is posted until you pick._"
    run_label = "Set as guidance" if guide else ""
    ack(text=question, response_type="ephemeral", blocks=blocks.choice(
        question, user=str(command["user_id"]), run=parsed.run, topic=parsed.topic,
        key=str(command.get("trigger_id") or uuid.uuid4()), run_label=run_label))


def on_choice(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
              respond: Respond, deps: Deps) -> None:
    """A click on a "command or topic?" question: only the person who asked may answer;
    the answer then goes through the same path as the typed command (`handle_brainstorm`:
    allow-list, limits, durable work), keyed on the question so that a second click
    starts nothing new."""
    clicker = str(dig(body, "user", "id") or "")
    try:
        picked = json.loads(str(action.get("value") or ""))
        asker, key = str(picked["u"]), str(picked["k"])
        text = str(picked["run"]) if "run" in picked else _quoted(str(picked["topic"]))
    except (ValueError, KeyError, TypeError):
        ack()
        soon(deps, _say, respond,
              "This button no longer works; type the `/brainstorm` command again.")
        return
    if clicker != asker:
        ack()
        soon(deps, _say, respond, f"Only <@{asker}> can answer this question; type your "
                                   "own `/brainstorm …` to ask yours.")
        return
    command = {"text": text, "user_id": clicker, "team_id": dig(body, "team", "id"),
               "channel_id": dig(body, "channel", "id") or dig(body, "container", "channel_id"),
               "trigger_id": f"choice-{key}", "response_url": body.get("response_url")}
    chosen = (f"a brainstorm on \u201c{picked['topic']}\u201d" if "topic" in picked
              else f"`/brainstorm {text}`")
    handle_brainstorm(ClickAck(ack, respond, f"You chose {chosen}.", deps), command, client,
                      respond, deps, decided=True)


@dataclass
class ClickAck:
    """What a sub-command says in its ack, said through the clicked question's response
    URL instead: the question is replaced by the answer (or by `chosen` when the answer
    comes later); an in-channel answer is posted and the question removed. Slack is
    answered first; the response URL is called from the job pool after it."""

    ack: Ack
    respond: Respond
    chosen: str
    deps: Deps

    def __call__(self, text: str = "", blocks: list[dict[str, Any]] | None = None,
                 response_type: str | None = None, **_: Any) -> None:
        self.ack()
        soon(self.deps, self._answer, text, blocks, response_type)

    def _answer(self, text: str, blocks: list[dict[str, Any]] | None,
                response_type: str | None) -> None:
        try:
            if response_type == "in_channel":
                self.respond(text=self.chosen, response_type="ephemeral",
                             replace_original=True)
                self.respond(text=text, blocks=blocks, response_type="in_channel",
                             replace_original=False)
            else:
                self.respond(text=text or self.chosen, blocks=blocks or None,
                             response_type="ephemeral", replace_original=True)
        except SLACK_FAILURES as exc:
            log.warning("could not answer a click on a question: %s", type(exc).__name__)


def _quoted(topic: str) -> str:
    """A topic as typed with quotes, which `command_parser.parse` always reads as a topic."""
    return f"\u201c{topic}\u201d"



def _say(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except SLACK_FAILURES as exc:
        log.warning("could not answer a click on a question: %s", type(exc).__name__)


ACTIONS: dict[str, Callable[[Invocation], None]] = {
    "help": _help, "top": _top, "digest": _digest, "stats": _stats, "brainstorm": _brainstorm,
    "why": _why, "guide": _guide, "usage": _usage, "forget": _forget, "board": _board,
}
ANYWHERE = ("help", "usage", "forget")  # answered in channels idealoop does not work in
