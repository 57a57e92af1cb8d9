"""What a decision's announcement (`notice.py`) and its reminder (`reminder.py`) share:
one message about a decision, posted once. A later attempt first looks for the message
an earlier one posted (by its metadata) before posting; the lease is confirmed before
posting; what was posted is recorded on the decision. Slack refusing it for good records
that too (nobody waits on it: the work is over); Slack away: tried again later."""

from __future__ import annotations

import logging
from typing import Generic, Protocol, TypeVar

from bot.decisions import Decisions, StoredDecision
from bot.errors import ChatRefused, ChatUnavailable
from bot.work.queue import RetryLater, Work, WorkItem

log = logging.getLogger(__name__)
Posted = TypeVar("Posted")
Found = TypeVar("Found", covariant=True)


class PostsAboutDecisions(Protocol[Found]):
    """`bot.work.chat.NoticeChat` (the message's ts), `ReminderChat` (its DM and ts)."""

    def find(self, work: WorkItem, decision: StoredDecision) -> Found | None: ...
    def post(self, work: WorkItem, decision: StoredDecision) -> Found: ...


class DecisionPost(Generic[Posted]):
    """A runner of work that posts one message about a decision: `due` says whether it
    is still to be posted, `record` keeps what was posted (None: Slack refused it)."""

    what = "a message"  # in the log: "the reminder", "the announcement"

    def __init__(self, work: Work, decisions: Decisions,
                 chat: PostsAboutDecisions[Posted]) -> None:
        self.work = work
        self.decisions = decisions
        self.chat = chat

    def due(self, item: WorkItem) -> StoredDecision | None:
        raise NotImplementedError

    def record(self, item: WorkItem, decision: StoredDecision, posted: Posted | None) -> None:
        raise NotImplementedError

    def run(self, item: WorkItem, last: bool) -> str | None:
        decision = self.due(item)
        if decision is None:
            return None
        try:
            found = self.chat.find(item, decision) if item.attempts > 1 else None
            if found is None:
                self.work.confirm(item)
                found = self.chat.post(item, decision)
        except ChatRefused as exc:  # the thread is gone, the owner or the bot left
            log.info("%s of decision %d was refused: %s", self.what, decision.id, exc)
            self.record(item, decision, None)
            return exc.user_message
        except ChatUnavailable as exc:
            raise RetryLater(f"{self.what} could not be posted: {exc}") from exc
        self.record(item, decision, found)
        return None

    def over(self, item: WorkItem) -> None:
        """Record that nobody can be told this time (the run was given up), so the sweep
        does not take it again: decisions nobody can post about must not fill its batch
        and starve the others."""
        raise NotImplementedError

    def settle(self, item: WorkItem, note: str) -> None:
        """Nobody waits on it: giving it up shows nothing, and records it as over (best
        effort: the worker says so if it cannot)."""
        log.info("gave up posting %s of decision %s: %s", self.what,
                 item.request.get("decision"), note)
        self.over(item)
