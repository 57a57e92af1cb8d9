"""Digest claims and schedules on SQLite and PostgreSQL: fenced, on the database's clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import make_engine
from storage.digests import EMPTY, POSTED, RETRY, Claim, DigestStore, Subscription
from testkit.waiting import eventually

KEY = "day:2026-03-30"
NOW = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


@pytest.fixture
def digests(db_url: str) -> Iterator[DigestStore]:
    store = DigestStore(make_engine(db_url), clock=lambda: NOW)
    yield store
    store.engine.dispose()


def test_one_claim_per_channel_and_period(digests: DigestStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda _: digests.claim("C1", KEY, lease=60), range(16)))
    assert sum(claim is not None for claim in claims) == 1
    assert digests.claim("C2", KEY, lease=60) is not None  # another channel
    assert digests.claim("C1", "day:2026-03-31", lease=60) is not None  # another period


def test_a_lapsed_claim_is_taken_over_and_its_old_holder_is_fenced_out(
        digests: DigestStore) -> None:
    first = digests.claim("C1", KEY, lease=0.2)
    assert first is not None and first.attempts == 1
    second = eventually(lambda: _claimed(digests.claim("C1", KEY, lease=60)))
    assert second.attempts == 2 and second.token != first.token
    # the slow first holder can neither go on, end the run nor give it back
    assert not digests.renew(first, lease=60)
    assert digests.renew(second, lease=60)
    assert not digests.finish(first, status=POSTED, posted_ts="1.1")
    assert not digests.release(first, retry_in=0)
    assert digests.claim("C1", KEY, lease=60) is None  # so nobody else can take it
    assert digests.finish(second, status=POSTED, posted_ts="2.2", item_count=3)
    assert digests.run_status("C1", KEY) == POSTED


def test_a_claim_whose_lease_ran_out_cannot_be_renewed(digests: DigestStore) -> None:
    claim = digests.claim("C1", KEY, lease=-1)
    assert claim is not None and not digests.renew(claim, lease=60)


def test_a_finished_run_is_never_claimed_again(digests: DigestStore) -> None:
    claim = digests.claim("C1", KEY, lease=-1)  # a lease that has already run out
    assert claim is not None and digests.finish(claim, status=EMPTY)
    assert digests.claim("C1", KEY, lease=-1) is None
    assert not digests.finish(claim, status=POSTED)  # nor ended twice


def test_a_released_claim_waits_for_its_retry_time(digests: DigestStore) -> None:
    claim = digests.claim("C1", KEY, lease=60)
    assert claim is not None and digests.release(claim, retry_in=3600)
    assert digests.run_status("C1", KEY) == RETRY
    assert digests.claim("C1", KEY, lease=60) is None
    assert not digests.finish(claim, status=POSTED)  # given back: no longer its holder's
    soon = digests.claim("C1", "day:2026-03-31", lease=60)
    assert soon is not None and digests.release(soon, retry_in=0)
    again = eventually(lambda: _claimed(digests.claim("C1", "day:2026-03-31", lease=60)))
    assert again.attempts == 2


def test_claims_keep_the_database_clock_not_the_hosts(db_url: str,
                                                       digests: DigestStore) -> None:
    assert digests.claim("C1", KEY, lease=600) is not None
    fast = DigestStore(make_engine(db_url), clock=lambda: NOW + timedelta(days=1))
    try:
        assert fast.claim("C1", KEY, lease=600) is None  # its clock runs a day ahead
    finally:
        fast.engine.dispose()


def test_a_pause_is_reported_once_and_lifted_by_subscribing(digests: DigestStore) -> None:
    sub = Subscription("C1", "day", "09:00", "Europe/Berlin", 0, "U1")
    digests.subscribe(sub)
    stored = digests.subscription("C1")
    assert stored is not None and stored.since == NOW and stored.paused is None
    assert digests.pause("C1", "I can't see this channel.")
    assert not digests.pause("C1", "I can't see this channel.")  # said once
    assert digests.subscriptions()[0].paused == "I can't see this channel."
    digests.subscribe(sub)
    assert digests.subscription("C1").paused is None  # type: ignore[union-attr]
    assert not digests.pause("C2", "no such subscription")


def _claimed(claim: Claim | None) -> Claim:
    assert claim is not None, "the claim is still held"
    return claim


def test_subscribing_again_to_the_same_schedule_keeps_its_start(db_url: str,
                                                                digests: DigestStore) -> None:
    sub = Subscription("C1", "day", "09:00", "Europe/Berlin", 0, "U1")
    digests.subscribe(sub)
    later = DigestStore(make_engine(db_url), clock=lambda: NOW + timedelta(hours=1))
    try:
        later.subscribe(dataclasses.replace(sub, created_by="U2"))
        assert later.subscription("C1").since == NOW  # type: ignore[union-attr]
        later.subscribe(dataclasses.replace(sub, at_time="10:00"))  # a new schedule
        assert later.subscription("C1").since == NOW + timedelta(hours=1)  # type: ignore[union-attr]
    finally:
        later.engine.dispose()
