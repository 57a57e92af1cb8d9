"""Surfaces outside messages: the Home tab (`views.publish`) and modals (`views.open`)."""

from __future__ import annotations

from typing import Any

from bot.emulator.block_limits import check_blocks
from bot.emulator.methods.context import CallContext, Method
from bot.emulator.workspace import WorkspaceError


def view_param(params: dict[str, Any], kind: str) -> dict[str, Any]:
    """The `view` param, checked as Slack checks it: its type, its blocks (at most 100,
    each within Block Kit's limits: `bot.emulator.block_limits`), and a modal's title of at
    most 24 characters."""
    view = params.get("view")
    if not isinstance(view, dict) or view.get("type") != kind:
        raise WorkspaceError("invalid_arguments", "view")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise WorkspaceError("invalid_blocks", "view")
    check_blocks(blocks, view=True, pointer="/view/blocks")
    title = (view.get("title") or {}).get("text", "")
    if kind == "modal" and not 0 < len(title) <= 24:
        raise WorkspaceError("invalid_arguments", "view.title")
    return view


def publish(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user = str(params.get("user_id") or "")
    if user not in ctx.ws.users:
        raise WorkspaceError("user_not_found")
    return {"ok": True, "view": ctx.ws.publish_home(user, view_param(params, "home"))}


def open_modal(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    trigger = str(params.get("trigger_id") or "")
    if not trigger:
        raise WorkspaceError("invalid_arguments", "trigger_id")
    if "expired" in trigger:  # Slack's triggers last three seconds
        raise WorkspaceError("expired_trigger_id")
    return {"ok": True, "view": ctx.ws.open_modal(trigger, view_param(params, "modal"))}


METHODS: dict[str, Method] = {
    "views.publish": publish,
    "views.open": open_modal,
}
