"""Reading channels, threads and people: `conversations.replies`, `.history`, `.info`,
`users.info`, with Slack's cursors, limits and time windows."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from bot.emulator.methods.context import CallContext, Method
from bot.emulator.methods.params import require, truthy, with_metadata
from bot.emulator.workspace import MAX_PAGE_LIMIT, WorkspaceError
from bot.slack_values import ts_to_us


def _encode_cursor(ts: str) -> str:
    """Opaque cursor like Slack's (base64 of ``next_ts:<ts>``); ts-based so it survives edits."""
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    """Return the microsecond position a cursor points at; raises ``invalid_cursor``."""
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, ts = raw.partition(":")
        if prefix != "next_ts":
            raise ValueError(raw)
        return ts_to_us(ts)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WorkspaceError("invalid_cursor", cursor) from exc


def _limit(params: dict[str, Any]) -> int:
    """Slack's ``limit``: default and maximum 1000; junk or non-positive means default."""
    try:
        value = int(params.get("limit") or MAX_PAGE_LIMIT)
    except (TypeError, ValueError):
        value = MAX_PAGE_LIMIT
    return MAX_PAGE_LIMIT if value <= 0 else min(value, MAX_PAGE_LIMIT)


def time_window(params: dict[str, Any]) -> Callable[[str], bool]:
    """Build the ``oldest``/``latest``/``inclusive`` filter shared by history and replies."""
    inclusive = truthy(params.get("inclusive", False))
    try:
        oldest = ts_to_us(params["oldest"]) if params.get("oldest") else None
        latest = ts_to_us(params["latest"]) if params.get("latest") else None
    except ValueError as exc:
        raise WorkspaceError("invalid_ts_oldest", str(exc)) from exc

    def keep(ts: str) -> bool:
        us = ts_to_us(ts)
        if oldest is not None and (us < oldest or (us == oldest and not inclusive)):
            return False
        return latest is None or us < latest or (us == latest and inclusive)

    return keep


def paginate(
    messages: list[dict[str, Any]], params: dict[str, Any], *, newest_first: bool
) -> dict[str, Any]:
    """Cut one page out of ``messages`` (already ordered) using Slack's cursor contract."""
    limit = _limit(params)
    cursor = params.get("cursor")
    start = 0
    if cursor:
        pos = _decode_cursor(str(cursor))
        start = len(messages)
        for i, msg in enumerate(messages):
            us = ts_to_us(msg["ts"])
            if (us <= pos) if newest_first else (us >= pos):
                start = i
                break
    page = messages[start:start + limit]
    rest = messages[start + limit:]
    next_cursor = _encode_cursor(rest[0]["ts"]) if rest else ""
    return {
        "messages": page,
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": next_cursor},
    }


def replies(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel", "ts")
    channel = ctx.ws.require_member(str(params["channel"]))
    ts = str(params["ts"])
    root_ts = ctx.ws.thread_root_ts(channel, ts)
    if root_ts is None or ctx.ws.get_message(channel, root_ts) is None:
        raise WorkspaceError("thread_not_found")
    keep = time_window(params)
    thread = ctx.ws.thread(channel, root_ts)
    # Slack always leads with the parent; the window only filters replies.
    messages = with_metadata(thread[:1] + [m for m in thread[1:] if keep(m["ts"])],
                              params)
    return {"ok": True, **paginate(messages, params, newest_first=False)}


def history(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel")
    channel = ctx.ws.require_member(str(params["channel"]))
    keep = time_window(params)
    messages = with_metadata(
        [m for m in reversed(ctx.ws.history(channel)) if keep(m["ts"])], params)
    return {"ok": True, **paginate(messages, params, newest_first=True)}


def info(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel")
    return {"ok": True, "channel": ctx.ws.channel_info(str(params["channel"]))}


# conversations.list's `types` -> which channel objects they are
_KINDS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "public_channel": lambda c: c["is_channel"] and not c["is_private"],
    "private_channel": lambda c: c["is_group"] or (c["is_channel"] and c["is_private"]),
    "mpim": lambda c: c["is_mpim"], "im": lambda c: c["is_im"],
}
_LIST_LIMIT = 100  # https://docs.slack.dev/reference/methods/conversations.list: default 100


def conversations_list(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """`conversations.list`: the workspace's channels of `types` (default public), in
    pages of `limit` (default 100, at most 1000) with an opaque `cursor`."""
    kinds = [kind.strip() for kind in str(params.get("types") or "public_channel").split(",")]
    if any(kind not in _KINDS for kind in kinds):
        raise WorkspaceError("invalid_types", str(params.get("types")))
    with ctx.ws.lock:
        channels = [dict(info) for info in ctx.ws.channels.values()
                    if any(_KINDS[kind](info) for kind in kinds)]
    try:
        limit = min(int(params.get("limit") or _LIST_LIMIT), MAX_PAGE_LIMIT)
    except (TypeError, ValueError):
        limit = _LIST_LIMIT
    try:
        start = int(base64.b64decode(str(params["cursor"])).decode().removeprefix("offset:")) \
            if params.get("cursor") else 0
    except ValueError as exc:
        raise WorkspaceError("invalid_cursor", str(params.get("cursor"))) from exc
    end = start + max(limit, 1)
    following = base64.b64encode(f"offset:{end}".encode()).decode() \
        if end < len(channels) else ""
    return {"ok": True, "channels": channels[start:end],
            "response_metadata": {"next_cursor": following}}


def users_info(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("user"):
        raise WorkspaceError("user_not_found")
    return {"ok": True, "user": ctx.ws.user_info(str(params["user"]))}


def open_dm(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """`conversations.open` with one user: the app's direct message with them (the same
    one each time, as Slack answers). Only DMs with one person are emulated."""
    users = [user for user in str(params.get("users") or "").split(",") if user]
    if params.get("channel") or len(users) != 1:
        raise WorkspaceError("not_implemented", "only a DM with one user is emulated")
    if users[0] not in ctx.ws.users:
        raise WorkspaceError("user_not_found")
    channel = ctx.ws.ensure_channel(dm_of(users[0]), name=f"dm-{ctx.ws.users[users[0]]}")
    return {"ok": True, "channel": {"id": channel}}


def dm_of(user: str) -> str:
    """The id of the app's DM with `user` in the emulator (D0ALICE for U0ALICE)."""
    return "D" + user[1:]


METHODS: dict[str, Method] = {
    "conversations.open": open_dm,
    "conversations.replies": replies,
    "conversations.history": history,
    "conversations.info": info,
    "conversations.list": conversations_list,
    "users.info": users_info,
}
