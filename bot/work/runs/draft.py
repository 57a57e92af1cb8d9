"""A draft carried to its end, resumably: the placeholder, the thread read, the draft
streamed into it as the model writes, saved, then shown settled in as many parts as it
takes (`bot.work.runs` says how a run resumes and stops).
"""

from __future__ import annotations

import logging
import time
from functools import partial

from bot.drafts import Drafter, DraftPlan, shown_as
from bot.errors import ChatError, ChatUnavailable, IdealoopError, LLMBadOutput, user_message
from bot.work.chat import DraftChat
from bot.work.queue import RetryLater, Stopped, Work, WorkItem
from bot.work.runs.steps import NOT_STARTED, settle_stopped, shown, started_message
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


def _ideas(raw: object) -> list[tuple[int, str]] | None:
    """Ideas a draft was asked for by button ("Draft this"), as stored with its work."""
    if not isinstance(raw, list):
        return None
    return [(int(n), str(text)) for n, text in raw]


def _ts(raw: object) -> str | None:
    """The message a shortcut asked about, as stored with its work."""
    return raw if isinstance(raw, str) and raw else None


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
        ts = started_message(self.chat, self.work, item, lambda: self.chat.find_placeholder(item),
                      lambda: self.chat.post_placeholder(item), last=last)
        if ts is None:
            return NOT_STARTED
        pieces: list[str] = []  # what the model wrote, kept if it stops half-way
        try:
            return self._run(item, ts, last, pieces)
        except Stopped as stop:  # nothing more is written; the placeholder says who stopped
            settle_stopped(partial(self.chat.show_stopped, item, ts, "".join(pieces),
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
                                     ideas=_ideas(item.request.get("ideas")),
                                     review_ts=_ts(item.request.get("review_ts")))
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
        shown(self.chat, item,
               lambda: self.chat.show_part(item, ts, parts, 1, label, sources))
        if len(parts) == 1:
            return
        posted: set[int] = set()
        if item.attempts > 1:
            shown(self.chat, item, lambda: posted.update(self.chat.posted_parts(item, ts)))
        for number in range(2, len(parts) + 1):
            if number not in posted:
                self.work.confirm(item)
                shown(self.chat, item, partial(self.chat.show_part, item, ts, parts, number,
                                                label, None))

    def _failed(self, item: WorkItem, ts: str, text: str, note: str) -> str:
        self.work.confirm(item)
        shown(self.chat, item, lambda: self.chat.show_failed(item, ts, text, note))
        return note

    def settle(self, item: WorkItem, note: str) -> None:
        ts = item.placeholder_ts or self.chat.find_placeholder(item)
        if ts is not None:
            self.chat.show_failed(item, ts, "", note)
        else:
            self.chat.tell(item, note)
