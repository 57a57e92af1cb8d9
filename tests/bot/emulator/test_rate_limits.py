"""The emulator answers as Slack does past a method's published rate tier: HTTP 429 with
``Retry-After`` and ``{"ok": false, "error": "ratelimited"}``, doing nothing. One test per
tier (`bot.emulator.rate_limits` cites Slack's pages); time is an injected clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.emulator.web_api import SlackApiServer
from testkit.clocks import ManualClock

GENERAL, RANDOM = "C0GENERAL", "C0RANDOM"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[SlackApiServer]:
    with SlackApiServer(clock=clock) as srv:
        yield srv


@pytest.fixture
def client(server: SlackApiServer) -> WebClient:
    return WebClient(token="xoxb-test", base_url=server.url, timeout=5)  # no 429 retries


def calls_until_limited(call: Callable[[], Any], most: int = 500) -> tuple[int, Any]:
    """How many calls pass before one is refused, and the refusal."""
    for passed in range(most):
        try:
            call()
        except SlackApiError as exc:
            return passed, exc.response
    raise AssertionError(f"no rate limit after {most} calls")


def test_posts_go_about_one_a_second_per_channel_after_a_short_burst(
        server: SlackApiServer, client: WebClient, clock: ManualClock) -> None:
    passed, refusal = calls_until_limited(
        lambda: client.chat_postMessage(channel=GENERAL, text="hi"))
    assert passed == 10
    assert refusal.status_code == 429 and refusal["error"] == "ratelimited"
    assert refusal.headers["Retry-After"] == "1"
    assert len(server.state.history(GENERAL)) == 10  # the refused post did nothing
    assert client.chat_postMessage(channel=RANDOM, text="other channel")["ok"]
    clock.now += 1
    assert client.chat_postMessage(channel=GENERAL, text="a second later")["ok"]
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=GENERAL, text="too soon again")
    [throttled, *_] = [c for c in server.calls if c.throttled]
    assert throttled.failed and server.calls_to("chat.postMessage")[-1].status == 200


@pytest.mark.parametrize("method, per_minute", [("chat.startStream", 20),
                                                 ("chat.stopStream", 20)])
def test_tier_2_methods_take_20_a_minute(client: WebClient, clock: ManualClock, method: str,
                                         per_minute: int) -> None:
    passed, refusal = calls_until_limited(lambda: _call(client, method))
    assert passed == per_minute and refusal.status_code == 429
    assert refusal.headers["Retry-After"] == "3"  # one more every three seconds
    clock.now += 3
    _call(client, method)


@pytest.mark.parametrize("method", ["views.publish", "conversations.replies", "chat.update"])
def test_tier_3_methods_take_50_a_minute(client: WebClient, clock: ManualClock,
                                         method: str) -> None:
    passed, refusal = calls_until_limited(lambda: _call(client, method))
    assert passed == 50 and refusal["error"] == "ratelimited"
    assert refusal.headers["Retry-After"] == "2"  # 60 / 50 = 1.2, rounded up
    clock.now += 60
    assert calls_until_limited(lambda: _call(client, method))[0] == 50


def test_tier_4_append_stream_takes_100_a_minute(client: WebClient) -> None:
    passed, refusal = calls_until_limited(lambda: _call(client, "chat.appendStream"))
    assert passed == 100 and refusal.status_code == 429


def test_limits_are_per_workspace(server: SlackApiServer, client: WebClient) -> None:
    server.enable_oauth("cid", "secret")
    other = WebClient(base_url=server.url, timeout=5).oauth_v2_access(
        client_id="cid", client_secret="secret", code=server.authorize("T0OTHER"))
    other_client = WebClient(token=other["access_token"], base_url=server.url, timeout=5)
    calls_until_limited(lambda: client.chat_postMessage(channel=GENERAL, text="hi"))
    assert other_client.chat_postMessage(channel=GENERAL, text="hi")["ok"]


def test_the_sdk_waits_out_retry_after_and_then_succeeds() -> None:
    with SlackApiServer() as server:  # the real clock: the client really waits
        _wait_out(server)


def _wait_out(server: SlackApiServer) -> None:
    patient = WebClient(token="xoxb-test", base_url=server.url, timeout=5,
                        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    for _ in range(10):
        patient.chat_postMessage(channel=GENERAL, text="burst")
    assert patient.chat_postMessage(channel=GENERAL, text="after waiting")["ok"]
    assert [c.status for c in server.calls_to("chat.postMessage", include_failed=True)][-2:] \
        == [429, 200]


def test_rate_limits_can_be_switched_off_for_benchmarks() -> None:
    with SlackApiServer(rate_limits=False) as fast:
        client = WebClient(token="xoxb-test", base_url=fast.url, timeout=5)
        for _ in range(60):
            client.chat_postMessage(channel=GENERAL, text="fast")
        assert not any(c.throttled for c in fast.calls)


def _call(client: WebClient, method: str) -> None:
    """One call of `method` that Slack would carry out (or refuse for its content, which
    still counts against the limit)."""
    params = {"channel": GENERAL, "ts": "1.000001", "text": "t", "user_id": "U0ALICE",
              "view": {"type": "home", "blocks": []}}
    try:
        client.api_call(method, json=params)
    except SlackApiError as exc:
        if exc.response.status_code == 429:
            raise
