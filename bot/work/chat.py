"""The chat surface a run talks to: what a brainstorm or a draft needs from the chat
(posting, editing, finding what an earlier attempt posted, streaming a draft), as
protocols. Slack-free: `handlers.work` implements them for Slack (`SlackBrainstormChat`,
`SlackDraftChat`); each raises `bot.errors.ChatUnavailable` for a failure that may pass
and `ChatRefused` for one that cannot, and the run decides what follows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.boards import BoardView
from bot.decisions import StoredDecision
from bot.ideas import Brainstormed, Idea
from bot.llm.thread_fitting import ThreadMessage
from bot.work.queue import WorkItem


class BrainstormChat(Protocol):
    """What a brainstorm needs from the chat: its header, the ideas as replies, words to
    the person who asked. Raises ChatUnavailable or ChatRefused unless it says otherwise."""

    def post_header(self, work: WorkItem, topic: str) -> str: ...
    def find_header(self, work: WorkItem) -> str | None: ...
    def posted_ideas(self, work: WorkItem, header_ts: str) -> dict[int, str]: ...
    def post_idea(self, work: WorkItem, header_ts: str, idea: Idea,
                  brainstorm: Brainstormed) -> str: ...
    def show_done(self, work: WorkItem, header_ts: str, brainstorm: Brainstormed) -> None: ...
    def show_failed(self, work: WorkItem, header_ts: str, topic: str, note: str) -> None: ...
    def show_stopped(self, work: WorkItem, header_ts: str, topic: str, note: str,
                     posted: int | None) -> None:
        """The header settled when a person stopped the brainstorm after `posted` ideas
        (None: not known)."""
        ...

    def retract(self, work: WorkItem, ts: str) -> None:
        """Delete a message this run posted but may not keep; best effort, never raises."""
        ...

    def tell(self, work: WorkItem, text: str) -> None:
        """Tell only the person who asked; best effort, never raises."""
        ...


class DraftChat(Protocol):
    """What a draft needs from the chat: its placeholder, the thread, the draft shown
    while it is written and, in as many parts as the chat needs, once it is done. Raises
    ChatUnavailable or ChatRefused unless it says otherwise."""

    def post_placeholder(self, work: WorkItem) -> str: ...
    def find_placeholder(self, work: WorkItem) -> str | None: ...
    def read_thread(self, work: WorkItem, exclude: str) -> list[ThreadMessage]: ...
    def progress(self, work: WorkItem, ts: str, label: str) -> Callable[[str], None]:
        """Shows the draft as it grows (as often as the chat allows); never raises."""
        ...

    def parts(self, text: str) -> list[str]:
        """The draft cut into the messages it takes (one, unless it is long)."""
        ...

    def posted_parts(self, work: WorkItem, ts: str) -> set[int]: ...
    def show_part(self, work: WorkItem, ts: str, parts: list[str], number: int,
                  label: str, sources: str | None) -> None:
        """Part `number` (from 1) of the finished draft: the first in the placeholder `ts`
        (saying which thread messages it drew on), each further one as a reply that names
        the draft and its number. `label`: draft, revision, feedback or polish."""
        ...

    def show_failed(self, work: WorkItem, ts: str, text: str, note: str) -> None: ...
    def show_stopped(self, work: WorkItem, ts: str, text: str, note: str) -> None:
        """The placeholder settled when a person stopped the draft: what was written by
        then, and who stopped it."""
        ...

    def retract(self, work: WorkItem, ts: str) -> None:
        """Delete a message this run posted but may not keep; best effort, never raises."""
        ...

    def tell(self, work: WorkItem, text: str) -> None:
        """Tell only the person who asked; best effort, never raises."""
        ...


class ReminderChat(Protocol):
    """What a decision's reminder needs from the chat: the owner's direct message, found
    again where an earlier attempt posted it. Raises ChatUnavailable or ChatRefused."""

    def find(self, work: WorkItem, decision: StoredDecision) -> tuple[str, str] | None:
        """(channel, ts) of the reminder this work posted before, if any."""
        ...

    def post(self, work: WorkItem, decision: StoredDecision) -> tuple[str, str]:
        """Post the reminder with its buttons to the owner; (channel, ts)."""
        ...


class NoticeChat(Protocol):
    """What a decision's announcement needs from the chat: a reply in the item's thread,
    found again where an earlier attempt posted it. Raises ChatUnavailable or
    ChatRefused."""

    def find(self, work: WorkItem, decision: StoredDecision) -> str | None: ...
    def post(self, work: WorkItem, decision: StoredDecision) -> str: ...

    def owner_zone(self, owner: str) -> str | None:
        """The owner's time zone as Slack says it now (`bot.decisions.owner_zone`); None
        when it does not."""
        ...


class BoardChat(Protocol):
    """What an idea board needs from the chat: a channel canvas, created once and then
    replaced with what the board shows. Raises ChatUnavailable or ChatRefused
    (`ChatRefused.gone`: the canvas was deleted)."""

    def create(self, channel: str, view: BoardView, *, sent_before: bool = False) -> str:
        """Create the channel's canvas showing `view`; its id. `sent_before`: an earlier
        create got no answer, so a canvas the channel has now is taken as the one Slack
        made then, made to show `view`."""
        ...

    def edit(self, canvas_id: str, view: BoardView) -> None:
        """Make the canvas show `view` instead of what it shows."""
        ...
