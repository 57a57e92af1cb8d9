"""Messages and their threads: posting, editing, deleting, reading, linking.

Threads never nest: a reply to a reply goes to the root, as on Slack, and a root keeps its
thread summary (``reply_count``, ``reply_users``, ``latest_reply``) in step with its
replies. A root deleted while it has replies becomes a tombstone so the thread stays
readable.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.emulator.workspace.core import PERMALINK_HOST, Core, WorkspaceError
from bot.emulator.workspace.directory import Directory
from bot.emulator.workspace.streams import Streams


class Messages:
    """Every channel's messages and threads. Getters return deep copies, so callers can
    never change a message behind the lock's back; `live` is the one exception, for the
    parts of the workspace that edit a message in place (reactions, streams)."""

    def __init__(self, core: Core, directory: Directory, streams: Streams) -> None:
        self._core = core
        self._directory = directory
        self._streams = streams
        # channel -> {ts -> message}; insertion order == ts order because ts only grows.
        self._messages: dict[str, dict[str, dict[str, Any]]] = {}
        # (channel, root_ts) -> reply ts list in order (root may not exist: Slack allows it).
        self._replies: dict[tuple[str, str], list[str]] = {}

    def live(self, channel: str, ts: str) -> dict[str, Any]:
        """Live (uncopied) message lookup; raises ``message_not_found``. Caller holds lock."""
        msg = self._messages.get(channel, {}).get(ts)
        if msg is None:
            raise WorkspaceError("message_not_found", f"{channel}/{ts}")
        return msg

    @staticmethod
    def _is_top_level(msg: dict[str, Any]) -> bool:
        """True for messages shown in the channel (roots, plain posts, thread broadcasts)."""
        thread_ts = msg.get("thread_ts")
        return (
            thread_ts is None
            or thread_ts == msg["ts"]
            or msg.get("subtype") == "thread_broadcast"
        )

    def _recompute_root(self, channel: str, root_ts: str) -> None:
        """Refresh a root's thread summary fields from its replies. Caller holds lock."""
        root = self._messages.get(channel, {}).get(root_ts)
        if root is None:
            return
        replies = [
            self._messages[channel][r]
            for r in self._replies.get((channel, root_ts), [])
            if r in self._messages[channel]
        ]
        if replies:
            users = list(dict.fromkeys(r["user"] for r in replies if r.get("user")))
            root["thread_ts"] = root_ts
            root["reply_count"] = len(replies)
            root["reply_users"] = users
            root["reply_users_count"] = len(users)
            root["latest_reply"] = replies[-1]["ts"]
        else:
            for key in ("thread_ts", "reply_count", "reply_users", "reply_users_count",
                        "latest_reply"):
                root.pop(key, None)
            if root.get("subtype") == "tombstone":
                del self._messages[channel][root_ts]

    def post_message(
        self,
        channel: str,
        text: str,
        *,
        user: str | None = None,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        as_bot: bool = False,
        metadata: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        reply_broadcast: bool = False,
    ) -> dict[str, Any]:
        """Post a message and return a copy of it.

        A message with no ``user`` is the bot's (the bot is the only API client; humans are
        always named). A reply whose ``thread_ts`` is unknown is still posted because real
        Slack accepts it; a ``thread_ts`` naming a reply is normalised to its root, as
        Slack does, so threads never nest.
        """
        with self._core.lock:
            channel = self._directory.ensure_channel(channel)
            as_bot = as_bot or user is None or user == self._directory.bot_user_id
            author = self._directory.bot_user_id if as_bot else user
            assert author is not None
            if author not in self._directory.users:
                self._directory.users[author] = author.lower()
            in_channel = self._messages.setdefault(channel, {})
            msg: dict[str, Any] = {
                "type": "message",
                "ts": self._core.next_ts(),
                "user": author,
                "text": text or "",
                "team": self._directory.team_id,
            }
            if as_bot:
                msg["bot_id"] = self._directory.bot_id
            if blocks is not None:
                msg["blocks"] = copy.deepcopy(blocks)
            if attachments is not None:
                msg["attachments"] = copy.deepcopy(attachments)
            if metadata is not None:
                msg["metadata"] = copy.deepcopy(metadata)
            root_ts: str | None = None
            if thread_ts:
                parent = in_channel.get(thread_ts)
                root_ts = thread_ts
                if parent is not None and parent.get("thread_ts") not in (None, thread_ts):
                    root_ts = parent["thread_ts"]
                msg["thread_ts"] = root_ts
                root = in_channel.get(root_ts)
                if root is not None:
                    msg["parent_user_id"] = root.get("user")
                if reply_broadcast:
                    msg["subtype"] = "thread_broadcast"
            in_channel[msg["ts"]] = msg
            if root_ts is not None:
                self._replies.setdefault((channel, root_ts), []).append(msg["ts"])
                self._recompute_root(channel, root_ts)
            result = copy.deepcopy(msg)
        self._core.emit("message_posted", {"channel": channel, "message": result})
        return copy.deepcopy(result)

    def update_message(
        self,
        channel: str,
        ts: str,
        text: str | None,
        blocks: list[dict[str, Any]] | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Edit a message in place and return a copy; raises ``message_not_found``.

        Mirrors ``chat.update``: ``None`` keeps the old value (``text``/``blocks``), while
        ``blocks=[]`` removes them - Slack documents exactly this distinction.
        """
        with self._core.lock:
            msg = self.live(channel, ts)
            if text is not None:
                msg["text"] = text
            if blocks is not None:
                if blocks:
                    msg["blocks"] = copy.deepcopy(blocks)
                else:
                    msg.pop("blocks", None)
            if attachments is not None:
                msg["attachments"] = copy.deepcopy(attachments)
            if metadata is not None:
                msg["metadata"] = copy.deepcopy(metadata)
            msg["edited"] = {"user": msg.get("user"), "ts": self._core.next_ts()}
            result = copy.deepcopy(msg)
        self._core.emit("message_changed", {"channel": channel, "message": result})
        return copy.deepcopy(result)

    def delete_message(self, channel: str, ts: str) -> None:
        """Delete a message; raises ``message_not_found``.

        A root that still has replies becomes a ``tombstone`` (as in Slack) so the thread
        stays readable; deleting a reply updates the root's ``reply_count``.
        """
        with self._core.lock:
            msg = self.live(channel, ts)
            self._streams.end(channel, ts)  # a deleted message streams no more
            root_ts = msg.get("thread_ts")
            if root_ts == ts and self._replies.get((channel, ts)):
                for key in ("text", "user", "bot_id", "blocks", "attachments", "metadata",
                            "reactions", "edited"):
                    msg.pop(key, None)
                msg.update({"subtype": "tombstone", "text": "This message was deleted.",
                            "user": "USLACKBOT", "hidden": True})
            else:
                del self._messages[channel][ts]
                if root_ts is not None and root_ts != ts:
                    replies = self._replies.get((channel, root_ts), [])
                    if ts in replies:
                        replies.remove(ts)
                    self._recompute_root(channel, root_ts)
        self._core.emit("message_deleted", {"channel": channel, "ts": ts})

    def get_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """Return a copy of one message (top-level or reply), or ``None``."""
        with self._core.lock:
            msg = self._messages.get(channel, {}).get(ts)
            return copy.deepcopy(msg) if msg is not None else None

    def thread_root_ts(self, channel: str, ts: str) -> str | None:
        """Return the root ts of the thread containing ``ts`` (itself for roots), or None."""
        with self._core.lock:
            msg = self._messages.get(channel, {}).get(ts)
            if msg is None:
                return ts if (channel, ts) in self._replies else None
            return msg.get("thread_ts") or ts

    def replies_of(self, channel: str, root_ts: str) -> list[str]:
        """The ts of a thread's replies, oldest first (``[]`` for a thread with none)."""
        with self._core.lock:
            return list(self._replies.get((channel, root_ts), []))

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Return the thread as copies, root first then replies oldest-first.

        ``thread_ts`` may name any message in the thread. Replies whose root never existed
        are returned without a root; an unknown ts gives ``[]``.
        """
        with self._core.lock:
            root_ts = self.thread_root_ts(channel, thread_ts)
            if root_ts is None:
                return []
            msgs = self._messages.get(channel, {})
            out = [msgs[root_ts]] if root_ts in msgs else []
            out += [msgs[r] for r in self._replies.get((channel, root_ts), []) if r in msgs]
            return copy.deepcopy(out)

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Return copies of the channel's top-level messages, oldest first.

        (``conversations.history`` reverses this to Slack's newest-first order.)
        """
        with self._core.lock:
            msgs = self._messages.get(channel, {}).values()
            return copy.deepcopy([m for m in msgs if self._is_top_level(m)])

    def permalink(self, channel: str, ts: str) -> str:
        """Return a Slack-style permalink; replies get ``?thread_ts=..&cid=..`` like Slack's."""
        with self._core.lock:
            msg = self.live(channel, ts)
            link = f"{PERMALINK_HOST}/archives/{channel}/p{ts.replace('.', '')}"
            thread_ts = msg.get("thread_ts")
            if thread_ts and thread_ts != ts:
                link += f"?thread_ts={thread_ts}&cid={channel}"
            return link
