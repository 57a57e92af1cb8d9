"""The install's OAuth state: signed when issued (no row), accepted once, and the rows of
used states deleted when they expire and never more than the cap — on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from bot.runtime.oauth_states import SWEEP_SECONDS, SignedStateStore
from storage.db import make_engine
from storage.oauth_states import OAuthStates
from testkit.clocks import ManualClock

START = 1_800_000_000.0


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def store(engine: Engine, clock: ManualClock, **kwargs: int) -> SignedStateStore:
    return SignedStateStore("client-secret", OAuthStates(engine, clock=clock.utc),
                            expiration_seconds=600, clock=clock, **kwargs)


def rows(engine: Engine) -> int:
    return OAuthStates(engine).count()


def test_issuing_writes_nothing_and_a_state_is_accepted_once(engine: Engine,
                                                              clock: ManualClock) -> None:
    states = store(engine, clock)
    issued = [states.issue() for _ in range(1000)]
    assert rows(engine) == 0 and len(set(issued)) == 1000
    assert all(len(state) <= 200 for state in issued)
    assert states.consume(issued[0]) and rows(engine) == 1
    assert not states.consume(issued[0])  # replayed
    assert store(engine, clock).consume(issued[1])  # another replica, the same secret


def test_forged_tampered_foreign_and_expired_states_are_refused(engine: Engine,
                                                               clock: ManualClock) -> None:
    states = store(engine, clock)
    state = states.issue()
    nonce, expires, signature = state.split(".")
    for forged in ["forged", "", "a.b.c", f"{nonce}.{int(expires) + 3600}.{signature}",
                   f"other.{expires}.{signature}", state + "x", "x" * 5000]:
        assert not states.consume(forged), forged
    other = SignedStateStore("another-secret", OAuthStates(engine), expiration_seconds=600,
                             clock=clock)
    assert not other.consume(state)
    clock.now += 600
    assert not states.consume(state)
    assert rows(engine) == 0


def test_used_states_go_when_they_expire_and_never_exceed_the_cap(engine: Engine,
                                                                 clock: ManualClock) -> None:
    states = store(engine, clock, cap=5)
    for _ in range(12):
        assert states.consume(states.issue())
    assert rows(engine) == 5
    clock.now += 601
    assert states.consume(states.issue()) and rows(engine) == 1  # the expired went first


def test_expired_rows_are_swept_when_a_state_is_issued(engine: Engine, clock: ManualClock) -> None:
    """Rows slack_sdk's own store left behind (one per page load, never deleted) go too."""
    past = (clock.utc() - timedelta(seconds=1)).replace(tzinfo=None)
    future = (clock.utc() + timedelta(seconds=30)).replace(tzinfo=None)
    with engine.begin() as conn:
        for i, expire_at in enumerate([past, past, future]):
            conn.execute(text("INSERT INTO slack_oauth_states (state, expire_at) "
                              "VALUES (:s, :e)"), {"s": f"old-{i}", "e": expire_at})
    states = store(engine, clock)
    states.issue()
    assert rows(engine) == 1
    clock.now += 31  # the last row has expired, but the last sweep was 31 s ago
    states.issue()
    assert rows(engine) == 1
    clock.now += SWEEP_SECONDS - 31
    states.issue()
    assert rows(engine) == 0
