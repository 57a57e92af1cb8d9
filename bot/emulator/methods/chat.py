"""Messages the bot posts, edits and deletes: `chat.postMessage`, `chat.update`, `chat.delete`,
`chat.postEphemeral`, `chat.getPermalink`."""

from __future__ import annotations

from typing import Any

from bot.emulator.block_limits import check_message
from bot.emulator.methods.context import CallContext, Method
from bot.emulator.methods.params import content, metadata, require, truthy
from bot.emulator.workspace import WorkspaceError


def post_message(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("channel"):
        raise WorkspaceError("channel_not_found")
    text, blocks, attachments = content(params)
    if not text and not blocks and not attachments:
        raise WorkspaceError("no_text")
    check_message(text, blocks)
    channel = ctx.ws.require_member(str(params["channel"]))
    msg = ctx.ws.post_message(
        channel,
        text or "",
        thread_ts=str(params["thread_ts"]) if params.get("thread_ts") else None,
        blocks=blocks,
        attachments=attachments,
        metadata=metadata(params),
        as_bot=True,
        reply_broadcast=truthy(params.get("reply_broadcast", False)),
    )
    return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}


def bot_message(ctx: CallContext, params: dict[str, Any], ts_param: str, error: str) -> str:
    """Validate channel+ts name a bot message; returns channel id."""
    require(params, "channel", ts_param)
    channel = ctx.ws.ensure_channel(str(params["channel"]))
    msg = ctx.ws.get_message(channel, str(params[ts_param]))
    if msg is None:
        raise WorkspaceError("message_not_found")
    if msg.get("bot_id") != ctx.ws.bot_id:
        raise WorkspaceError(error)
    return channel


def update(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel = bot_message(ctx, params, "ts", "cant_update_message")
    text, blocks, attachments = content(params)
    if text is None and blocks is None and attachments is None:
        raise WorkspaceError("no_text")
    check_message(text, blocks)
    msg = ctx.ws.update_message(
        channel, str(params["ts"]), text, blocks,
        metadata=metadata(params), attachments=attachments,
    )
    return {"ok": True, "channel": channel, "ts": msg["ts"], "text": msg["text"],
            "message": msg}


def delete(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel = bot_message(ctx, params, "ts", "cant_delete_message")
    ctx.ws.delete_message(channel, str(params["ts"]))
    return {"ok": True, "channel": channel, "ts": str(params["ts"])}


def post_ephemeral(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("channel"):
        raise WorkspaceError("channel_not_found")
    if not params.get("user"):
        raise WorkspaceError("user_not_found")
    text, blocks, attachments = content(params)
    if not text and not blocks and not attachments:
        raise WorkspaceError("no_text")
    check_message(text, blocks)
    user = str(params["user"])
    if user not in ctx.ws.users:
        raise WorkspaceError("user_not_found")
    # Slack's errors for where it goes, as its reference lists them
    # (https://docs.slack.dev/reference/methods/chat.postEphemeral): channel_not_found,
    # not_in_channel, is_archived, user_not_in_channel
    channel = ctx.ws.require_ephemeral_audience(str(params["channel"]), user)
    ts = ctx.ws.post_ephemeral(
        channel, user, text or "", blocks,
        str(params["thread_ts"]) if params.get("thread_ts") else None,
    )
    return {"ok": True, "message_ts": ts}


def get_permalink(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", "message_ts")
    channel = ctx.ws.ensure_channel(str(params["channel"]))
    link = ctx.ws.permalink(channel, str(params["message_ts"]))
    return {"ok": True, "channel": channel, "permalink": link}


METHODS: dict[str, Method] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
