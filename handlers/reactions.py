"""`reaction_added` / `reaction_removed`: every reaction on an item becomes a signal.

Slack gets its 200 only once the signal is committed (the signal writer's group commit):
when it cannot be, the listener raises and Slack is answered 503, to deliver the event
again. An event whose fields Slack would never send is answered 400. A reaction on one
of the bot's messages that is not recorded as an item while work in its channel is still
running is answered 503 too (`bot.signals.reaction_change`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.errors import BadInput
from bot.signals import ReactionEvent


def register(app: App, deps: Deps) -> None:
    def reaction_added(event: dict[str, Any], context: BoltContext) -> None:
        _record(event, context, deps.for_team(context.team_id), added=True)

    def reaction_removed(event: dict[str, Any], context: BoltContext) -> None:
        _record(event, context, deps.for_team(context.team_id), added=False)

    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)


def _record(event: dict[str, Any], context: BoltContext, deps: Deps, *, added: bool) -> None:
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
        settings=deps.settings, bot_user_id=context.bot_user_id,
        work_pending=deps.work.pending_in,
    )
    if change is not None:
        deps.signals.store_now(change)  # NotSaved: Slack is answered 503 and re-delivers
