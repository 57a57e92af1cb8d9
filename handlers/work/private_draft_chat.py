"""How a draft shown only to the person who asked shows in Slack ("Polish this", the
message shortcut): ephemeral messages (`chat.postEphemeral`) in the channel, or in the
thread when the message was a reply, and none in public until the person clicks
[Post in thread] (`handlers.shortcuts`).

The run is the draft's own (`bot.work.runs.draft.DraftRunner`); this is its chat surface
(`bot.work.chat.DraftChat`), the thread read as for any draft. Slack cannot edit,
delete or find an ephemeral message again: the "Polishing…" note is the placeholder the
draft is saved under (its `message_ts`), the text is not shown as it grows, and the
settled text is a further ephemeral message. An attempt resumed after a crash cannot see
what an earlier one showed; it shows it again, to the same person only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from slack_sdk import WebClient

from bot.errors import ChatRefused
from bot.work.queue import WorkItem
from handlers.slack import blocks, shortcut_blocks
from handlers.slack.api_errors import error_code, slack_call
from handlers.work.draft_chat import SlackDraftChat, tell_directly

PRIVATE_DRAFT = "private_draft"  # the kind of work whose draft only its asker sees
OUTSIDE = "user_not_in_channel"  # chat.postEphemeral: the asker is not in the channel


class SlackPrivateDraftChat(SlackDraftChat):
    def __init__(self, client: WebClient, *, model_name: str, offline: bool) -> None:
        super().__init__(client, model_name=model_name, offline=offline, stream_interval=1.0)
        self._outside: set[int] = set()  # work whose asker Slack said is not in the channel
        self._lock = threading.Lock()

    def _where(self, work: WorkItem) -> str | None:
        """The thread the private messages go in: the message's own when it was a reply,
        else none (the channel)."""
        reply_in = work.request.get("private_thread_ts")
        return reply_in if isinstance(reply_in, str) and reply_in else None

    def _private(self, work: WorkItem, what: str, text: str,
                 shown: list[dict[str, object]] | None = None) -> str:
        try:
            with slack_call(what):
                answer = self.client.chat_postEphemeral(
                    channel=work.channel, user=work.user_id, thread_ts=self._where(work),
                    text=text, blocks=shown)
        except ChatRefused as exc:
            if error_code(exc.__cause__ or exc) == OUTSIDE:
                with self._lock:
                    self._outside.add(work.id)
            raise
        return str(answer.get("message_ts") or "")

    def tell(self, work: WorkItem, text: str) -> None:
        """Someone Slack would not show an ephemeral message in the channel (they are not
        in it: they left, or only preview it) is told in a direct message; anyone else
        as any draft's asker is (the response URL)."""
        with self._lock:
            outside = work.id in self._outside
            self._outside.discard(work.id)
        if outside and work.user_id:
            tell_directly(self.client, work.user_id, text)
            return
        super().tell(work, text)

    def post_placeholder(self, work: WorkItem) -> str:
        text, _ = blocks.drafting_placeholder(self.model_name, "polish")
        ts = self._private(work, "tell the person their text is being polished",
                           shortcut_blocks.private_note(text))
        if not ts:  # Slack always answers with it; without one the draft has no key
            raise ChatRefused("Slack gave no message_ts for an ephemeral message")
        return ts

    def find_placeholder(self, work: WorkItem) -> str | None:
        return None  # an ephemeral message cannot be found again

    def progress(self, work: WorkItem, ts: str, label: str) -> Callable[[str], None]:
        return lambda _text: None  # an ephemeral message cannot be edited

    def posted_parts(self, work: WorkItem, ts: str) -> set[int]:
        return set()

    def show_part(self, work: WorkItem, ts: str, parts: list[str], number: int,
                  label: str, sources: str | None) -> None:
        last = number == len(parts)
        post = (shortcut_blocks.post_value(ts, str(work.thread_ts))
                if last and work.thread_ts else None)
        text, shown = shortcut_blocks.private_part(
            parts[number - 1], self.model_name, offline=self.offline,
            part=(number, len(parts)), sources=sources if number == 1 else None, post=post)
        self._private(work, f"show part {number} of a polished text", text, shown)

    def show_failed(self, work: WorkItem, ts: str, text: str, note: str) -> None:
        fallback, shown = blocks.draft(text, self.model_name, offline=self.offline,
                                       state="failed", note=note)
        self._private(work, "say a polish failed", fallback, shown)

    def show_stopped(self, work: WorkItem, ts: str, text: str, note: str) -> None:
        fallback, shown = blocks.draft(text, self.model_name, offline=self.offline,
                                       state="stopped", note=note)
        self._private(work, "say a polish was stopped", fallback, shown)

    def retract(self, work: WorkItem, ts: str) -> None:
        """An ephemeral message cannot be deleted; only its reader saw it."""
