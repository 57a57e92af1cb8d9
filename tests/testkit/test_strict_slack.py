"""The strict-Slack check every test using the emulator gets: a call Slack would refuse
fails the test; injected faults, rate limits and errors declared on purpose do not."""

from __future__ import annotations

import contextlib

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.web_api import SlackApiServer
from testkit.strict_slack import assert_no_refusals


def test_a_call_slack_would_refuse_fails_the_check() -> None:
    with SlackApiServer() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.url, timeout=5)
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C0GENERAL", text="x" * 40_001)
        with pytest.raises(AssertionError, match=r"chat.postMessage -> msg_too_long "
                                                 r"\[ERROR\] must be less than 40001"):
            assert_no_refusals(slack)
        assert_no_refusals(slack, allowed=["msg_too_long"])


def test_injected_faults_rate_limits_and_states_of_the_world_pass() -> None:
    with SlackApiServer() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.url, timeout=5)
        slack.fail("chat.postMessage", error="invalid_blocks")
        for _ in range(12):  # the last ones are rate limited
            with contextlib.suppress(SlackApiError):
                client.chat_postMessage(channel="C0GENERAL", text="hi")
        with pytest.raises(SlackApiError):
            client.chat_update(channel="C0GENERAL", ts="1.000001", text="gone")
        assert any(call.throttled for call in slack.calls)
        assert_no_refusals(slack)


@pytest.mark.slack_refusals("invalid_blocks")
def test_a_test_may_declare_the_refusals_it_provokes(slack: SlackApiServer) -> None:
    client = WebClient(token="xoxb-test", base_url=slack.url, timeout=5)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0GENERAL", text="t", blocks=[{"type": "section"}])
