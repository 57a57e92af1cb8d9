"""Emoji the bot adds or removes: `reactions.add`, `reactions.remove`."""

from __future__ import annotations

from typing import Any

from bot.emulator.methods.context import CallContext, Method
from bot.emulator.methods.params import require
from bot.emulator.workspace import WorkspaceError, strip_colons


def reaction_args(ctx: CallContext, params: dict[str, Any]) -> tuple[str, str, str]:
    require(params, "channel", "timestamp")
    name = strip_colons(str(params.get("name") or ""))
    if not name:
        raise WorkspaceError("invalid_name")
    return ctx.ws.ensure_channel(str(params["channel"])), str(params["timestamp"]), name


def add(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, ts, name = reaction_args(ctx, params)
    if not ctx.ws.add_reaction(channel, ts, ctx.ws.bot_user_id, name):
        raise WorkspaceError("already_reacted")
    return {"ok": True}


def remove(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, ts, name = reaction_args(ctx, params)
    if not ctx.ws.remove_reaction(channel, ts, ctx.ws.bot_user_id, name):
        raise WorkspaceError("no_reaction")
    return {"ok": True}


METHODS: dict[str, Method] = {
    "reactions.add": add,
    "reactions.remove": remove,
}
