"""Which Web API calls the client itself may repeat, and when.

A 429 means Slack did not carry the call out: every call is retried, after Retry-After.
A 5xx or a broken connection may come after Slack did the work (the message exists, the
answer was lost), so repeating the call blindly posts it twice. Calls that change nothing
when repeated (reads, `chat.update`, `chat.delete`, `reactions.add`) are retried here;
calls that create or add are not:

- posts: the code that posts looks for what an earlier try may have posted (by the
  metadata every post carries) before posting again (`bot.work.runs`, `bot.digests`);
- `chat.startStream` creates a message (repeated, it made one message per try, each left
  streaming): the draft looks in the thread for the stream it may have started
  (`handlers.work.draft_chat`);
- `chat.appendStream` adds text (repeated, the piece showed twice): the draft is shown by
  `chat.update`, which sets the whole text, from then on (`handlers.slack.streaming`);
- `chat.stopStream` ends a stream: the draft settles by `chat.update` either way, and the
  stream is asked once more to stop, where an answer (`message_not_in_streaming_state`
  included) says for sure whether it ended;
- `conversations.canvases.create` makes the channel's one canvas (repeated, the second
  try was refused as a channel with a canvas of its own): the board's next attempt
  takes the canvas the channel has when its earlier create got no answer
  (`bot.work.runs.board`).
"""

from __future__ import annotations

import random

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.metrics import slack_request

# Calls whose repetition makes a second message, adds the same text twice, or is refused
# because the first made what it makes (a channel's canvas).
NOT_REPEATABLE = ("chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage",
                  "chat.meMessage", "chat.startStream", "chat.appendStream",
                  "chat.stopStream", "conversations.canvases.create")


def _method(request: HttpRequest) -> str:
    return request.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _repeatable(request: HttpRequest) -> bool:
    return _method(request) not in NOT_REPEATABLE


class _RepeatableOnly(RetryHandler):
    """Mixed in before a built-in handler: it retries only calls that can be repeated."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return _repeatable(request) and super()._can_retry(
            state=state, request=request, response=response, error=error)


class _ServerErrors(_RepeatableOnly, ServerErrorRetryHandler):
    """5xx answers."""


class _ConnectionErrors(_RepeatableOnly, ConnectionErrorRetryHandler):
    """Connections that broke before an answer came."""


class Pauses(RetryIntervalCalculator):
    """slack_sdk's exponential backoff with jitter, scaled to `first`: try n (from 0)
    waits first * 2**n plus a random share of up to 2 * first. The default, 0.5 s, is
    slack_sdk's own (0.5 * 2**n plus up to 1 s); `IDEALOOP_SLACK_RETRY_PAUSE` sets it."""

    def __init__(self, first: float) -> None:
        self.first = first

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return float(self.first * 2 ** current_attempt + random.random() * 2 * self.first)


class CountingHandler(RetryHandler):
    """Retries nothing: it counts every try of every Web API call (`bot.metrics`).

    slack_sdk asks its retry handlers, in order, about every answer it gets (a 200 with
    its parsed body, an HTTP error, a broken connection), and Bolt copies the app
    client's handlers into the client it makes for each request, so the first handler in
    the list sees every call any client of the app makes, with no other hook needed."""

    def can_retry(self, *, state: RetryState, request: HttpRequest,
                  response: HttpResponse | None = None,
                  error: Exception | None = None) -> bool:
        """Count the try; never retry. (`can_retry` itself, not `_can_retry`: the base
        class stops asking after its `max_retry_count` tries, and a retried call's later
        tries must be counted too.)"""
        slack_request(_method(request), *_outcome(response))
        return False


def _outcome(response: HttpResponse | None) -> tuple[str, float | None]:
    """How one try ended, and a 429's Retry-After in seconds."""
    if response is None:
        return "connection", None
    status = response.status_code
    if status == 429:
        values = response.headers.get("retry-after") or response.headers.get("Retry-After")
        value = values[0] if isinstance(values, list) and values else values
        try:
            return "ratelimited", float(value) if isinstance(value, str) and value else None
        except ValueError:
            return "ratelimited", None
    if status >= 500:
        return "http_5xx", None
    if status >= 400:
        return "http_4xx", None
    body = response.body if isinstance(response.body, dict) else {}
    return ("error" if body.get("ok") is False else "ok"), None


def retry_handlers(pause: float = 0.5) -> list[RetryHandler]:
    """The counting handler first (it must see every answer), then the retries; a 5xx or
    a dropped connection is repeated after `Pauses(pause)`, a 429 after its Retry-After."""
    pauses = Pauses(pause)
    return [CountingHandler(), RateLimitErrorRetryHandler(max_retry_count=3),
            _ServerErrors(max_retry_count=3, interval_calculator=pauses),
            _ConnectionErrors(max_retry_count=2, interval_calculator=pauses)]
