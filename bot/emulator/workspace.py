"""The emulated Slack workspace: users, channels, messages, threads, reactions.

`Workspace` is what the emulated Web API (`bot.emulator.web_api`) serves and what the
terminal emulator mutates directly to play the humans (posting, reacting). It is
thread-safe because the HTTP server handles each request on its own thread, and raises
Slack's own error codes (`WorkspaceError.error`) so the HTTP layer stays a thin
translation. Only the standard library is used: the emulator adds no dependencies.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from bot.slack_values import us_to_ts

logger = logging.getLogger(__name__)

#: Host used in permalinks and ``auth.test``'s ``url``; never resolved, just recognisable.
PERMALINK_HOST = "https://emulated.slack.local"

#: Slack's hard cap (and default) for ``limit`` on history/replies.
MAX_PAGE_LIMIT = 1000

#: Seconds a streamed message stays in its streaming state after ``chat.startStream``.
#: Slack does not publish the figure. Apps that paused a stream for about five minutes
#: got ``message_not_in_streaming_state`` on their next append (vercel/chat#607), and
#: live probes found an absolute lifetime of about 306 s that appends do not extend
#: (Hermes agent PR #59010, as quoted by apps that build on it). The stricter reading
#: holds here: five minutes from the start, appends or not.
STREAM_LIFETIME = 300.0

Listener = Callable[[str, dict[str, Any]], None]


class WorkspaceError(Exception):
    """A workspace operation failed; ``error`` is the Slack error code the API would return.

    Raising Slack's own codes from the state layer keeps the HTTP layer a thin translation
    and gives direct callers (the terminal emulator) the same vocabulary as API clients.
    """

    def __init__(self, error: str, detail: str = "") -> None:
        super().__init__(f"{error}: {detail}" if detail else error)
        self.error = error


def strip_colons(name: str) -> str:
    """Slack accepts ``:+1:`` and ``+1`` alike for reaction names; store the bare form."""
    return name.strip().strip(":")


class Workspace:
    """Thread-safe in-memory Slack workspace.

    A single ``RLock`` guards everything: operations are tiny, contention is irrelevant
    at emulator scale, and one lock makes multi-step updates (post a reply *and* bump the
    root's ``reply_count``) trivially atomic. All getters return deep copies so callers can
    never mutate the workspace behind the lock's back.
    """

    def __init__(self, *, team_id: str = "T0001", team_name: str = "Emulated",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        #: What streams expire by (seconds): tests move it on instead of sleeping.
        self.clock = clock
        self.stream_lifetime = STREAM_LIFETIME
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
        #: ``chat.postEphemeral`` records: ``{"channel","user","text","blocks","thread_ts"}``.
        self.ephemeral: list[dict[str, Any]] = []
        #: Posts to response URLs: ``{"url_id", "body"}``.
        self.responses: list[dict[str, Any]] = []
        #: App Home views by user (``views.publish``), and modals opened (``views.open``)
        #: by view id: ``{"id", "trigger_id", "view"}``.
        self.home_views: dict[str, dict[str, Any]] = {}
        #: Whether `chat.startStream` is refused, as in a workspace without AI streaming.
        self.streaming_refused = False
        #: Assistant threads: (channel, thread_ts) -> {"status", "title", "prompts"}.
        self.assistant_threads: dict[tuple[str, str], dict[str, Any]] = {}
        #: The app's AI surface: True for the Agent messaging experience (`agent_view`,
        #: what manifest.yml declares), False for an app still on `assistant_view`.
        self.agent_view = True
        #: Agent sessions (`agents.sessions.*`): (channel, thread_ts) -> {"status",
        #: "title", "initiator", "statuses": every status set, in order}.
        self.agent_sessions: dict[tuple[str, str], dict[str, Any]] = {}
        #: Suggested prompts of a whole DM (agent apps set them without a thread):
        #: channel -> {"prompts", "title"}.
        self.channel_prompts: dict[str, dict[str, Any]] = {}
        self.modals: dict[str, dict[str, Any]] = {}
        # channel -> {ts -> message}; insertion order == ts order because ts only grows.
        self._messages: dict[str, dict[str, dict[str, Any]]] = {}
        # (channel, root_ts) -> reply ts list in order (root may not exist: Slack allows it).
        self._replies: dict[tuple[str, str], list[str]] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}
        # (channel, ts) -> clock time a message Slack is streaming was started; kept out
        # of the message, which Slack's reads show without it.
        self._streams: dict[tuple[str, str], float] = {}
        self._listeners: list[Listener] = []
        self._last_us = int(time.time() * 1_000_000)
        self.ensure_channel("C0GENERAL", "general")

    # ------------------------------------------------------------------ basics

    def next_ts(self) -> str:
        """Return a fresh ts: strictly increasing, unique, close to wall-clock time.

        Seeded by ``time.time()`` but never allowed to repeat or go backwards, so two posts
        in the same microsecond (or a clock step) still get distinct, ordered ts values -
        the bot uses ts as message identity, so collisions would be silent data bugs.
        """
        with self.lock:
            self._last_us = max(self._last_us + 1, int(time.time() * 1_000_000))
            return us_to_ts(self._last_us)

    def add_listener(self, listener: Listener) -> None:
        """Register ``listener(kind, payload)``, called after each change (outside the lock).

        Lets the terminal emulator render bot activity without polling. ``kind`` is one of
        ``message_posted``, ``message_changed``, ``message_deleted``, ``reaction_added``,
        ``reaction_removed``, ``ephemeral``, ``response``.
        """
        with self.lock:
            self._listeners.append(listener)

    def _emit(self, kind: str, payload: dict[str, Any]) -> None:
        """Notify listeners; a broken listener must not break the API call that triggered it."""
        with self.lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(kind, copy.deepcopy(payload))
            except Exception:
                logger.exception("Workspace listener failed for %s", kind)

    def add_user(self, user_id: str, name: str) -> None:
        """Add (or rename) a workspace member."""
        with self.lock:
            self.users[user_id] = name

    def user_info(self, user_id: str) -> dict[str, Any]:
        """Return a ``users.info``-shaped user object; raises ``user_not_found``."""
        with self.lock:
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
                "tz": "UTC",
                "tz_offset": 0,
                "is_bot": is_bot,
                "profile": {
                    "display_name": name,
                    "real_name": real_name,
                    **({"bot_id": self.bot_id} if is_bot else {}),
                },
            }

    # ---------------------------------------------------------------- channels

    def ensure_channel(self, channel: str, name: str | None = None) -> str:
        """Return the channel id for ``channel``, creating the channel on first use.

        Auto-creation keeps tests terse (post to any id and it exists). ``#name`` or a
        known channel name resolves to its id, as Slack does; an unknown ``#name`` raises
        ``channel_not_found`` because we cannot invent a sensible id for it.
        """
        with self.lock:
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
            self._messages.setdefault(channel, {})
            return channel

    def channel_info(self, channel: str) -> dict[str, Any]:
        """Return a ``conversations.info``-shaped channel object (creating it on first use)."""
        with self.lock:
            return copy.deepcopy(self.channels[self.ensure_channel(channel)])

    # ---------------------------------------------------------------- messages

    def _find(self, channel: str, ts: str) -> dict[str, Any]:
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
        with self.lock:
            channel = self.ensure_channel(channel)
            as_bot = as_bot or user is None or user == self.bot_user_id
            author = self.bot_user_id if as_bot else user
            assert author is not None
            if author not in self.users:
                self.users[author] = author.lower()
            msg: dict[str, Any] = {
                "type": "message",
                "ts": self.next_ts(),
                "user": author,
                "text": text or "",
                "team": self.team_id,
            }
            if as_bot:
                msg["bot_id"] = self.bot_id
            if blocks is not None:
                msg["blocks"] = copy.deepcopy(blocks)
            if attachments is not None:
                msg["attachments"] = copy.deepcopy(attachments)
            if metadata is not None:
                msg["metadata"] = copy.deepcopy(metadata)
            root_ts: str | None = None
            if thread_ts:
                parent = self._messages[channel].get(thread_ts)
                root_ts = thread_ts
                if parent is not None and parent.get("thread_ts") not in (None, thread_ts):
                    root_ts = parent["thread_ts"]
                msg["thread_ts"] = root_ts
                root = self._messages[channel].get(root_ts)
                if root is not None:
                    msg["parent_user_id"] = root.get("user")
                if reply_broadcast:
                    msg["subtype"] = "thread_broadcast"
            self._messages[channel][msg["ts"]] = msg
            if root_ts is not None:
                self._replies.setdefault((channel, root_ts), []).append(msg["ts"])
                self._recompute_root(channel, root_ts)
            result = copy.deepcopy(msg)
        self._emit("message_posted", {"channel": channel, "message": result})
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
        with self.lock:
            msg = self._find(channel, ts)
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
            msg["edited"] = {"user": msg.get("user"), "ts": self.next_ts()}
            result = copy.deepcopy(msg)
        self._emit("message_changed", {"channel": channel, "message": result})
        return copy.deepcopy(result)

    def delete_message(self, channel: str, ts: str) -> None:
        """Delete a message; raises ``message_not_found``.

        A root that still has replies becomes a ``tombstone`` (as in Slack) so the thread
        stays readable; deleting a reply updates the root's ``reply_count``.
        """
        with self.lock:
            msg = self._find(channel, ts)
            self._streams.pop((channel, ts), None)  # a deleted message streams no more
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
        self._emit("message_deleted", {"channel": channel, "ts": ts})

    def get_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """Return a copy of one message (top-level or reply), or ``None``."""
        with self.lock:
            msg = self._messages.get(channel, {}).get(ts)
            return copy.deepcopy(msg) if msg is not None else None

    def thread_root_ts(self, channel: str, ts: str) -> str | None:
        """Return the root ts of the thread containing ``ts`` (itself for roots), or None."""
        with self.lock:
            msg = self._messages.get(channel, {}).get(ts)
            if msg is None:
                return ts if (channel, ts) in self._replies else None
            return msg.get("thread_ts") or ts

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Return the thread as copies, root first then replies oldest-first.

        ``thread_ts`` may name any message in the thread. Replies whose root never existed
        are returned without a root; an unknown ts gives ``[]``.
        """
        with self.lock:
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
        with self.lock:
            msgs = self._messages.get(channel, {}).values()
            return copy.deepcopy([m for m in msgs if self._is_top_level(m)])

    # ---------------------------------------------------------------- reactions

    def add_reaction(self, channel: str, ts: str, user: str, name: str) -> bool:
        """Add ``user``'s reaction; False if already there. Raises ``message_not_found``."""
        name = strip_colons(name)
        with self.lock:
            msg = self._find(channel, ts)
            reactions: list[dict[str, Any]] = msg.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            if user in entry["users"]:
                return False
            entry["users"].append(user)
            entry["count"] = len(entry["users"])
        self._emit("reaction_added",
                   {"channel": channel, "ts": ts, "user": user, "reaction": name})
        return True

    def remove_reaction(self, channel: str, ts: str, user: str, name: str) -> bool:
        """Remove ``user``'s reaction; False if it wasn't there. Raises ``message_not_found``."""
        name = strip_colons(name)
        with self.lock:
            msg = self._find(channel, ts)
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
        self._emit("reaction_removed",
                   {"channel": channel, "ts": ts, "user": user, "reaction": name})
        return True

    # ------------------------------------------------- ephemeral / response urls

    def mark_streaming(self, channel: str, ts: str) -> None:
        with self.lock:
            self._find(channel, ts)
            self._streams[(channel, ts)] = self.clock()

    def is_streaming(self, channel: str, ts: str) -> bool:
        """Whether the message is in its streaming state now (started, neither stopped
        nor older than `stream_lifetime`)."""
        with self.lock:
            started = self._streams.get((channel, ts))
            if started is not None and self.clock() - started > self.stream_lifetime:
                del self._streams[(channel, ts)]  # expired: Slack ends it on its own
                return False
            return started is not None

    def streaming_messages(self) -> list[tuple[str, str]]:
        """(channel, ts) of every message still streaming: what a test expects to be none
        once the app has settled its work."""
        with self.lock:
            return [key for key in list(self._streams) if self.is_streaming(*key)]

    def stream(self, channel: str, ts: str, text: str, *, stop: bool = False,
               blocks: list[dict[str, Any]] | None = None,
               metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """`chat.appendStream` / `chat.stopStream`: add text to a message being streamed;
        on stop, blocks go under it and the stream ends. A stream stopped, never started,
        or started more than `stream_lifetime` seconds ago is refused with
        ``message_not_in_streaming_state``."""
        with self.lock:
            msg = self._find(channel, ts)
            if not self.is_streaming(channel, ts):
                raise WorkspaceError("message_not_in_streaming_state")
            msg["text"] = msg.get("text", "") + text
            if stop:
                del self._streams[(channel, ts)]
                if blocks:
                    msg["blocks"] = copy.deepcopy(blocks)
                if metadata:
                    msg["metadata"] = copy.deepcopy(metadata)
            result = copy.deepcopy(msg)
        self._emit("message_changed", {"channel": channel, "message": result})
        return result

    def set_assistant(self, channel: str, thread_ts: str, **changes: Any) -> None:
        """`assistant.threads.*`: a thread's status, title or suggested prompts."""
        with self.lock:
            if (channel, thread_ts) not in self._replies and self.get_message(
                    channel, thread_ts) is None:
                raise WorkspaceError("invalid_thread_ts" if thread_ts else
                                     "invalid_arguments")
            self.assistant_threads.setdefault((channel, thread_ts), {}).update(changes)
        self._emit("assistant_changed", {"channel": channel, "thread_ts": thread_ts,
                                         **copy.deepcopy(changes)})

    def publish_home(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record = {**copy.deepcopy(view), "id": f"V{self.next_ts().replace('.', '')}"}
            self.home_views[user] = record
        self._emit("home_published", {"user": user, "view": copy.deepcopy(record)})
        return record

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            record = {**copy.deepcopy(view), "id": f"V{self.next_ts().replace('.', '')}"}
            self.modals[record["id"]] = {"trigger_id": trigger_id, "view": record}
        self._emit("modal_opened", {"view": copy.deepcopy(record)})
        return record

    def post_ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Record an ephemeral message (never stored in history) and return its message_ts."""
        with self.lock:
            channel = self.ensure_channel(channel)
            record = {"channel": channel, "user": user, "text": text or "",
                      "blocks": copy.deepcopy(blocks), "thread_ts": thread_ts}
            self.ephemeral.append(record)
            ts = self.next_ts()
        self._emit("ephemeral", {**copy.deepcopy(record), "ts": ts})
        return ts

    def new_response_url(
        self,
        base: str,
        *,
        channel: str | None = None,
        user: str | None = None,
        thread_ts: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """Mint a response URL ``{base}/response/{id}`` for an interaction payload.

        The optional context says where ``in_channel`` responses go (``channel``,
        ``thread_ts``) and which message ``replace_original``/``delete_original`` act on
        (``message_ts``) - real Slack ties the same facts to its response URLs.
        """
        url_id = uuid.uuid4().hex
        with self.lock:
            self._response_urls[url_id] = {"channel": channel, "user": user,
                                           "thread_ts": thread_ts, "message_ts": message_ts}
        return f"{base.rstrip('/')}/response/{url_id}"

    def has_response_url(self, url_id: str) -> bool:
        with self.lock:
            return url_id in self._response_urls

    def handle_response(self, url_id: str, body: dict[str, Any]) -> None:
        """Apply a post to a response URL; raises ``invalid_response_url`` for unknown ids.

        Always recorded in ``responses``. Then, like Slack: ``delete_original`` deletes and
        ``replace_original`` edits the originating message (when known), otherwise an
        ``in_channel`` response becomes a bot message; ephemeral responses are only recorded.
        """
        with self.lock:
            ctx = self._response_urls.get(url_id)
            if ctx is None:
                raise WorkspaceError("invalid_response_url", url_id)
            self.responses.append({"url_id": url_id, "body": copy.deepcopy(body)})
            channel, message_ts = ctx["channel"], ctx["message_ts"]
            exists = bool(channel and message_ts and self.get_message(channel, message_ts))
        # Follow-up changes run outside the lock so their listeners never fire while held.
        self._emit("response", {"url_id": url_id, "body": body, "replaces": exists})
        if body.get("delete_original") and exists:
            self.delete_message(channel, message_ts)
        elif body.get("replace_original") and exists:
            self.update_message(channel, message_ts, str(body.get("text") or ""),
                                body.get("blocks") or [])
        elif body.get("response_type") == "in_channel" and channel:
            self.post_message(channel, str(body.get("text") or ""), as_bot=True,
                              thread_ts=body.get("thread_ts") or ctx["thread_ts"],
                              blocks=body.get("blocks"))

    def permalink(self, channel: str, ts: str) -> str:
        """Return a Slack-style permalink; replies get ``?thread_ts=..&cid=..`` like Slack's."""
        with self.lock:
            msg = self._find(channel, ts)
            link = f"{PERMALINK_HOST}/archives/{channel}/p{ts.replace('.', '')}"
            thread_ts = msg.get("thread_ts")
            if thread_ts and thread_ts != ts:
                link += f"?thread_ts={thread_ts}&cid={channel}"
            return link

    # ------------------------------------------------------------ agent sessions

    def set_agent_session(self, channel: str, thread_ts: str, status: str, *,
                          title: str | None = None,
                          initiator: str | None = None) -> dict[str, Any]:
        """`agents.sessions.setStatus`: creates the session of a thread if needed (its
        title and initiator are kept from then on) and sets its status."""
        with self.lock:
            if self.get_message(channel, thread_ts) is None:
                raise WorkspaceError("invalid_thread_ts")
            session = self.agent_sessions.setdefault(
                (channel, thread_ts), {"title": title, "initiator": initiator,
                                       "statuses": []})
            session["status"] = status
            session["statuses"].append(status)
            result = copy.deepcopy(session)
        self._emit("agent_session_changed", {"channel": channel, "thread_ts": thread_ts,
                                             **copy.deepcopy(result)})
        return result

    def rename_agent_session(self, channel: str, thread_ts: str, title: str) -> None:
        with self.lock:
            session = self.agent_sessions.get((channel, thread_ts))
            if session is None:
                raise WorkspaceError("session_not_found")
            session["title"] = title

    def press_stop(self, channel: str, thread_ts: str, user: str) -> dict[str, Any]:
        """A person clicks the stop button of an agent session. Slack shows it only while
        the session is "processing"; it stops the app's streaming messages in the thread
        itself, and the session's status stays as it was (the app moves it on). The
        `agent_session_stopped` event Slack then sends."""
        with self.lock:
            session = self.agent_sessions.get((channel, thread_ts))
            if session is None or session.get("status") != "processing":
                raise WorkspaceError("no_stop_button",
                                     "the session is not processing: no stop button shows")
            stopped = []
            for ts in [thread_ts, *self._replies.get((channel, thread_ts), [])]:
                if self.is_streaming(channel, ts):
                    del self._streams[(channel, ts)]
                    stopped.append(ts)
        return {"type": "agent_session_stopped", "channel": channel, "thread_ts": thread_ts,
                "user": user, "streaming_message_ts": stopped,
                "event_ts": self.next_ts()}

    def set_channel_prompts(self, channel: str, prompts: list[Any],
                            title: Any = None) -> None:
        with self.lock:
            self.channel_prompts[channel] = {"prompts": copy.deepcopy(prompts),
                                             "title": title}
        self._emit("assistant_changed", {"channel": channel, "thread_ts": "",
                                         "prompts": copy.deepcopy(prompts)})
