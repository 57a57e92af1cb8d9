"""Socket Mode's door: `apps.connections.open` hands an app-level token a WebSocket URL."""

from __future__ import annotations

import uuid
from typing import Any

from bot.emulator.methods.context import CallContext, Method
from bot.emulator.transport import token_of


def connections_open(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """A Socket Mode WebSocket URL, for an app-level token (``xapp-``) only: Slack
    answers a bot or user token with ``not_allowed_token_type``."""
    token = token_of(ctx.headers, params)
    if not token:
        return {"ok": False, "error": "not_authed"}
    if token.startswith("xox"):
        return {"ok": False, "error": "not_allowed_token_type"}
    if not token.startswith("xapp-"):
        return {"ok": False, "error": "invalid_auth"}
    return {"ok": True, "url": f"ws://{ctx.host}/link/?ticket={uuid.uuid4().hex}"}


METHODS: dict[str, Method] = {"apps.connections.open": connections_open}

#: App-level tokens are checked here, not by the bot-token check.
UNAUTHENTICATED = frozenset(METHODS)
