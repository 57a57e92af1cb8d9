"""The assistant pane of a direct message: `assistant.threads.*`."""

from __future__ import annotations

from typing import Any

from bot.emulator.methods.context import CallContext, Method
from bot.emulator.workspace import WorkspaceError


def assistant_thread(params: dict[str, Any]) -> tuple[str, str]:
    channel = str(params.get("channel_id") or "")
    thread_ts = str(params.get("thread_ts") or "")
    if not channel.startswith("D"):  # the assistant pane is a direct message
        raise WorkspaceError("channel_not_found" if not channel else "invalid_channel")
    return channel, thread_ts


def set_status(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, thread_ts = assistant_thread(params)
    ctx.ws.set_assistant(channel, thread_ts, status=str(params.get("status") or ""))
    return {"ok": True}


def set_title(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, thread_ts = assistant_thread(params)
    title = str(params.get("title") or "")
    if not title:
        raise WorkspaceError("invalid_arguments", "title")
    ctx.ws.set_assistant(channel, thread_ts, title=title)
    return {"ok": True}


def set_suggested_prompts(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """Up to four prompts, each with a title and a message. `thread_ts` is optional (the
    prompts then belong to the DM). Slack's method page: "The thread_ts parameter should
    only be used in the legacy assistant messaging experience. Including it in a call
    for an agent app will cause the call to silently fail" — so an agent app's call with
    one answers ok and changes nothing."""
    channel, thread_ts = assistant_thread(params)
    prompts = params.get("prompts")
    if not isinstance(prompts, list) or not 1 <= len(prompts) <= 4 or not all(
            isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts):
        raise WorkspaceError("invalid_arguments", "prompts")
    if not thread_ts:
        ctx.ws.set_channel_prompts(channel, prompts, params.get("title"))
    elif not ctx.ws.agent_view:
        ctx.ws.set_assistant(channel, thread_ts, prompts=prompts,
                             prompts_title=params.get("title"))
    return {"ok": True}


METHODS: dict[str, Method] = {
    "assistant.threads.setStatus": set_status,
    "assistant.threads.setTitle": set_title,
    "assistant.threads.setSuggestedPrompts": set_suggested_prompts,
}
