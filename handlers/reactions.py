"""`reaction_added` / `reaction_removed`: every reaction on an item becomes a signal.

Slack gets its 200 only once the signal is committed (the signal writer's group commit):
when it cannot be, the listener raises and Slack is answered 503, to deliver the event
again. An event whose fields Slack would never send is answered 400. A reaction on one
of the bot's messages that is not recorded as an item while work in its channel is still
running is answered 503 too (`bot.signals.reaction_change`).

Reactions are most of what Slack sends, so they have a fast path (`fast_path`; 👍 / 👎
clicks have one too, `handlers.actions.fast_path`, built the same way): the
payload the transport checked (over HTTP: signature, timestamp window, size, parsing and
shape, `bot.runtime.slack_http`) goes straight to the same `_record` and the same error
answers (`handlers.errors.error_response`), without Bolt's middleware chain, its
context and its listener matching. It takes only what Bolt would hand to the listeners
below with the same workspace and bot user, and leaves everything else to Bolt: other
payloads, a workspace Bolt would refuse or has not authorized yet (`BotUser` says None),
the bot's own reactions (Bolt acks them unseen), events carrying a `bot_id`, org-wide
installs and SSL checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.request.internals import extract_user_id

from bot.deps import Deps
from bot.errors import BadInput
from bot.runtime.entry import UNREADABLE
from bot.signals import ReactionEvent
from handlers.fast_path import BotUser, answered, bolt_ids

#: The event types taken, and whether each adds a reaction.
ADDED = {"reaction_added": True, "reaction_removed": False}


def register(app: App, deps: Deps) -> None:
    def reaction_added(event: dict[str, Any], context: BoltContext) -> None:
        _record(event, deps.for_team(context.team_id), context.bot_user_id, added=True)

    def reaction_removed(event: dict[str, Any], context: BoltContext) -> None:
        _record(event, deps.for_team(context.team_id), context.bot_user_id, added=False)

    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)


def fast_path(deps: Deps, bot_user: BotUser) -> Callable[[dict[str, Any]], BoltResponse | None]:
    """The answer to a reaction event without Bolt's middleware chain (see above), or
    None to leave the payload to Bolt. `bot_user` is Bolt's authorization, asked the
    same way."""

    def take(body: dict[str, Any]) -> BoltResponse | None:
        event = body.get("event")
        if body.get("type") != "event_callback" or not isinstance(event, dict):
            return None
        kind = event.get("type")
        if not isinstance(kind, str) or kind not in ADDED:
            return None
        if event.get("bot_id") is not None or (ids := bolt_ids(body)) is None:
            return None
        team, channel = ids
        try:
            user = extract_user_id(body)
        except UNREADABLE:
            return None
        bot_user_id = bot_user(team)
        if bot_user_id is None or user == bot_user_id:
            return None  # Bolt refuses the workspace, or acks the bot's own reaction

        def record() -> BoltResponse:
            _record(event, deps.for_team(team), bot_user_id, added=ADDED[kind])
            return BoltResponse(status=200, body="")

        return answered(body, team, channel, record)

    return take


def _record(event: dict[str, Any], deps: Deps, bot_user_id: str | None, *,
            added: bool) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message":
        return  # reactions on files and file comments are not signals
    fields = (event.get("user"), event.get("reaction"), item.get("channel"), item.get("ts"))
    if not all(isinstance(value, str) and value for value in fields):
        raise BadInput("a reaction event without its user, emoji, channel or message")
    user, emoji, channel, ts = (str(value) for value in fields)
    event_ts = event.get("event_ts") or ts
    author = event.get("item_user")
    change = deps.judgements.reaction(
        ReactionEvent(added=added, user=user, emoji=emoji, channel=channel, message_ts=ts,
                      event_ts=str(event_ts), author=author if isinstance(author, str) else None),
        settings=deps.settings, bot_user_id=bot_user_id,
        work_pending=deps.work.pending_in,
    )
    if change is not None:
        deps.signals.store_now(change)  # NotSaved: Slack is answered 503 and re-delivers
