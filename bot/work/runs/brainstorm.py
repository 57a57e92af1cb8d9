"""A brainstorm carried to its end, resumably: the header, each idea posted as the model
finishes it, the header settled (`bot.work.runs` says how a run resumes and stops).
"""

from __future__ import annotations

import logging
from functools import partial

from bot.errors import ChatError, ChatRefused, ChatUnavailable, IdealoopError
from bot.ideas import Brainstormed, Brainstormer, Idea
from bot.llm.model import TokenUsage
from bot.work.chat import BrainstormChat
from bot.work.queue import RetryLater, Stopped, Work, WorkItem
from bot.work.runs.steps import NOT_STARTED, settle_stopped, shown, started_message
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


class BrainstormRunner:
    def __init__(self, work: Work, brainstormer: Brainstormer, chat: BrainstormChat) -> None:
        self.work = work
        self.brainstormer = brainstormer
        self.chat = chat

    def run(self, item: WorkItem, last: bool) -> str | None:
        """Post the header; generate, posting each idea as the model finishes it; post
        any idea not in the thread yet (once); settle the header."""
        topic = str(item.request["topic"])
        header_ts = started_message(self.chat, self.work, item, lambda: self.chat.find_header(item),
                             lambda: self.chat.post_header(item, topic), last=last)
        if header_ts is None:
            return NOT_STARTED
        try:
            return self._run(item, header_ts, topic, last)
        except Stopped as stop:  # nothing more is posted; the header says who stopped it
            try:
                result = self.brainstormer.saved(item.channel, header_ts)
                posted: int | None = sum(1 for idea in result.ideas if idea.ts) if result \
                    else 0
            except DatabaseUnavailable:
                posted = None  # the header says who stopped it, not how many were posted
            settle_stopped(partial(self.chat.show_stopped, item, header_ts, topic,
                                    stop.note, posted))
            raise

    def _run(self, item: WorkItem, header_ts: str, topic: str, last: bool) -> str | None:
        result = self.brainstormer.saved(item.channel, header_ts)
        stopped: IdealoopError | None = None
        error: ChatError | None = None
        if result is None:  # not generated yet: generate, showing each idea at once
            stopped, error = self._generate(item, header_ts, topic)
            result = self.brainstormer.saved(item.channel, header_ts)
        if result is None:  # the model failed before its first idea: nothing stored
            assert stopped is not None
            log.warning("brainstorm failed: %s", stopped)
            note = stopped.user_message
            self.work.confirm(item)
            shown(self.chat, item,
                   lambda: self.chat.show_failed(item, header_ts, topic, note))
            return note
        if error is None:
            posted, error = self._post_ideas(item, header_ts, result)
        else:
            posted = sum(1 for idea in result.ideas if idea.ts)
        if error is not None and isinstance(error, ChatUnavailable) and not last:
            raise RetryLater(f"ideas not posted yet: {error}")
        self.work.confirm(item)
        if error is None and stopped is None and result.complete:
            shown(self.chat, item, lambda: self.chat.show_done(item, header_ts, result))
            return None
        if error is not None:
            note = (f"Only {posted} of {len(result.ideas)} ideas could be posted: "
                    f"{error.user_message}")
        else:  # the answer did not finish, in this attempt or an earlier one
            count = f"{len(result.ideas)} idea{'s' if len(result.ideas) != 1 else ''}"
            why = stopped.user_message if stopped is not None else result.stopped
            note = (f"The AI stopped after {count}: {why}" if why else
                    f"This brainstorm was interrupted after {count}.")
        shown(self.chat, item, lambda: self.chat.show_failed(item, header_ts, topic, note))
        return note

    def _generate(self, item: WorkItem, header_ts: str,
                  topic: str) -> tuple[IdealoopError | None, ChatError | None]:
        """Generate the ideas, posting each as soon as it is saved. Slack away stops the
        posting (the rest are still generated and saved, and posted in order later);
        an idea Slack refuses is skipped. The model stopping is returned, not raised:
        the ideas it did write stand."""
        seed = item.request.get("seed")
        shown: Brainstormed | None = None
        error: ChatError | None = None
        usage = TokenUsage()
        ideas = self.brainstormer.generate(
            channel=item.channel, requester=item.user_id, topic=topic, header_ts=header_ts,
            seed=seed if isinstance(seed, str) else None, thread_ts=item.thread_ts,
            before_save=lambda: self.work.confirm(item), usage=usage,
            author=_author(item.request.get("author")))
        try:
            for idea in ideas:
                if isinstance(error, ChatUnavailable):
                    continue
                shown = shown or self.brainstormer.saved(item.channel, header_ts)
                assert shown is not None
                try:  # saved a moment ago under a lease confirmed just before (`before_save`)
                    self._post_one(item, header_ts, idea, shown, confirmed=True)
                except ChatError as exc:  # refused: skip it; away: stop posting
                    error = exc
        except DatabaseUnavailable:
            raise
        except IdealoopError as exc:  # the LLM down, slow or unusable
            return exc, error
        finally:
            ideas.close()  # the model's answer ends here: what it spent is known
            self.work.spent(item, usage.total)  # for the daily budget, whatever came of it
        return None, error

    def _post_ideas(self, item: WorkItem, header_ts: str,
                    result: Brainstormed) -> tuple[int, ChatError | None]:
        """Post every idea not in the thread yet, each as its own reply, in order. An idea
        Slack refuses for good does not stop the others; Slack away stops here, so the
        next attempt carries on in order (it may find that this idea was posted after
        all). How many are in the thread now, and the last failure."""
        unposted = [idea for idea in result.ideas if not idea.ts]
        if unposted and item.attempts > 1:
            try:
                found = self.chat.posted_ideas(item, header_ts)
            except ChatError as exc:
                return len(result.ideas) - len(unposted), exc
            for idea in unposted:
                if idea.item_id in found:
                    self.brainstormer.mark_posted(idea.item_id, found[idea.item_id])
            unposted = [idea for idea in unposted if idea.item_id not in found]
        posted, error = len(result.ideas) - len(unposted), None
        for idea in unposted:
            try:
                self._post_one(item, header_ts, idea, result)
            except ChatRefused as exc:
                error = exc
                continue
            except ChatUnavailable as exc:
                return posted, exc
            posted += 1
        return posted, error

    def _post_one(self, item: WorkItem, header_ts: str, idea: Idea,
                  brainstorm: Brainstormed, *, confirmed: bool = False) -> None:
        """Post one idea (the lease confirmed first) and record its message. `confirmed`:
        the lease was renewed just before the idea was saved, a moment ago (it cannot
        have run out since, so nobody can have taken the work over); a stop asked
        through this process is still noticed, one asked through another at the next
        idea's save. One lease round trip per idea instead of two."""
        if confirmed:
            self.work.check_stopped(item)
        else:
            self.work.confirm(item)
        ts = self.chat.post_idea(item, header_ts, idea, brainstorm)
        self.brainstormer.mark_posted(idea.item_id, ts)

    def settle(self, item: WorkItem, note: str) -> None:
        header_ts = item.placeholder_ts or self.chat.find_header(item)
        if header_ts is not None:
            self.chat.show_failed(item, header_ts, str(item.request["topic"]), note)
        else:
            self.chat.tell(item, note)


def _author(raw: object) -> str | None:
    """Whose message a brainstorm's topic is ("Brainstorm from this"), as stored with its
    work."""
    return raw if isinstance(raw, str) and raw else None
