"""One module per family of Slack Web API methods, gathered into one dispatch table.

Each method is a function ``(ctx, params) -> answer``: `ctx` says which workspace the
call's token speaks for; `params` are decoded as Slack decodes them. A refusal is a
:class:`~bot.emulator.workspace.WorkspaceError` carrying Slack's own error code.
"""

from __future__ import annotations

from bot.emulator.methods import (
    agents,
    apps,
    assistant,
    auth,
    canvases,
    chat,
    conversations,
    reactions,
    streams,
    views,
)
from bot.emulator.methods.context import CallContext, Method

__all__ = ["METHODS", "UNAUTHENTICATED", "CallContext", "Method"]

#: Every method the emulator serves; anything else is `unknown_method`, as on Slack.
METHODS: dict[str, Method] = {
    **auth.METHODS,
    **apps.METHODS,
    **chat.METHODS,
    **streams.METHODS,
    **conversations.METHODS,
    **reactions.METHODS,
    **views.METHODS,
    **canvases.METHODS,
    **assistant.METHODS,
    **agents.METHODS,
    **apps.METHODS,
}

#: Methods that take no bot token (Socket Mode's take an app-level token, checked there).
UNAUTHENTICATED = auth.UNAUTHENTICATED | apps.APP_TOKEN_METHODS
