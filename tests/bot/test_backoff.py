"""The one backoff rule: work and digests wait the pauses their docstrings promise."""

from __future__ import annotations

from bot.work.backoff import backoff


def test_the_pause_doubles_from_the_first_up_to_the_ceiling() -> None:
    pauses = [backoff(attempt, first=5.0, most=600.0) for attempt in range(1, 10)]
    assert pauses == [5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 600.0, 600.0]


def test_work_waits_a_sixth_of_a_lease_then_doubles_up_to_twenty_leases() -> None:
    lease = 30.0
    assert [backoff(n, first=lease / 6, most=20 * lease) for n in (1, 2, 3, 4)] == \
        [5.0, 10.0, 20.0, 40.0]
    assert backoff(12, first=lease / 6, most=20 * lease) == 600.0


def test_a_digest_waits_one_two_four_minutes_at_most_an_hour() -> None:
    assert [backoff(n, first=60.0, most=3600.0) for n in (1, 2, 3, 7, 8)] == \
        [60.0, 120.0, 240.0, 3600.0, 3600.0]


def test_an_attempt_count_that_keeps_growing_stays_at_the_ceiling() -> None:
    assert backoff(10_000, first=60.0, most=3600.0) == 3600.0
    assert backoff(1, first=0.0, most=3600.0) == 0.0  # the tests' "no pause"
