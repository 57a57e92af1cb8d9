"""Tests of the connection and of tokens: `api.test`, `auth.test`, `oauth.v2.access`."""

from __future__ import annotations

from typing import Any

from bot.emulator.methods.context import CallContext, Method
from bot.emulator.workspace import PERMALINK_HOST


def api_test(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "args": {k: v for k, v in params.items() if k != "token"}}


def oauth_v2_access(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    """The token exchange: a code from `authorize`, or (rotation) a refresh token."""
    return ctx.oauth.access(params, ctx.headers, ctx.workspaces)


def auth_test(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    st = ctx.ws
    return {
        "ok": True,
        "url": f"{PERMALINK_HOST}/",
        "team": st.team_name,
        "user": st.bot_name,
        "team_id": st.team_id,
        "user_id": st.bot_user_id,
        "bot_id": st.bot_id,
        "is_enterprise_install": False,
    }


METHODS: dict[str, Method] = {
    "api.test": api_test,
    "auth.test": auth_test,
    "oauth.v2.access": oauth_v2_access,
}

#: Methods that take no bot token.
UNAUTHENTICATED = frozenset({"api.test", "oauth.v2.access"})
