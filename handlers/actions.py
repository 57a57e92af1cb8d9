"""Buttons on idealoop's messages: 👍 / 👎 (Slack's feedback buttons) on every idea and
draft, "Draft this" and "More like this" on each idea, "Why these ideas?" on a header.

A click is stored before Slack gets its answer (listeners finish first:
`process_before_response`). A click that cannot be stored is answered 503 and told to the
person through the response URL: Slack does not deliver clicks again, so the person
clicks again. Everything said through the response URL (confirmations, refusals, the
database being away) goes from the job pool, so Slack waits for the database only,
never for the response URL: store, answer Slack, then tell the person. A click
delivered twice changes nothing: a feedback click is ordered by its `action_ts`, and
"Draft this" / "More like this" are work stored under a key of the idea and the person,
so each person gets one of each per idea.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond

from bot.deps import Deps
from bot.drafts import DRAFT_THIS
from bot.errors import BadInput, DatabaseUnavailable, NotSaved, user_message
from bot.signals import ItemRef, button_click
from bot.slack_values import is_slack_id, is_ts
from handlers.fast_path import BotUser, answered, bolt_ids
from handlers.slack import blocks
from handlers.slack.answers import soon, tell
from handlers.slack.payloads import dig, obj

log = logging.getLogger(__name__)
T = TypeVar("T")
PURGED_IDEA = ("This idea's words are no longer kept (idealoop's retention policy), so I "
               "cannot build on it.")
# "More like this" on an idea whose brainstorm's topic was removed (its asker was
# forgotten): the idea itself is the seed, and the topic says only that.
UNNAMED_TOPIC = "more like this idea"
NOT_AN_ITEM = "That message is not one of idealoop's ideas or drafts, so the click was not kept."


@dataclass(frozen=True)
class Click:
    """What every click carries: who, where, on which message, when, with which value."""

    user: str
    channel: str
    message_ts: str
    thread_ts: str | None
    value: str
    action_ts: str


def click_of(body: dict[str, Any], action: dict[str, Any]) -> Click:
    """The click in a `block_actions` payload; BadInput when its ids are not Slack's (or
    it has no response URL, which every click on a message carries)."""
    container, message = obj(body.get("container")), obj(body.get("message"))
    user = dig(body, "user", "id")
    channel = dig(body, "channel", "id") or container.get("channel_id")
    message_ts = container.get("message_ts") or message.get("ts")
    thread_ts = message.get("thread_ts") or container.get("thread_ts")
    action_ts = action.get("action_ts")
    response_url = body.get("response_url")
    if not (is_slack_id(user) and is_slack_id(channel) and is_ts(message_ts)
            and is_ts(action_ts) and (thread_ts is None or is_ts(thread_ts))
            and isinstance(response_url, str) and response_url.startswith("http")):
        raise BadInput("a click without a usable user, channel, message or response URL")
    return Click(str(user), str(channel), str(message_ts), thread_ts,
                 str(action.get("value") or ""), str(action_ts))


def register(app: App, deps: Deps) -> None:
    def feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                 respond: Respond, context: BoltContext) -> None:
        on_feedback(ack, click_of(body, action), respond, deps.for_team(context.team_id))

    def draft_this(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                   context: BoltContext) -> None:
        on_next_step(ack, click_of(body, action), respond, deps.for_team(context.team_id),
                     "draft", bot_user=context.bot_user_id,
                     response_url=body.get("response_url"))

    def more_like_this(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                       respond: Respond, context: BoltContext) -> None:
        on_next_step(ack, click_of(body, action), respond, deps.for_team(context.team_id),
                     "more", response_url=body.get("response_url"))

    def why(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
            context: BoltContext) -> None:
        click = click_of(body, action)
        scoped = deps.for_team(context.team_id)
        ack()
        _later(scoped, respond, lambda: blocks.why(
            scoped.brainstormer.explain_at(click.channel, click.message_ts),
            latest=False))

    app.action(blocks.FEEDBACK_ACTION)(feedback)
    app.action(blocks.DRAFT_THIS_ACTION)(draft_this)
    app.action(blocks.MORE_LIKE_THIS_ACTION)(more_like_this)
    app.action(blocks.WHY_ACTION)(why)


def fast_path(deps: Deps, bot_user: BotUser, *, proxy: str | None = None,
              ssl: Any = None) -> Callable[[dict[str, Any]], BoltResponse | None]:
    """The answer to a 👍 / 👎 click without Bolt's middleware chain, or None to leave
    the payload to Bolt: as the reactions' fast path (`handlers.reactions.fast_path`),
    what Bolt would hand to `feedback` above, with the same workspace (`bot_user`, asked
    as Bolt authorizes), goes to the same `on_feedback`, with Bolt's own `Ack` and a
    `Respond` built as Bolt builds it (the app client's `proxy` and `ssl`), and the same
    error answers (`handlers.errors.error_response`). Only `block_actions` whose first
    action is the feedback button are taken; an org-wide install, a workspace Bolt would
    refuse or has not authorized yet, and everything else are Bolt's."""

    def take(body: dict[str, Any]) -> BoltResponse | None:
        actions = body.get("actions")
        if (body.get("type") != "block_actions" or not isinstance(actions, list)
                or not actions or not isinstance(actions[0], dict)
                or actions[0].get("action_id") != blocks.FEEDBACK_ACTION):
            return None
        if (ids := bolt_ids(body)) is None:
            return None
        team, channel = ids
        if bot_user(team) is None:
            return None
        url = body.get("response_url")
        ack = Ack()  # type: ignore[no-untyped-call]
        respond = Respond(response_url=url if isinstance(url, str) else None, proxy=proxy,
                          ssl=ssl)

        def record() -> BoltResponse:
            on_feedback(ack, click_of(body, actions[0]), respond, deps.for_team(team))
            return ack.response or BoltResponse(status=200, body="")

        return answered(body, team, channel, record)

    return take


def on_feedback(ack: Ack, click: Click, respond: Respond, deps: Deps) -> None:
    """👍 or 👎: a signal like the reaction, toggled by a second click."""
    if click.value not in (blocks.UP, blocks.DOWN):
        raise BadInput("a feedback click with an unknown value")
    item = _item(click, deps, respond)
    if item is None:
        ack()
        _later(deps, respond, lambda: (NOT_AN_ITEM, []))
        return
    on = _stored(deps, lambda: deps.judgements.click(button_click(
        click.value, user=click.user, item=item, action_ts=click.action_ts)), respond)
    ack()
    _later(deps, respond, lambda: (confirmation(click.value, on, item.kind), []))


def confirmation(value: str, on: bool, kind: str) -> str:
    """What the clicker is told, only to them."""
    thing = {"idea": "idea", "draft": "draft", "feedback": "critique",
             "polish": "polished version"}.get(kind, "message")
    button = "👍" if value == blocks.UP else "👎"
    if not on:
        return f"Taken back: your {button} on this {thing} no longer counts."
    if value == blocks.UP:
        said = f"👍 Counted: you approve this {thing}."
    else:
        said = f"👎 Counted: you reject this {thing}."
        if kind == "idea":
            said += " Ideas this channel rejects are not proposed here again."
    return said + f" Click {button} again to take it back."


def on_next_step(ack: Ack, click: Click, respond: Respond, deps: Deps, step: str, *,
                 bot_user: str | None = None, response_url: Any = None) -> None:
    """"Draft this" or "More like this" on an idea: a strong approval, and work in the
    idea's thread, once per person and idea."""
    item = _item(click, deps, respond)
    if item is None or item.kind != "idea":
        ack()
        said = NOT_AN_ITEM if item is None else "Those buttons work on ideas only."
        _later(deps, respond, lambda: (said, []))
        return
    idea = _stored(deps, lambda: deps.brainstormer.idea(item.id), respond)
    if not idea.text:  # its words were removed (retention, or the person who asked left)
        ack()
        _later(deps, respond, lambda: (PURGED_IDEA, []))
        return
    thread_ts = click.thread_ts or click.message_ts
    request: dict[str, Any]
    if step == "draft":
        kind, request = "draft", {
            "text": DRAFT_THIS.format(n=idea.position), "ts": None,
            "ideas": [[idea.position, idea.text]],
            "bot": bot_user if is_slack_id(bot_user) else None}
    else:
        kind, request = "brainstorm", {
            "topic": idea.topic or UNNAMED_TOPIC, "seed": idea.text, "seed_position": idea.position,
            "response_url": response_url if isinstance(response_url, str) else None}

    def accept() -> Any:
        deps.judgements.click(button_click(step, user=click.user, item=item,
                                           action_ts=click.action_ts))
        return deps.work.accept(kind, team=deps.team,
                                delivery_key=f"button:{step}:{item.id}:{click.user}",
                                channel=click.channel, user=click.user,
                                thread_ts=thread_ts, request=request)

    try:
        work = _stored(deps, accept, respond)
    except BadInput as exc:  # a daily limit, or a channel idealoop does not work in: the
        ack()                # click still counts as the person's approval of the idea
        refused = exc.user_message
        _later(deps, respond, lambda: (refused, []))
        return
    ack()
    if work is None:
        done = "a draft of" if step == "draft" else "more ideas like"
        _later(deps, respond, lambda: (f"You already asked for {done} idea {idea.position}: "
                                       "it is in this thread.", []))
        return
    deps.worker.run_soon(work)


def _item(click: Click, deps: Deps, respond: Respond) -> ItemRef | None:
    """The item clicked on, None when the message is not one (the caller acks, then says
    so); the database away: NotSaved, the person told after Slack's 503."""
    try:
        return deps.judgements.item_at(click.channel, click.message_ts)
    except DatabaseUnavailable as exc:
        said = user_message(exc)
        _later(deps, respond, lambda: (said, []))
        raise NotSaved(str(exc)) from exc


def _stored(deps: Deps, store: Callable[[], T], respond: Respond) -> T:
    """`store()`, or Slack answered 503 and the person told (after it) it was not saved."""
    try:
        return store()
    except DatabaseUnavailable as exc:
        said = user_message(exc) + " Click again in a minute."
        _later(deps, respond, lambda: (said, []))
        raise NotSaved(str(exc)) from exc


def _later(deps: Deps, respond: Respond,
           answer: Callable[[], tuple[str, list[dict[str, Any]]]]) -> None:
    """Answer through the response URL after Slack has its answer, on the job pool: a
    listener finishes before Slack is answered (`process_before_response`), so a
    response URL that is slow or away (slack_sdk waits and retries) would hold the ack
    past Slack's 3 seconds. Here and now only when the pool is full."""
    def send() -> None:
        try:
            text, shown = answer()
        except DatabaseUnavailable as exc:
            text, shown = user_message(exc), []
        tell(respond, text, shown)

    soon(deps, send)
