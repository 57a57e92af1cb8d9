"""Accepted work carried to its end, resumably: a brainstorm, a draft. Slack-free.

A run is attempted until it is done or settled (`bot.runtime.worker` decides when to try
again); any attempt may be a resumption after a crash, so each step first looks at what
an earlier attempt did: the header or placeholder it posted (recorded, or found by the
metadata it was posted with), the ideas it saved, the ideas or draft parts already in
the thread. Before each message it posts or edits (while a draft streams in, at least
every `confirm_every` seconds), the run confirms it still holds the work (`Work.confirm`),
so a process that lost its lease stops instead of posting twice; a header or placeholder
it posted just as it lost the work is taken back.

The chat side — posting, editing, reading Slack — is a surface the handlers implement
(`BrainstormChat`, `DraftChat`): they raise `ChatUnavailable` for a failure that may
pass and `ChatRefused` for one that cannot, and the run decides: try again later, tell
the person, or settle. A final state that cannot be shown because Slack is away is
always tried again (RetryLater), also on the last attempt: that is what keeps a
placeholder from staying "Thinking…".

A person may stop the work (Slack's stop button on an agent session): the next
`Work.confirm` — or, in the process that got the stop, the next piece of a draft — raises
`Stopped`; the run posts nothing more, settles its header or placeholder saying who
stopped it (a draft keeps the text written so far, unsaved), and the work is over.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Protocol

from bot.drafts import Drafter, DraftPlan, shown_as
from bot.errors import (
    ChatError,
    ChatRefused,
    ChatUnavailable,
    IdealoopError,
    LLMBadOutput,
    user_message,
)
from bot.ideas import Brainstormed, Brainstormer, Idea
from bot.llm.model import TokenUsage
from bot.llm.thread_fitting import ThreadMessage
from bot.work import LeaseLost, RetryLater, Stopped, Work
from storage.errors import DatabaseUnavailable
from storage.work import WorkItem

log = logging.getLogger(__name__)
NOT_STARTED = "It could not be started where it was asked for."


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


class _Told(Protocol):
    def tell(self, work: WorkItem, text: str) -> None: ...


def _shown(chat: _Told, item: WorkItem, step: Callable[[], None]) -> None:
    """Carry out a step that shows a final state. Slack away: try again later (on any
    attempt: this is what settles a placeholder). Refused for good: when the message is
    gone nobody waits there; otherwise the person is told why it could not be shown."""
    try:
        step()
    except ChatRefused as exc:
        log.info("a message could not be updated for good: %s", exc)
        if not exc.gone:
            chat.tell(item, exc.user_message)
    except ChatUnavailable as exc:
        raise RetryLater(f"could not show the outcome: {exc}") from exc


def _settle_stopped(step: Callable[[], None]) -> None:
    """Show that a person stopped the work; best effort (the work is over either way,
    and the stop's listener settled the message too when this process was not running
    it)."""
    try:
        step()
    except ChatError as exc:
        log.warning("could not show that the work was stopped: %s", exc)


def _started(chat: BrainstormChat | DraftChat, work: Work, item: WorkItem,
             find: Callable[[], str | None], post: Callable[[], str], *,
             last: bool) -> str | None:
    """The ts of the message the person watches while the work runs: recorded, found
    where an earlier attempt posted it (its answer lost), or posted now and recorded.
    None when the chat refuses it, or is still away on the last attempt: the person is
    told another way, and the work ends (nothing is waiting in the channel)."""
    ts = item.placeholder_ts
    try:
        if ts is None and item.attempts > 1:
            ts = find()
        if ts is None:
            work.confirm(item)
            ts = post()
            try:
                work.set_placeholder(item, ts)
            except LeaseLost:
                chat.retract(item, ts)  # the process that has the work now posts its own
                raise
        elif item.placeholder_ts is None:
            work.set_placeholder(item, ts)
    except ChatRefused as exc:
        chat.tell(item, exc.user_message)
        return None
    except ChatUnavailable as exc:
        if not last:
            raise RetryLater("the first message could not be posted") from exc
        chat.tell(item, exc.user_message)
        return None
    return ts


def _ideas(raw: object) -> list[tuple[int, str]] | None:
    """Ideas a draft was asked for by button ("Draft this"), as stored with its work."""
    if not isinstance(raw, list):
        return None
    return [(int(n), str(text)) for n, text in raw]


class BrainstormRunner:
    def __init__(self, work: Work, brainstormer: Brainstormer, chat: BrainstormChat) -> None:
        self.work = work
        self.brainstormer = brainstormer
        self.chat = chat

    def run(self, item: WorkItem, last: bool) -> str | None:
        """Post the header; generate, posting each idea as the model finishes it; post
        any idea not in the thread yet (once); settle the header."""
        topic = str(item.request["topic"])
        header_ts = _started(self.chat, self.work, item, lambda: self.chat.find_header(item),
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
            _settle_stopped(partial(self.chat.show_stopped, item, header_ts, topic,
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
            _shown(self.chat, item,
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
            _shown(self.chat, item, lambda: self.chat.show_done(item, header_ts, result))
            return None
        if error is not None:
            note = (f"Only {posted} of {len(result.ideas)} ideas could be posted: "
                    f"{error.user_message}")
        else:  # the answer did not finish, in this attempt or an earlier one
            count = f"{len(result.ideas)} idea{'s' if len(result.ideas) != 1 else ''}"
            why = stopped.user_message if stopped is not None else result.stopped
            note = (f"The AI stopped after {count}: {why}" if why else
                    f"This brainstorm was interrupted after {count}.")
        _shown(self.chat, item, lambda: self.chat.show_failed(item, header_ts, topic, note))
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
            before_save=lambda: self.work.confirm(item), usage=usage)
        try:
            for idea in ideas:
                if isinstance(error, ChatUnavailable):
                    continue
                shown = shown or self.brainstormer.saved(item.channel, header_ts)
                assert shown is not None
                try:
                    self._post_one(item, header_ts, idea, shown)
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
                  brainstorm: Brainstormed) -> None:
        """Post one idea (the lease confirmed first) and record its message."""
        self.work.confirm(item)
        ts = self.chat.post_idea(item, header_ts, idea, brainstorm)
        self.brainstormer.mark_posted(idea.item_id, ts)

    def settle(self, item: WorkItem, note: str) -> None:
        header_ts = item.placeholder_ts or self.chat.find_header(item)
        if header_ts is not None:
            self.chat.show_failed(item, header_ts, str(item.request["topic"]), note)
        else:
            self.chat.tell(item, note)


class DraftRunner:
    def __init__(self, work: Work, drafter: Drafter, chat: DraftChat, *,
                 confirm_every: float = 1.0) -> None:
        self.work = work
        self.drafter = drafter
        self.chat = chat
        self.confirm_every = confirm_every

    def run(self, item: WorkItem, last: bool) -> str | None:
        """Post the placeholder, read the thread, stream the draft into it, save it,
        show it settled."""
        ts = _started(self.chat, self.work, item, lambda: self.chat.find_placeholder(item),
                      lambda: self.chat.post_placeholder(item), last=last)
        if ts is None:
            return NOT_STARTED
        pieces: list[str] = []  # what the model wrote, kept if it stops half-way
        try:
            return self._run(item, ts, last, pieces)
        except Stopped as stop:  # nothing more is written; the placeholder says who stopped
            _settle_stopped(partial(self.chat.show_stopped, item, ts, "".join(pieces),
                                    stop.note))
            raise

    def _run(self, item: WorkItem, ts: str, last: bool, pieces: list[str]) -> str | None:
        saved = self.drafter.saved_at(item.channel, ts)
        if saved is not None:  # an earlier attempt wrote and saved it: show it, settled
            self._show(item, ts, saved.text, label=shown_as(saved.kind, saved.parent_id),
                       sources=saved.sources)
            return None
        try:
            thread = self.chat.read_thread(item, exclude=ts)
        except ChatError as exc:
            if isinstance(exc, ChatUnavailable) and not last:
                raise RetryLater("the thread could not be read") from exc
            return self._failed(item, ts, "", f"I could not read this thread: "
                                f"{exc.user_message}")
        try:  # whatever fails, the placeholder settles into a clear note
            plan = self.drafter.plan(channel=item.channel, thread_ts=str(item.thread_ts),
                                     mention_text=str(item.request.get("text") or ""),
                                     thread=thread, mention_ts=str(item.request.get("ts")),
                                     requester=item.user_id,
                                     bot_user=item.request.get("bot"),
                                     ideas=_ideas(item.request.get("ideas")))
            log.info("drafting in %s/%s: %d messages, ~%d prompt tokens (%d condensed, "
                     "%d left out)", item.channel, item.thread_ts, plan.fitted.total_messages,
                     plan.fitted.tokens, plan.fitted.condensed, plan.fitted.omitted)
            self._write(item, ts, plan, pieces)
        except DatabaseUnavailable:
            raise  # nothing saved: a later attempt writes the draft again
        except IdealoopError as exc:
            written = "".join(pieces)
            log.warning("draft failed after %d characters: %s", len(written), exc)
            note = user_message(exc)
            if written.strip():
                note += (" The text above is incomplete and was not saved; mention me to "
                         "try again.")
            return self._failed(item, ts, written, note)
        self.work.confirm(item)
        kept = self.drafter.save(plan, ts=ts, text="".join(pieces))  # or a rival's, first
        self._show(item, ts, kept.text, label=shown_as(kept.kind, kept.parent_id),
                   sources=kept.sources)
        return None

    def _write(self, item: WorkItem, ts: str, plan: DraftPlan, pieces: list[str]) -> None:
        """Stream the draft into `pieces`, showing it as it grows; the lease is confirmed
        as it goes."""
        show = self.chat.progress(item, ts, plan.shown_as)
        confirmed = time.monotonic()
        written = self.drafter.stream(plan)
        try:
            for piece in written:
                pieces.append(piece)
                self.work.check_stopped(item)  # a stop through this process: at once
                if time.monotonic() - confirmed >= self.confirm_every:
                    self.work.confirm(item)
                    confirmed = time.monotonic()
                show("".join(pieces))
        finally:
            close = getattr(written, "close", None)
            if close is not None:
                close()  # the model's answer ends here: what it spent is known
            self.work.spent(item, plan.usage.total)  # the daily budget counts it, come what may
        if not "".join(pieces).strip():
            raise LLMBadOutput("empty draft")

    def _show(self, item: WorkItem, ts: str, text: str, *, label: str,
              sources: str | None) -> None:
        """The saved draft, settled: its first part in the placeholder, the others as
        replies; parts an earlier attempt posted are not posted again."""
        parts = self.chat.parts(text)
        self.work.confirm(item)
        _shown(self.chat, item,
               lambda: self.chat.show_part(item, ts, parts, 1, label, sources))
        if len(parts) == 1:
            return
        posted: set[int] = set()
        if item.attempts > 1:
            _shown(self.chat, item, lambda: posted.update(self.chat.posted_parts(item, ts)))
        for number in range(2, len(parts) + 1):
            if number not in posted:
                self.work.confirm(item)
                _shown(self.chat, item, partial(self.chat.show_part, item, ts, parts, number,
                                                label, None))

    def _failed(self, item: WorkItem, ts: str, text: str, note: str) -> str:
        self.work.confirm(item)
        _shown(self.chat, item, lambda: self.chat.show_failed(item, ts, text, note))
        return note

    def settle(self, item: WorkItem, note: str) -> None:
        ts = item.placeholder_ts or self.chat.find_placeholder(item)
        if ts is not None:
            self.chat.show_failed(item, ts, "", note)
        else:
            self.chat.tell(item, note)
