"""Governance: where idealoop works, and how much AI work a day may ask of it.

An operator sets these (`IDEALOOP_CHANNELS`, `IDEALOOP_DAILY_LIMIT_PERSON`,
`IDEALOOP_DAILY_LIMIT_CHANNEL`, `IDEALOOP_DAILY_TOKENS`); nothing is limited by default.

- The allow-list names the channels idealoop works in; direct messages with it (the
  assistant pane) are always allowed, since no operator could list them.
- The daily limits count the brainstorms and drafts (feedback and polish included) a
  person, or a channel, started since midnight in `IDEALOOP_TIMEZONE`; work that failed
  is not counted.
- The token budget counts the LLM tokens used since midnight, as the server reported
  them, or estimated from the text when it reported none. It is checked before work
  starts: work accepted under the budget finishes even if it takes the day past it.

The limits are checked in the same transaction that stores the work
(`storage.work.WorkStore.accept`), so a refused request leaves nothing behind and two
requests at once cannot both take the last place.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.config import Settings
from bot.errors import BadInput
from storage.base import Clock, utcnow
from storage.errors import QuotaReached
from storage.work import Quota, Usage


class LimitReached(BadInput):
    """A daily limit refused new work; the message says which, and when it resets."""


class NotHere(BadInput):
    """idealoop is not enabled in this channel (`IDEALOOP_CHANNELS`)."""


NOT_HERE = ("idealoop is not enabled in this channel. Ask whoever runs idealoop to add it "
            "to IDEALOOP_CHANNELS, or use a channel where it is.")


@dataclass(frozen=True)
class Day:
    """The day the limits count: when it began, and when the counts start again (both in
    UTC, as times are stored: SQLite compares them as text, so a local time would be
    compared with UTC ones and count the wrong hours)."""

    start: datetime
    reset: datetime
    timezone: str

    def resets(self, now: datetime) -> str:
        """"at 00:00 UTC, in 3 h 12 min"."""
        left = max(0, int((self.reset - now).total_seconds()) // 60)
        hours, minutes = divmod(left, 60)
        wait = f"{hours} h {minutes} min" if hours else f"{max(1, minutes)} min"
        return f"at 00:00 {self.timezone}, in {wait}"


class Limits:
    """The operator's limits, and the words for them."""

    def __init__(self, settings: Settings, *, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock

    @property
    def limited(self) -> bool:
        """True when any daily limit or budget is set."""
        s = self.settings
        return bool(s.daily_limit_person or s.daily_limit_channel or s.daily_tokens)

    def allows(self, channel: str) -> bool:
        """True when idealoop works in `channel`: it is listed, nothing is listed, or it
        is a direct message."""
        allowed = self.settings.channels
        return not allowed or channel in allowed or channel.startswith("D")

    def check_channel(self, channel: str) -> None:
        if not self.allows(channel):
            raise NotHere(NOT_HERE)

    def today(self) -> Day:
        zone = zoneinfo.ZoneInfo(self.settings.timezone)
        local = self.clock().astimezone(zone)
        start = datetime.combine(local.date(), time(0), tzinfo=zone)
        reset = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
        return Day(start.astimezone(UTC), reset.astimezone(UTC), self.settings.timezone)

    def quota(self) -> Quota | None:
        """Today's limits, for the transaction that accepts work; None when unlimited."""
        if not self.limited:
            return None
        s = self.settings
        return Quota(since=self.today().start, person=s.daily_limit_person,
                     channel=s.daily_limit_channel, tokens=s.daily_tokens)

    def reached(self, exc: QuotaReached) -> LimitReached:
        """What to tell the person whose request a daily limit refused."""
        when = self.today().resets(self.clock())
        if exc.which == "person":
            said = (f"You have started {exc.used} brainstorms and drafts today, the most "
                    "one person may")
        elif exc.which == "channel":
            said = (f"This channel has had {exc.used} brainstorms and drafts today, the "
                    "most one channel may")
        else:
            said = (f"This workspace has used its AI budget for today ({exc.used:,} of "
                    f"{exc.limit:,} tokens)")
        return LimitReached(f"{said}. Nothing was started; the count starts again {when}.")

    def report(self, usage: Usage, channel: str) -> str:
        """`/brainstorm usage`: today's use against each limit, in Slack mrkdwn."""
        s = self.settings
        lines = [f"*Today's use of idealoop* (counts start again "
                 f"{self.today().resets(self.clock())})",
                 f"• You: {_of(usage.person, s.daily_limit_person)} brainstorms and drafts",
                 f"• This channel: {_of(usage.channel, s.daily_limit_channel)} brainstorms "
                 "and drafts",
                 f"• This workspace: {_of(usage.tokens, s.daily_tokens)} AI tokens"]
        if not self.allows(channel):
            lines.append(f"• {NOT_HERE}")
        if not self.limited:
            lines.append("No daily limits are set.")
        return "\n".join(lines)


def _of(used: int, limit: int) -> str:
    return f"{used:,} of {limit:,}" if limit else f"{used:,} (no limit)"
