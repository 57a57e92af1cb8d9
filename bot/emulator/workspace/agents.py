"""The app's AI surface: messages it streams into, assistant threads, agent sessions and
their stop button, and the suggested prompts of a DM."""

from __future__ import annotations

import copy
from typing import Any

from bot.emulator.workspace.core import Core, WorkspaceError
from bot.emulator.workspace.messages import Messages
from bot.emulator.workspace.streams import Streams


class Agents:
    """What Slack keeps for an AI app beside its messages: streaming, the assistant pane of
    each thread (``assistant.threads.*``) and agent sessions (``agents.sessions.*``)."""

    def __init__(self, core: Core, messages: Messages, streams: Streams) -> None:
        self._core = core
        self._messages = messages
        self._streams = streams
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

    def mark_streaming(self, channel: str, ts: str) -> None:
        """`chat.startStream` posted the message: it streams from now on; raises
        ``message_not_found`` for a message that is not there."""
        with self._core.lock:
            self._messages.live(channel, ts)
            self._streams.start(channel, ts)

    def stream(self, channel: str, ts: str, text: str, *, stop: bool = False,
               blocks: list[dict[str, Any]] | None = None,
               metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        """`chat.appendStream` / `chat.stopStream`: add text to a message being streamed;
        on stop, blocks go under it and the stream ends. A stream stopped, never started,
        or started more than `stream_lifetime` seconds ago is refused with
        ``message_not_in_streaming_state``."""
        with self._core.lock:
            msg = self._messages.live(channel, ts)
            if not self._streams.is_streaming(channel, ts):
                raise WorkspaceError("message_not_in_streaming_state")
            msg["text"] = msg.get("text", "") + text
            if stop:
                self._streams.end(channel, ts)
                if blocks:
                    msg["blocks"] = copy.deepcopy(blocks)
                if metadata:
                    msg["metadata"] = copy.deepcopy(metadata)
            result = copy.deepcopy(msg)
        self._core.emit("message_changed", {"channel": channel, "message": result})
        return result

    def set_assistant(self, channel: str, thread_ts: str, **changes: Any) -> None:
        """`assistant.threads.*`: a thread's status, title or suggested prompts."""
        with self._core.lock:
            if self._messages.thread_root_ts(channel, thread_ts) is None:
                raise WorkspaceError("invalid_thread_ts" if thread_ts else
                                     "invalid_arguments")
            self.assistant_threads.setdefault((channel, thread_ts), {}).update(changes)
        self._core.emit("assistant_changed", {"channel": channel, "thread_ts": thread_ts,
                                              **copy.deepcopy(changes)})

    def set_agent_session(self, channel: str, thread_ts: str, status: str, *,
                          title: str | None = None,
                          initiator: str | None = None) -> dict[str, Any]:
        """`agents.sessions.setStatus`: creates the session of a thread if needed (its
        title and initiator are kept from then on) and sets its status."""
        with self._core.lock:
            if self._messages.get_message(channel, thread_ts) is None:
                raise WorkspaceError("invalid_thread_ts")
            session = self.agent_sessions.setdefault(
                (channel, thread_ts), {"title": title, "initiator": initiator,
                                       "statuses": []})
            session["status"] = status
            session["statuses"].append(status)
            result = copy.deepcopy(session)
        self._core.emit("agent_session_changed",
                        {"channel": channel, "thread_ts": thread_ts, **copy.deepcopy(result)})
        return result

    def rename_agent_session(self, channel: str, thread_ts: str, title: str) -> None:
        """`agents.sessions.rename`: only a session already started can be renamed."""
        with self._core.lock:
            session = self.agent_sessions.get((channel, thread_ts))
            if session is None:
                raise WorkspaceError("session_not_found")
            session["title"] = title

    def press_stop(self, channel: str, thread_ts: str, user: str) -> dict[str, Any]:
        """A person clicks the stop button of an agent session. Slack shows it only while
        the session is "processing"; it stops the app's streaming messages in the thread
        itself, and the session's status stays as it was (the app moves it on). The
        `agent_session_stopped` event Slack then sends."""
        with self._core.lock:
            session = self.agent_sessions.get((channel, thread_ts))
            if session is None or session.get("status") != "processing":
                raise WorkspaceError("no_stop_button",
                                     "the session is not processing: no stop button shows")
            stopped = []
            for ts in [thread_ts, *self._messages.replies_of(channel, thread_ts)]:
                if self._streams.is_streaming(channel, ts):
                    self._streams.end(channel, ts)
                    stopped.append(ts)
        return {"type": "agent_session_stopped", "channel": channel, "thread_ts": thread_ts,
                "user": user, "streaming_message_ts": stopped,
                "event_ts": self._core.next_ts()}

    def set_channel_prompts(self, channel: str, prompts: list[Any],
                            title: Any = None) -> None:
        """Suggested prompts for a whole DM, as agent apps set them (no thread)."""
        with self._core.lock:
            self.channel_prompts[channel] = {"prompts": copy.deepcopy(prompts),
                                             "title": title}
        self._core.emit("assistant_changed", {"channel": channel, "thread_ts": "",
                                              "prompts": copy.deepcopy(prompts)})
