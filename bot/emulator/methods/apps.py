"""Socket Mode's door: `apps.connections.open`.

Slack's method takes the app-level token (``xapp-…``, scope ``connections:write``), never
a bot or user token, and answers a WebSocket URL that is good for one connection; every
reconnect asks for a new one. Refusals as Slack words them: no token ``not_authed``, a
bot or user token ``not_allowed_token_type``, anything else ``invalid_auth``.
(https://docs.slack.dev/reference/methods/apps.connections.open)

The emulator's app-level tokens are those of the app it plays, in Slack's shape:
``xapp-1-A0IDEALOOP-<number>-<secret>``; any other ``xapp-`` token is ``invalid_auth``,
as a token of another app, or a mistyped one, is on Slack.

Which server the URL leads to is the emulator's business (``CallContext.open_socket``):
a Socket Mode endpoint the tests start (``testkit.socket_mode``), or, when none is
running, the emulated Web API itself, which refuses the WebSocket handshake as Slack's
link host would for an app whose Socket Mode is off.
"""

from __future__ import annotations

import re
from typing import Any

from bot.emulator.methods.context import CallContext, Method
from bot.emulator.slack_requests import APP_ID
from bot.emulator.transport import token_of
from bot.emulator.workspace import WorkspaceError

#: An app-level token of the emulated app; ``xoxb-``/``xoxp-`` are workspace tokens.
APP_TOKEN = re.compile(rf"xapp-\d+-{APP_ID}-\d+-[0-9a-z]+")


def app_token_error(token: str | None) -> str | None:
    """Why Slack would refuse `token` for an app-level method; None when it would not."""
    if not token:
        return "not_authed"
    if APP_TOKEN.fullmatch(token):
        return None
    if token.startswith(("xoxb-", "xoxp-", "xoxa-", "xoxe.")):
        return "not_allowed_token_type"
    return "invalid_auth"


def connections_open(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    error = app_token_error(token_of(ctx.headers, params))
    if error is not None:
        raise WorkspaceError(error)
    return {"ok": True, "url": ctx.open_socket(APP_ID)}


METHODS: dict[str, Method] = {
    "apps.connections.open": connections_open,
}

#: Methods that take no bot token: this family checks its app-level token itself.
APP_TOKEN_METHODS = frozenset(METHODS)
