"""Property-based fuzzing of signed requests: whatever shape a signed payload has, the app
answers without a server error, logs no traceback, stays healthy, and keeps every good
reaction sent between the bad requests.

The requests are signed with the app's secret, so they pass the signature check and reach
the parsing, shape checks and listeners — the layers a malformed payload could break.
`FUZZ_EXAMPLES` raises the number of cases for a longer run.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.emulator.slack_requests import reaction_event
from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app
from testkit.databases import migrate
from testkit.faults import CHANNEL, IDEA_TS, seed_ideas
from testkit.queries import score_of

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=6,
)
text_or_junk = st.one_of(st.text(max_size=120), junk, st.sampled_from(
    ["\ud800", "a\x00b", "x" * 300, "+1", "U0ALICE", CHANNEL, *IDEA_TS]))

events = st.fixed_dictionaries({
    "type": st.one_of(st.sampled_from(["reaction_added", "reaction_removed", "app_mention",
                                       "message"]), text_or_junk),
    "user": text_or_junk, "reaction": text_or_junk, "text": text_or_junk,
    "channel": text_or_junk, "ts": text_or_junk, "event_ts": text_or_junk,
    "item": st.one_of(text_or_junk, st.fixed_dictionaries({
        "type": st.one_of(st.just("message"), text_or_junk), "channel": text_or_junk,
        "ts": text_or_junk})),
})
envelopes = st.fixed_dictionaries(
    {"type": st.one_of(st.just("event_callback"), text_or_junk)},
    optional={"event": st.one_of(events, junk), "event_id": text_or_junk,
              "team_id": text_or_junk, "authorizations": st.one_of(junk, st.lists(
                  st.dictionaries(st.sampled_from(["team_id", "user_id", "is_bot"]),
                                  text_or_junk), max_size=2)),
              "team": text_or_junk, "user": text_or_junk, "challenge": text_or_junk,
              "enterprise": text_or_junk, "is_ext_shared_channel": text_or_junk},
)
commands = st.fixed_dictionaries({
    "command": st.one_of(st.just("/brainstorm"), st.text(max_size=20)),
    "text": st.one_of(st.sampled_from(["top", "stats", "help", "digest", "digest daily 25:00",
                                       "payload=x", "top month"]), st.text(max_size=200)),
    "user_id": st.text(max_size=20), "channel_id": st.text(max_size=20),
    "trigger_id": st.text(max_size=20), "channel_name": st.text(max_size=20),
})
interactions = st.dictionaries(st.sampled_from(["type", "user", "actions", "team", "channel",
                                                "container", "view", "response_url"]), junk)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, list[int]]]:
    url = migrate(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    items = seed_ideas(url)
    with SlackApiServer() as slack, running_app(slack, url) as app:
        yield app, items


class Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.seen.append(f"{record.name}: {record.getMessage()}")


def test_signed_payloads_of_any_shape_never_break_the_app(
        fuzzed: tuple[RunningApp, list[int]]) -> None:
    app, items = fuzzed
    tracebacks = Tracebacks()
    logging.getLogger().addHandler(tracebacks)
    statuses: dict[int, int] = {}
    good = [0]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.one_of(
        envelopes.map(lambda body: (json.dumps(body).encode(), "application/json")),
        commands.map(lambda form: (urlencode(form).encode(), "application/x-www-form-urlencoded")),
        interactions.map(lambda payload: (urlencode({"payload": json.dumps(payload)}).encode(),
                                          "application/x-www-form-urlencoded")),
    ))
    def fuzz(request: tuple[bytes, str]) -> None:
        reply = app.sender.signed(*request)
        statuses[reply.status] = statuses.get(reply.status, 0) + 1
        assert reply.status < 500 or reply.status == 503, (reply.status, request)
        # A good reaction between the bad requests is kept, every time.
        good[0] += 1
        assert app.sender.event(reaction_event(
            added=True, user=f"UGOOD{good[0]:05d}", emoji="+1", channel=CHANNEL,
            ts=IDEA_TS[good[0] % 10])).status == 200

    try:
        fuzz()
    finally:
        logging.getLogger().removeHandler(tracebacks)
    app.deps.wait_quiet()
    assert tracebacks.seen == []
    assert statuses.get(503, 0) == 0  # the database never failed here
    with urllib.request.urlopen(app.sender.url.replace("/slack/events", "/healthz"),
                                timeout=5) as health:
        assert json.loads(health.read())["ok"] is True
    kept = sum(score_of(app.store, item)["approvals"] for item in items)
    assert kept == good[0] >= EXAMPLES
