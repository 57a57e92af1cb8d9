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

from handlers.slack.api_errors import SLACK_FAILURES, failure_name
from handlers.slack.mrkdwn import neutralise

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


class NativeStream(_Throttled):
    """A message Slack streams (`chat.startStream` made it): each new piece of the draft
    is appended (`chat.appendStream`), at most every `interval` seconds, with what came
    since; `stop` ends it. When Slack stops taking appends (the stream ended or expired),
    the rest is shown by `chat.update` until the run settles the message."""

    def __init__(self, client: WebClient, channel: str, ts: str, *, interval: float,
                 render: Render, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(client, channel, ts, interval=interval, clock=clock)
        self.render = render  # how the fallback shows the draft (labelled, neutralised)
        self._sent = ""  # the neutralised text appended so far
        self._fallback: StreamingMessage | None = None

    def show(self, text: str) -> None:
        """Append what `text` adds to what was sent; `text` grows as the draft does."""
        if self._fallback is not None:
            self._fallback.update(text, self.render)
            return
        # The whole text is neutralised, not each piece: a "@chan" + "nel" split across
        # two pieces is still caught. Only what extends what was sent is appended.
        safe = neutralise(text)
        if not safe.startswith(self._sent) or safe == self._sent or not self._due():
            return
        try:
            self.client.chat_appendStream(channel=self.channel, ts=self.ts,
                                          markdown_text=safe[len(self._sent):])
            self._sent = safe
        except SLACK_FAILURES as exc:
            log.info("appending to a streamed draft failed (%s); showing it by chat.update",
                     failure_name(exc))
            self._fallback = StreamingMessage(self.client, self.channel, self.ts,
                                              interval=self.interval, clock=self.clock)

    def stop(self, *, metadata: dict[str, Any]) -> None:
        try:
            self.client.chat_stopStream(channel=self.channel, ts=self.ts, metadata=metadata)
        except SLACK_FAILURES as exc:  # chat.update settles the message either way
            log.info("ending a streamed draft failed: %s", failure_name(exc))
