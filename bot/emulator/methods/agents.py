"""Agent sessions of the Agent messaging experience: `agents.sessions.*`.

As documented at https://docs.slack.dev/reference/methods/agents.sessions.setStatus and
https://docs.slack.dev/ai/agent-sessions (read 2026-12):

- `status` is required, one of active, processing, suspended, closed;
- `thread_ts` is required for thread-based sessions in channels and DMs (idealoop only
  has those; "session channels" are not emulated), `channel_id` for public channels;
- `title` at most 200 characters, used only when the call creates the session
  (`agents.sessions.rename` changes it: 1–200 characters);
- the token must be a bot token with `chat:write` (the emulator only has bot tokens).

The method pages' error tables were not in what could be read of them; the codes here
are Slack's generic ones for the same faults (`invalid_arguments`, `channel_not_found`,
and `invalid_thread_ts` as the assistant.threads.* family words "thread not found").
"""

from __future__ import annotations

from typing import Any

from bot.emulator.methods.context import CallContext, Method
from bot.emulator.workspace import WorkspaceError

STATUSES = ("active", "processing", "suspended", "closed")
TITLE_LIMIT = 200


def _session(params: dict[str, Any]) -> tuple[str, str]:
    channel = str(params.get("channel_id") or "")
    thread_ts = str(params.get("thread_ts") or "")
    if not channel:
        raise WorkspaceError("channel_not_found")
    if not thread_ts:
        raise WorkspaceError("invalid_arguments", "thread_ts is required for a thread "
                             "in a channel or DM")
    return channel, thread_ts


def _title(params: dict[str, Any], *, required: bool) -> str | None:
    title = params.get("title")
    if title is None or title == "":
        if required:
            raise WorkspaceError("invalid_arguments", "title")
        return None
    if not isinstance(title, str) or len(title) > TITLE_LIMIT:
        raise WorkspaceError("invalid_arguments", f"title: at most {TITLE_LIMIT} characters")
    return title


def set_status(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    status = params.get("status")
    if status not in STATUSES:
        raise WorkspaceError("invalid_arguments", f"status must be one of {STATUSES}")
    channel, thread_ts = _session(params)
    title = _title(params, required=False)
    initiator = params.get("initiator_user_id")
    if initiator is not None and not (isinstance(initiator, str)
                                      and initiator in ctx.ws.users):
        raise WorkspaceError("user_not_found", "initiator_user_id")
    session = ctx.ws.set_agent_session(channel, thread_ts, str(status), title=title,
                                       initiator=initiator)
    return {"ok": True, "status": session["status"], "title": session["title"]}


def rename(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    channel, thread_ts = _session(params)
    title = _title(params, required=True)
    assert title is not None
    ctx.ws.rename_agent_session(channel, thread_ts, title)
    return {"ok": True}


METHODS: dict[str, Method] = {
    "agents.sessions.setStatus": set_status,
    "agents.sessions.rename": rename,
}
