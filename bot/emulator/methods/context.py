"""What a method of the emulated Web API is handed besides its parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.emulator.oauth_apps import OAuthApps
from bot.emulator.workspace import Workspace


@dataclass(frozen=True)
class CallContext:
    """The workspace the call's token speaks for, the call's headers, the server-wide
    OAuth state (the token exchange needs every workspace), and where Socket Mode
    connections are opened (app id -> a WebSocket URL good for one connection)."""

    ws: Workspace
    headers: dict[str, str]
    oauth: OAuthApps
    workspaces: dict[str, Workspace]
    open_socket: Callable[[str], str]


Method = Callable[[CallContext, dict[str, Any]], dict[str, Any]]
