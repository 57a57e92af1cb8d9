"""The emulated Slack workspace: users, channels, messages, threads, reactions, views.

`Workspace` is what the emulated Web API (`bot.emulator.web_api`) serves and what the
terminal emulator mutates directly to play the humans (posting, reacting). It is
thread-safe because the HTTP server handles each request on its own thread, and raises
Slack's own error codes (`WorkspaceError.error`) so the HTTP layer stays a thin
translation. Only the standard library is used: the emulator adds no dependencies.

One part per concept, all sharing one `Core` (lock, ts source, listeners):

    core.py        the shared lock, ts source, clock and listeners; Slack's error codes
    directory.py   the team, the bot's identity, members and channels
    messages.py    messages and threads: post, edit, delete, read, permalink
    reactions.py   reactions on messages
    streams.py     which messages are streaming now, and for how long they may
    surfaces.py    ephemeral messages, response URLs, the App Home tab and modals
    agents.py      streaming into messages, assistant threads, agent sessions, prompts
    canvases.py    channel canvases: one per channel, made, then edited
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.emulator.workspace.agents import Agents
from bot.emulator.workspace.canvases import Canvases
from bot.emulator.workspace.core import (
    MAX_PAGE_LIMIT,
    PERMALINK_HOST,
    STREAM_LIFETIME,
    Core,
    Listener,
    WorkspaceError,
    strip_colons,
)
from bot.emulator.workspace.directory import Directory
from bot.emulator.workspace.messages import Messages
from bot.emulator.workspace.reactions import Reactions
from bot.emulator.workspace.streams import Streams
from bot.emulator.workspace.surfaces import Surfaces

__all__ = ["MAX_PAGE_LIMIT", "PERMALINK_HOST", "STREAM_LIFETIME", "Listener", "Workspace",
           "WorkspaceError", "strip_colons"]


class Workspace:
    """Thread-safe in-memory Slack workspace: one object for callers, its parts behind it.

    Callers (the Web API's methods, the terminal emulator, tests) say `state.post_message`
    or `state.channels` and need not know which part keeps what; the parts stay small
    and each can be read alone. Every getter returns deep copies, so callers can never
    mutate the workspace behind the lock's back.
    """

    def __init__(self, *, team_id: str = "T0001", team_name: str = "Emulated",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.core = Core(clock)
        self.directory = Directory(self.core, team_id=team_id, team_name=team_name)
        self.streams = Streams(self.core)
        self.messages = Messages(self.core, self.directory, self.streams)
        self.reactions = Reactions(self.core, self.messages)
        self.surfaces = Surfaces(self.core, self.directory, self.messages)
        self.agents = Agents(self.core, self.messages, self.streams)
        self.canvas_store = Canvases(self.core, self.directory)

        # The one lock every part holds, and what each part keeps (the same objects).
        self.lock = self.core.lock
        self.users = self.directory.users
        self.channels = self.directory.channels
        self.ephemeral = self.surfaces.ephemeral
        self.responses = self.surfaces.responses
        self.home_views = self.surfaces.home_views
        self.modals = self.surfaces.modals
        self.assistant_threads = self.agents.assistant_threads
        self.agent_sessions = self.agents.agent_sessions
        self.channel_prompts = self.agents.channel_prompts

        # What each part does, by concept.
        self.next_ts = self.core.next_ts
        self.add_listener = self.core.add_listener
        self.add_user = self.directory.add_user
        self.set_zone = self.directory.set_zone
        self.canvases = self.canvas_store.canvases
        self.create_channel_canvas = self.canvas_store.create_channel_canvas
        self.edit_canvas = self.canvas_store.edit_canvas
        self.delete_canvas = self.canvas_store.delete_canvas
        self.canvas_of = self.canvas_store.canvas_of
        self.user_info = self.directory.user_info
        self.ensure_channel = self.directory.ensure_channel
        self.channel_info = self.directory.channel_info
        self.set_member = self.directory.set_member
        self.require_member = self.directory.require_member
        self.set_person_in = self.directory.set_person_in
        self.require_ephemeral_audience = self.directory.require_ephemeral_audience
        self.post_message = self.messages.post_message
        self.update_message = self.messages.update_message
        self.delete_message = self.messages.delete_message
        self.get_message = self.messages.get_message
        self.thread_root_ts = self.messages.thread_root_ts
        self.thread = self.messages.thread
        self.history = self.messages.history
        self.permalink = self.messages.permalink
        self.add_reaction = self.reactions.add_reaction
        self.remove_reaction = self.reactions.remove_reaction
        self.is_streaming = self.streams.is_streaming
        self.streaming_messages = self.streams.streaming_messages
        self.publish_home = self.surfaces.publish_home
        self.open_modal = self.surfaces.open_modal
        self.post_ephemeral = self.surfaces.post_ephemeral
        self.new_response_url = self.surfaces.new_response_url
        self.has_response_url = self.surfaces.has_response_url
        self.handle_response = self.surfaces.handle_response
        self.mark_streaming = self.agents.mark_streaming
        self.stream = self.agents.stream
        self.set_assistant = self.agents.set_assistant
        self.set_agent_session = self.agents.set_agent_session
        self.rename_agent_session = self.agents.rename_agent_session
        self.press_stop = self.agents.press_stop
        self.set_channel_prompts = self.agents.set_channel_prompts

        self.ensure_channel("C0GENERAL", "general")

    # Settings tests change on a live workspace: they live in the part that reads them.

    @property
    def clock(self) -> Callable[[], float]:
        """What streams expire by (seconds): tests move it on instead of sleeping."""
        return self.core.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self.core.clock = clock

    @property
    def stream_lifetime(self) -> float:
        """Seconds a message may stream after `chat.startStream` (`STREAM_LIFETIME`)."""
        return self.streams.lifetime

    @stream_lifetime.setter
    def stream_lifetime(self, seconds: float) -> None:
        self.streams.lifetime = seconds

    @property
    def streaming_refused(self) -> bool:
        """Whether `chat.startStream` is refused, as in a workspace without AI streaming."""
        return self.streams.refused

    @streaming_refused.setter
    def streaming_refused(self, refused: bool) -> None:
        self.streams.refused = refused

    @property
    def agent_view(self) -> bool:
        """True for the Agent messaging experience, False for an `assistant_view` app."""
        return self.agents.agent_view

    @agent_view.setter
    def agent_view(self, agent_view: bool) -> None:
        self.agents.agent_view = agent_view

    # The team and the bot's identity, read-only: every part reads them from the directory.

    @property
    def team_id(self) -> str:
        return self.directory.team_id

    @property
    def team_name(self) -> str:
        return self.directory.team_name

    @property
    def team_domain(self) -> str:
        return self.directory.team_domain

    @property
    def bot_user_id(self) -> str:
        return self.directory.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.directory.bot_id

    @property
    def bot_name(self) -> str:
        return self.directory.bot_name
