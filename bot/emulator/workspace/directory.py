"""Who and where: the team, the bot's identity, its members and its channels."""

from __future__ import annotations

import copy
import time
import zoneinfo
from datetime import datetime
from typing import Any

from bot.emulator.workspace.core import Core, WorkspaceError


class Directory:
    """The team's members and channels, and the ids the bot is known by.

    Channels are created on first use so tests stay terse (post to any id and it exists).
    """

    def __init__(self, core: Core, *, team_id: str, team_name: str) -> None:
        self._core = core
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = "emulated"
        self.bot_user_id = "U0BOT"
        self.bot_id = "B0BOT"
        self.bot_name = "idealoop"
        self.users: dict[str, str] = {
            "U0ALICE": "alice",
            "U0BOB": "bob",
            "U0CAROL": "carol",
            self.bot_user_id: self.bot_name,
        }
        self.channels: dict[str, dict[str, Any]] = {}
        self.zones: dict[str, str] = {}  # each member's time zone (IANA); UTC if unset
        # people who are not in a channel (everyone is, until `set_person_in` says not)
        self.outside: dict[str, set[str]] = {}

    def add_user(self, user_id: str, name: str, tz: str | None = None) -> None:
        """Add (or rename) a workspace member, living in time zone `tz` (IANA) if given."""
        with self._core.lock:
            self.users[user_id] = name
            if tz is not None:
                self.zones[user_id] = tz

    def set_zone(self, user_id: str, tz: str) -> None:
        """Move a member to time zone `tz` (an IANA name, as their Slack profile says)."""
        zoneinfo.ZoneInfo(tz)  # an unknown name is the test's mistake
        with self._core.lock:
            self.zones[user_id] = tz

    def user_info(self, user_id: str) -> dict[str, Any]:
        """Return a ``users.info``-shaped user object; raises ``user_not_found``."""
        with self._core.lock:
            name = self.users.get(user_id)
            if name is None:
                raise WorkspaceError("user_not_found", user_id)
            is_bot = user_id == self.bot_user_id
            real_name = name if is_bot else name.title()
            return {
                "id": user_id,
                "team_id": self.team_id,
                "name": name,
                "real_name": real_name,
                "deleted": False,
                **_zone_fields(self.zones.get(user_id, "UTC")),
                "is_bot": is_bot,
                "profile": {
                    "display_name": name,
                    "real_name": real_name,
                    **({"bot_id": self.bot_id} if is_bot else {}),
                },
            }

    def ensure_channel(self, channel: str, name: str | None = None) -> str:
        """Return the channel id for ``channel``, creating the channel on first use.

        Auto-creation keeps tests terse (post to any id and it exists). ``#name`` or a
        known channel name resolves to its id, as Slack does; an unknown ``#name`` raises
        ``channel_not_found`` because we cannot invent a sensible id for it.
        """
        with self._core.lock:
            if not channel:
                raise WorkspaceError("channel_not_found", "empty channel")
            if channel in self.channels:
                return channel
            wanted = channel.removeprefix("#")
            for cid, info in self.channels.items():
                if info["name"] == wanted:
                    return cid
            if channel.startswith("#"):
                raise WorkspaceError("channel_not_found", channel)
            kind = channel[0].upper()
            self.channels[channel] = {
                "id": channel,
                "name": name or channel.lower(),
                "is_channel": kind == "C",
                "is_group": kind == "G",
                "is_im": kind == "D",
                "is_mpim": False,
                "is_private": kind != "C",
                "is_archived": False,
                "is_general": (name or "") == "general",
                "is_member": True,
                "created": int(time.time()),
                "creator": "U0ALICE",
            }
            return channel

    def set_member(self, channel: str, member: bool) -> None:
        """Put the bot in `channel` or take it out (`/invite @idealoop`, `/remove`)."""
        with self._core.lock:
            self.channels[self.ensure_channel(channel)]["is_member"] = member

    def require_member(self, channel: str) -> str:
        """The channel id, or `not_in_channel` when the bot is not in that channel: Slack
        refuses a bot token's reads (`conversations.replies`, `.history`) and posts
        (`chat.postMessage`) there — each method's page lists `not_in_channel`
        (https://docs.slack.dev/reference/methods/conversations.replies,
        https://docs.slack.dev/reference/methods/chat.postMessage). A message shortcut
        on a message in such a channel is still delivered to the app."""
        with self._core.lock:
            channel = self.ensure_channel(channel)
            if not self.channels[channel]["is_member"]:
                raise WorkspaceError("not_in_channel", channel)
            return channel

    def set_person_in(self, channel: str, user: str, member: bool) -> None:
        """Put a person in `channel` or take them out (they left, or only preview a
        public channel: its messages can still reach the app through a shortcut)."""
        with self._core.lock:
            outside = self.outside.setdefault(self.ensure_channel(channel), set())
            (outside.discard if member else outside.add)(user)

    def require_ephemeral_audience(self, channel: str, user: str) -> str:
        """The channel id where `user` may be shown an ephemeral message, or the error
        chat.postEphemeral answers (https://docs.slack.dev/reference/methods/
        chat.postEphemeral, "Errors"): `channel_not_found` (an unknown `#name`),
        `not_in_channel` (the bot is not in it), `is_archived`, and
        `user_not_in_channel` ("the user should be in the channel specified")."""
        with self._core.lock:
            channel = self.require_member(channel)
            if self.channels[channel]["is_archived"]:
                raise WorkspaceError("is_archived", channel)
            if user in self.outside.get(channel, set()):
                raise WorkspaceError("user_not_in_channel", f"{user} in {channel}")
            return channel

    def channel_info(self, channel: str) -> dict[str, Any]:
        """Return a ``conversations.info``-shaped channel object (creating it on first use)."""
        with self._core.lock:
            return copy.deepcopy(self.channels[self.ensure_channel(channel)])


def _zone_fields(tz: str) -> dict[str, Any]:
    """A user object's time zone, as Slack gives it
    (https://docs.slack.dev/reference/objects/user-object): `tz`, the IANA region the person
    set ("America/Los_Angeles"); `tz_label`, its common name ("Pacific Standard Time");
    `tz_offset`, the seconds to add to UTC now (-28800), which follows daylight saving."""
    now = datetime.now(zoneinfo.ZoneInfo(tz))
    offset = now.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return {"tz": tz, "tz_label": _LABELS.get((tz, bool(now.dst())), now.tzname() or tz),
            "tz_offset": seconds}


_LABELS = {  # Slack's labels for the zones tests use; others show their abbreviation
    ("UTC", False): "Coordinated Universal Time",
    ("America/Los_Angeles", False): "Pacific Standard Time",
    ("America/Los_Angeles", True): "Pacific Daylight Time",
    ("America/New_York", False): "Eastern Standard Time",
    ("America/New_York", True): "Eastern Daylight Time",
    ("Europe/Paris", False): "Central European Time",
    ("Europe/Paris", True): "Central European Summer Time",
    ("Asia/Tokyo", False): "Japan Standard Time",
    ("Asia/Kolkata", False): "India Standard Time",
}
