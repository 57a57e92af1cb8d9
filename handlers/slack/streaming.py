"""A Slack message that fills in while the LLM writes: throttled `chat.update`, or
Slack's native streaming (`NativeStream`) where Slack accepts it.

`chat.update` is a Tier 3 method (about 50 calls a minute per workspace), so updates
are spaced by `interval` seconds — except the first text, shown at once so the person
sees the draft start. A failed update (rate limited, Slack down) is skipped, not
retried: the next one carries all the text anyway, and the run settles the message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from handlers.slack.api_errors import BUSY, SLACK_FAILURES, error_code, failure_name
from handlers.slack.mrkdwn import neutralise, settled

log = logging.getLogger(__name__)
Render = Callable[[str], tuple[str, list[dict[str, Any]]]]


class _Throttled:
    """A message shown as it grows, at most every `interval` seconds (the first time at
    once)."""

    def __init__(self, client: WebClient, channel: str, ts: str, *, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.channel = channel
        self.ts = ts
        self.interval = interval
        self.clock = clock
        self._last: float | None = None

    def _waiting(self) -> bool:
        """True while the throttle would hold the next change back (nothing is noted)."""
        return self._last is not None and self.clock() - self._last < self.interval

    def _due(self) -> bool:
        """True (and the time noted) when the throttle lets the next change through."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            return False
        self._last = now
        return True


class StreamingMessage(_Throttled):
    def __init__(self, client: WebClient, channel: str, ts: str, *, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(client, channel, ts, interval=interval, clock=clock)
        self._shown = ""

    def update(self, text: str, render: Render) -> None:
        """Show `text` if the throttle allows; the first non-empty text is shown at once."""
        if not text.strip() or text == self._shown or not self._due():
            return
        if self._send(render(text)):
            self._shown = text

    def _send(self, rendered: tuple[str, list[dict[str, Any]]]) -> bool:
        text, blocks = rendered
        try:
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
            return True
        except SLACK_FAILURES as exc:  # the final update shows everything anyway
            log.info("chat.update of a streaming draft failed: %s", failure_name(exc))
            return False


# What Slack takes (https://docs.slack.dev/reference/methods/chat.appendStream): at most
# 12,000 characters of `markdown_text` per call; a message's text is at most 40,000.
# Lengths are counted in UTF-16 code units, which is never less than characters, so a
# text of emoji or other multi-byte characters fits however Slack counts it.
APPEND_LIMIT = 12_000
STREAM_SHOWN = 30_000  # text a live stream shows at most; the settled draft has it all
CLIPPED = "\n\n_…the rest shows here when the draft is done._"
NOT_STREAMING = "message_not_in_streaming_state"


def slack_length(text: str) -> int:
    """Characters as Slack may count them: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def cut_for_appends(text: str, limit: int = APPEND_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` (as `slack_length` counts), cut between
    characters and never inside an escape such as `&amp;`."""
    pieces: list[str] = []
    while slack_length(text) > limit:
        cut = 0
        used = 0
        for char in text:
            used += slack_length(char)
            if used > limit:
                break
            cut += 1
        cut = max(cut, 1)
        entity = text.rfind("&", max(0, cut - 5), cut)
        if entity > 0 and ";" not in text[entity:cut]:
            cut = entity  # `&lt;` and the like stay whole
        pieces.append(text[:cut])
        text = text[cut:]
    if text:
        pieces.append(text)
    return pieces


class NativeStream(_Throttled):
    """A message Slack streams (`chat.startStream` made it): each new piece of the draft
    is appended (`chat.appendStream`), at most every `interval` seconds, with what came
    since, in calls of at most `APPEND_LIMIT` characters; past `STREAM_SHOWN` characters
    the stream says the rest comes when the draft is done. `stop` ends it.

    An append is never repeated: after any failure — Slack refused it, the stream expired,
    or the answer was lost (a 5xx or a dropped connection, when Slack may have added the
    piece already) — the stream is stopped and the draft is shown by `chat.update`, which
    sets the whole text, until the run settles the message."""

    def __init__(self, client: WebClient, channel: str, ts: str, *, interval: float,
                 render: Render, metadata: dict[str, Any],
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(client, channel, ts, interval=interval, clock=clock)
        self.render = render  # how the fallback shows the draft (labelled, neutralised)
        self.metadata = metadata  # what the stopped message carries, to be found again
        self._sent = ""  # the neutralised text appended so far
        self._clipped = False  # the stream showed all it may; the rest waits for the end
        self._stopped = False
        self._fallback: StreamingMessage | None = None

    def show(self, text: str) -> None:
        """Append what `text` adds to what was sent; `text` grows as the draft does."""
        if self._fallback is not None:
            self._fallback.update(text, self.render)
            return
        # The whole text is neutralised, not each piece: a "@chan" + "nel" split across
        # two pieces is still caught, and a link is written out (`label (url)`) whole.
        # What may still change (an unclosed link, a word that may become `@channel`)
        # waits for the next piece (`settled`); only what extends what was sent is
        # appended, so what the stream shows is always the neutralised head of the draft.
        if self._clipped or self._waiting():
            return  # before the work below: it runs once an interval, not once a token
        safe = neutralise(settled(text))
        if not safe.startswith(self._sent) or safe == self._sent or not self._due():
            return
        new = safe[len(self._sent):]
        room = STREAM_SHOWN - slack_length(self._sent)
        if slack_length(new) > room:
            keep = room - slack_length(CLIPPED)
            new = (cut_for_appends(new, keep)[0] if keep > 0 else "") + CLIPPED
            self._clipped = True
        for piece in cut_for_appends(new):
            try:
                self.client.chat_appendStream(channel=self.channel, ts=self.ts,
                                              markdown_text=piece)
            except SLACK_FAILURES as exc:
                log.info("appending to a streamed draft failed (%s); it is shown by "
                         "chat.update from now on", failure_name(exc))
                self._fall_back(text, stopped=error_code(exc) == NOT_STREAMING)
                return
            self._sent += piece

    def _fall_back(self, text: str, *, stopped: bool) -> None:
        """Show the draft by `chat.update` from now on, starting with `text`; a stream that
        may still be live is ended first."""
        self._stopped = self._stopped or stopped
        self.stop()
        self._fallback = StreamingMessage(self.client, self.channel, self.ts,
                                          interval=self.interval, clock=self.clock)
        self._fallback.update(text, self.render)

    def stop(self) -> None:
        """End the stream (naming its work in the metadata); best effort. The stop adds
        no text, so when its answer is lost (a 5xx, a dropped connection) it is asked once
        more: either it stops the stream then, or Slack answers that the stream is not
        streaming any more (the first one did stop it, or it expired) — both are an end."""
        for _ in range(2):
            if self._stopped:
                return
            try:
                self.client.chat_stopStream(channel=self.channel, ts=self.ts,
                                            metadata=self.metadata)
                self._stopped = True
            except SLACK_FAILURES as exc:  # chat.update settles the message either way
                log.info("ending a streamed draft failed: %s", failure_name(exc))
                code = error_code(exc)
                self._stopped = code == NOT_STREAMING
                if code and code not in BUSY:
                    return  # refused for another reason: asking again would not help
