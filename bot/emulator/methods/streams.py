"""Messages the bot writes as it goes: `chat.startStream`, `.appendStream`, `.stopStream`."""

from __future__ import annotations

from typing import Any

from bot.emulator.block_kit import check_blocks
from bot.emulator.methods.context import CallContext, Method
from bot.emulator.methods.params import list_param, metadata
from bot.emulator.workspace import WorkspaceError


def start_stream(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """A message the bot writes as it goes: a reply, to a named person in a channel."""
    channel, thread_ts = str(params.get("channel") or ""), params.get("thread_ts")
    if not channel:
        raise WorkspaceError("channel_not_found")
    if ctx.ws.streaming_refused:
        raise WorkspaceError("feature_not_enabled")
    if not thread_ts:
        raise WorkspaceError("invalid_arguments", "thread_ts")
    if not channel.startswith("D"):
        for field in ("recipient_user_id", "recipient_team_id"):
            if not params.get(field):
                raise WorkspaceError(f"missing_{field}")
    posted = ctx.ws.post_message(channel, str(params.get("markdown_text") or ""),
                                     thread_ts=str(thread_ts), as_bot=True)
    ctx.ws.mark_streaming(channel, posted["ts"])
    return {"ok": True, "channel": channel, "ts": posted["ts"]}


def append_stream(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
    ctx.ws.stream(channel, ts, str(params.get("markdown_text") or ""))
    return {"ok": True, "channel": channel, "ts": ts}


def stop_stream(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
    blocks = list_param(params, "blocks", "invalid_blocks")
    check_blocks(blocks)
    message = ctx.ws.stream(channel, ts, str(params.get("markdown_text") or ""),
                                stop=True, blocks=blocks, metadata=metadata(params))
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


METHODS: dict[str, Method] = {
    "chat.startStream": start_stream,
    "chat.appendStream": append_stream,
    "chat.stopStream": stop_stream,
}
