"""Messages the bot writes as it goes: `chat.startStream`, `.appendStream`, `.stopStream`.

Limits, as Slack publishes them:

- `markdown_text` is at most 12,000 characters on each of the three calls ("Limit this
  field to 12,000 characters": https://docs.slack.dev/reference/methods/chat.startStream,
  .../chat.appendStream, .../chat.stopStream). Over it, Slack's word for a message too
  long, `msg_too_long`, and nothing changes.
- A stream that was stopped, or started about five minutes ago, is no longer in its
  streaming state: `message_not_in_streaming_state` on append and stop (the expiry as
  apps met it: see `bot.emulator.workspace.STREAM_LIFETIME`). The time is the
  workspace's `stream_lifetime`, measured on its injectable `clock`; a stream left
  without appends for five minutes is past it too.
"""

from __future__ import annotations

from typing import Any

from bot.emulator.block_limits import check_blocks
from bot.emulator.methods.context import CallContext, Method
from bot.emulator.methods.params import list_param, metadata
from bot.emulator.workspace import WorkspaceError

MARKDOWN_TEXT_LIMIT = 12_000  # characters of `markdown_text` per call


def _markdown_text(params: dict[str, Any]) -> str:
    text = str(params.get("markdown_text") or "")
    if len(text) > MARKDOWN_TEXT_LIMIT:
        raise WorkspaceError("msg_too_long",
                             f"markdown_text is {len(text)} characters, over "
                             f"{MARKDOWN_TEXT_LIMIT}")
    return text


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
    text = _markdown_text(params)
    posted = ctx.ws.post_message(channel, text, thread_ts=str(thread_ts), as_bot=True)
    ctx.ws.mark_streaming(channel, posted["ts"])
    return {"ok": True, "channel": channel, "ts": posted["ts"]}


def append_stream(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
    ctx.ws.stream(channel, ts, _markdown_text(params))
    return {"ok": True, "channel": channel, "ts": ts}


def stop_stream(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
    text = _markdown_text(params)
    blocks = list_param(params, "blocks", "invalid_blocks")
    check_blocks(blocks)
    message = ctx.ws.stream(channel, ts, text, stop=True, blocks=blocks,
                            metadata=metadata(params))
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


METHODS: dict[str, Method] = {
    "chat.startStream": start_stream,
    "chat.appendStream": append_stream,
    "chat.stopStream": stop_stream,
}
