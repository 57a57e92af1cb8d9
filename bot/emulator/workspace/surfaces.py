"""What the app shows beside a channel's history: ephemeral messages, answers to response
URLs, the App Home tab and modals."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from bot.emulator.workspace.core import Core, WorkspaceError
from bot.emulator.workspace.directory import Directory
from bot.emulator.workspace.messages import Messages


class Surfaces:
    """Records what the app showed one person (ephemeral messages, views) and applies what
    it posted to a response URL, which may edit, delete or post a message as Slack would."""

    def __init__(self, core: Core, directory: Directory, messages: Messages) -> None:
        self._core = core
        self._directory = directory
        self._messages = messages
        #: ``chat.postEphemeral`` records: ``{"channel","user","text","blocks","thread_ts"}``.
        self.ephemeral: list[dict[str, Any]] = []
        #: Posts to response URLs: ``{"url_id", "body"}``.
        self.responses: list[dict[str, Any]] = []
        #: App Home views by user (``views.publish``), and modals opened (``views.open``)
        #: by view id: ``{"id", "trigger_id", "view"}``.
        self.home_views: dict[str, dict[str, Any]] = {}
        self.modals: dict[str, dict[str, Any]] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}

    def _with_new_id(self, view: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``view`` with a fresh view id (made from a ts, so never repeated)."""
        return {**copy.deepcopy(view), "id": f"V{self._core.next_ts().replace('.', '')}"}

    def publish_home(self, user: str, view: dict[str, Any]) -> dict[str, Any]:
        """`views.publish`: the user's App Home tab is now ``view``."""
        with self._core.lock:
            record = self._with_new_id(view)
            self.home_views[user] = record
        self._core.emit("home_published", {"user": user, "view": copy.deepcopy(record)})
        return record

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """`views.open`: a modal opens for the interaction that gave ``trigger_id``; a
        trigger opens one modal only (``exchanged_trigger_id`` after that)."""
        with self._core.lock:
            if any(modal["trigger_id"] == trigger_id for modal in self.modals.values()):
                raise WorkspaceError("exchanged_trigger_id")
            record = self._with_new_id(view)
            self.modals[record["id"]] = {"trigger_id": trigger_id, "view": record}
        self._core.emit("modal_opened", {"view": copy.deepcopy(record)})
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
        with self._core.lock:
            channel = self._directory.ensure_channel(channel)
            record = {"channel": channel, "user": user, "text": text or "",
                      "blocks": copy.deepcopy(blocks), "thread_ts": thread_ts}
            self.ephemeral.append(record)
            ts = self._core.next_ts()
        self._core.emit("ephemeral", {**copy.deepcopy(record), "ts": ts})
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
        with self._core.lock:
            self._response_urls[url_id] = {"channel": channel, "user": user,
                                           "thread_ts": thread_ts, "message_ts": message_ts}
        return f"{base.rstrip('/')}/response/{url_id}"

    def has_response_url(self, url_id: str) -> bool:
        """Whether ``url_id`` was minted here: the server asks each workspace which one a
        post to a response URL belongs to."""
        with self._core.lock:
            return url_id in self._response_urls

    def handle_response(self, url_id: str, body: dict[str, Any]) -> None:
        """Apply a post to a response URL; raises ``invalid_response_url`` for unknown ids.

        Always recorded in ``responses``. Then, like Slack: ``delete_original`` deletes and
        ``replace_original`` edits the originating message (when known), otherwise an
        ``in_channel`` response becomes a bot message; ephemeral responses are only recorded.
        """
        with self._core.lock:
            ctx = self._response_urls.get(url_id)
            if ctx is None:
                raise WorkspaceError("invalid_response_url", url_id)
            self.responses.append({"url_id": url_id, "body": copy.deepcopy(body)})
            channel, message_ts = ctx["channel"], ctx["message_ts"]
            exists = bool(channel and message_ts
                          and self._messages.get_message(channel, message_ts))
        # Follow-up changes run outside the lock so their listeners never fire while held.
        self._core.emit("response", {"url_id": url_id, "body": body, "replaces": exists})
        if body.get("delete_original") and exists:
            self._messages.delete_message(channel, message_ts)
        elif body.get("replace_original") and exists:
            self._messages.update_message(channel, message_ts, str(body.get("text") or ""),
                                          body.get("blocks") or [])
        elif body.get("response_type") == "in_channel" and channel:
            self._messages.post_message(channel, str(body.get("text") or ""), as_bot=True,
                                        thread_ts=body.get("thread_ts") or ctx["thread_ts"],
                                        blocks=body.get("blocks"))
