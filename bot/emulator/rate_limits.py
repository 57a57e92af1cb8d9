"""Slack's rate limits, by each method's published tier: a call over its method's limit
is answered HTTP 429 with ``Retry-After`` and ``{"ok": false, "error": "ratelimited"}``,
and Slack does nothing with it.

Slack applies limits "per API method per workspace per app"; `chat.postMessage` is special:
"generally allows posting one message per second per channel", with short bursts
(https://docs.slack.dev/apis/web-api/rate-limits). The tiers (same page): Tier 2 "20+ per
minute", Tier 3 "50+ per minute", Tier 4 "100+ per minute", each allowing occasional
bursts. Each method's tier is on its reference page:

- chat.postMessage: special, 1 a second per channel
  (https://docs.slack.dev/reference/methods/chat.postMessage);
- chat.startStream, chat.stopStream: Tier 2
  (https://docs.slack.dev/reference/methods/chat.startStream, …/chat.stopStream);
- chat.update, views.publish, conversations.replies, conversations.history,
  conversations.open: Tier 3 (https://docs.slack.dev/reference/methods/chat.update,
  …/views.publish, …/conversations.replies, …/conversations.history,
  …/conversations.open);
- chat.appendStream: Tier 4 (https://docs.slack.dev/reference/methods/chat.appendStream).

Slack does not publish burst sizes; here a limit is a token bucket that holds a minute's
worth of calls for a tier (20, 50, 100) and `POST_BURST` posts a channel. Tests:
tests/bot/emulator/test_rate_limits.py, one per tier; the app waits them out (slack_sdk's
RateLimitErrorRetryHandler, bot/runtime/slack_retries.py) rather than failing:
tests/e2e/test_slack_pace.py. The clock is injectable, and the
limits can be switched off (`SlackApiServer(rate_limits=False)`) for benchmarks that
measure the app rather than Slack's pace.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limit:
    """`burst` calls at once, then `per_second` calls a second."""

    burst: float
    per_second: float
    per_channel: bool = False


def tier(per_minute: int) -> Limit:
    return Limit(burst=per_minute, per_second=per_minute / 60)


TIER_2, TIER_3, TIER_4 = tier(20), tier(50), tier(100)
POST_BURST = 10  # "short bursts >1 allowed": how many Slack does not say
POST_MESSAGE = Limit(burst=POST_BURST, per_second=1.0, per_channel=True)

LIMITS: dict[str, Limit] = {
    "chat.postMessage": POST_MESSAGE,
    "chat.startStream": TIER_2,
    "chat.stopStream": TIER_2,
    "chat.update": TIER_3,
    "views.publish": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.history": TIER_3,
    "conversations.open": TIER_3,
    "chat.appendStream": TIER_4,
}


class RateLimits:
    """Token buckets per (workspace, method[, channel]); `take` spends one or says how
    long to wait."""

    def __init__(self, *, enabled: bool = True,
                 clock: Callable[[], float] = time.monotonic,
                 limits: dict[str, Limit] | None = None) -> None:
        self.enabled = enabled
        self.clock = clock
        self.limits = dict(LIMITS if limits is None else limits)
        self._buckets: dict[tuple[str, ...], tuple[float, float]] = {}  # tokens, when
        self._lock = threading.Lock()

    def take(self, team: str, method: str, params: dict[str, Any]) -> int | None:
        """Spend one call of `method` for `team`: None when allowed, else the whole
        seconds to wait (``Retry-After``)."""
        limit = self.limits.get(method)
        if not self.enabled or limit is None:
            return None
        key = (team, method, str(params.get("channel") or "")) if limit.per_channel \
            else (team, method)
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(key, (limit.burst, now))
            tokens = min(limit.burst, tokens + (now - then) * limit.per_second)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / limit.per_second))

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
