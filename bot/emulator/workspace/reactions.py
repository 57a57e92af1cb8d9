"""Reactions: who added which emoji to which message."""

from __future__ import annotations

from typing import Any

from bot.emulator.workspace.core import Core, strip_colons
from bot.emulator.workspace.messages import Messages


class Reactions:
    """Adds and removes reactions on messages, kept on the message as Slack shows them
    (``reactions: [{"name", "users", "count"}]``, the list gone when the last is removed)."""

    def __init__(self, core: Core, messages: Messages) -> None:
        self._core = core
        self._messages = messages

    def add_reaction(self, channel: str, ts: str, user: str, name: str) -> bool:
        """Add ``user``'s reaction; False if already there. Raises ``message_not_found``."""
        name = strip_colons(name)
        with self._core.lock:
            msg = self._messages.live(channel, ts)
            reactions: list[dict[str, Any]] = msg.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            if user in entry["users"]:
                return False
            entry["users"].append(user)
            entry["count"] = len(entry["users"])
        self._core.emit("reaction_added",
                        {"channel": channel, "ts": ts, "user": user, "reaction": name})
        return True

    def remove_reaction(self, channel: str, ts: str, user: str, name: str) -> bool:
        """Remove ``user``'s reaction; False if it wasn't there. Raises ``message_not_found``."""
        name = strip_colons(name)
        with self._core.lock:
            msg = self._messages.live(channel, ts)
            reactions: list[dict[str, Any]] = msg.get("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None or user not in entry["users"]:
                return False
            entry["users"].remove(user)
            entry["count"] = len(entry["users"])
            if not entry["users"]:
                reactions.remove(entry)
            if not reactions:
                msg.pop("reactions", None)
        self._core.emit("reaction_removed",
                        {"channel": channel, "ts": ts, "user": user, "reaction": name})
        return True
