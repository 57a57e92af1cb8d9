"""The operator's limits: the day they count, the allow-list, and what people are told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.limits import Limits
from storage.errors import QuotaReached
from storage.work import Usage


def limits(at: datetime, **settings: object) -> Limits:
    return Limits(Settings(**settings), clock=lambda: at)  # type: ignore[arg-type]


def test_the_day_is_the_operators_local_day() -> None:
    late = limits(datetime(2026, 11, 30, 22, 30, tzinfo=UTC), timezone="Europe/Berlin")
    day = late.today()  # 23:30 in Berlin
    assert day.start == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    assert day.resets(late.clock()) == "at 00:00 Europe/Berlin, in 30 min"
    after_midnight = limits(datetime(2026, 11, 30, 23, 5, tzinfo=UTC), timezone="Europe/Berlin")
    assert after_midnight.today().start == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert after_midnight.today().start.utcoffset() == timedelta(0)  # stored times are UTC
    assert after_midnight.today().resets(after_midnight.clock()) == \
        "at 00:00 Europe/Berlin, in 23 h 55 min"


def test_the_allow_list_names_channels_and_leaves_direct_messages_alone() -> None:
    everywhere = limits(datetime.now(UTC))
    assert everywhere.allows("C0ANY") and not everywhere.limited
    listed = limits(datetime.now(UTC), channels=frozenset({"C0IDEAS"}))
    assert listed.allows("C0IDEAS") and listed.allows("D0ALICE")
    assert not listed.allows("C0GENERAL")


def test_what_a_limit_says_and_what_usage_reports() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    capped = limits(now, daily_limit_person=5, daily_tokens=200_000)
    assert capped.limited
    said = capped.reached(QuotaReached("tokens", 201_234, 200_000)).user_message
    assert said == ("This workspace has used its AI budget for today (201,234 of 200,000 "
                    "tokens). Nothing was started; the count starts again at 00:00 UTC, "
                    "in 12 h 0 min.")
    report = capped.report(Usage(person=2, channel=7, tokens=12_345), "C0GENERAL")
    assert "• You: 2 of 5 brainstorms and drafts" in report
    assert "• This channel: 7 (no limit) brainstorms and drafts" in report
    assert "• This workspace: 12,345 of 200,000 AI tokens" in report
    quota = capped.quota()
    assert quota is not None and quota.person == 5 and quota.channel == 0
    assert limits(now).quota() is None


@pytest.mark.parametrize("value", ["general", "C0GENERAL,#random", "U0ALICE"])
def test_the_allow_list_takes_channel_ids_only(value: str) -> None:
    with pytest.raises(ConfigError, match="IDEALOOP_CHANNELS must list channel ids"):
        Settings.from_env({"IDEALOOP_CHANNELS": value})


def test_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"IDEALOOP_CHANNELS": " C0IDEAS , G0PRIVATE ",
                                  "IDEALOOP_DAILY_LIMIT_PERSON": "20",
                                  "IDEALOOP_DAILY_LIMIT_CHANNEL": "100",
                                  "IDEALOOP_DAILY_TOKENS": "500000"})
    assert settings.channels == frozenset({"C0IDEAS", "G0PRIVATE"})
    assert (settings.daily_limit_person, settings.daily_limit_channel,
            settings.daily_tokens) == (20, 100, 500_000)
    with pytest.raises(ConfigError, match="IDEALOOP_DAILY_TOKENS must be a whole number"):
        Settings.from_env({"IDEALOOP_DAILY_TOKENS": "lots"})
