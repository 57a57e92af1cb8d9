"""`reaction_added` / `reaction_removed`: every reaction on an item becomes a signal."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.deps import Deps
from bot.signals import ReactionEvent, record_reaction


def register(app: App, deps: Deps) -> None:
    def reaction_added(event: dict[str, Any], context: BoltContext) -> None:
        _record(event, context, deps, added=True)

    def reaction_removed(event: dict[str, Any], context: BoltContext) -> None:
        _record(event, context, deps, added=False)

    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)


def _record(event: dict[str, Any], context: BoltContext, deps: Deps, *, added: bool) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
        return  # reactions on files and file comments are not signals
    record_reaction(
        ReactionEvent(
            added=added,
            user=event.get("user", ""),
            emoji=event.get("reaction", ""),
            channel=item["channel"],
            message_ts=item["ts"],
            event_ts=event.get("event_ts") or item["ts"],
        ),
        store=deps.store,
        write=deps.signals.submit,
        settings=deps.settings,
        bot_user_id=context.bot_user_id,
    )
