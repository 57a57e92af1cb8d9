"""The Web API client repeats what is safe to repeat, and never a post (real HTTP to the
emulated Slack)."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.app import make_client
from bot.config import Settings
from bot.emulator.web_api import SlackApiServer
from bot.metrics import render
from bot.runtime.slack_retries import Pauses
from testkit.app import app_env
from testkit.metrics import value


def client_for(slack: SlackApiServer):
    return make_client(Settings.from_env(app_env(slack, "sqlite://", IDEALOOP_LLM="offline")))


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"drop": True}])
def test_reads_and_updates_are_repeated_after_a_5xx_or_a_dropped_connection(
        slack: SlackApiServer, fault: dict) -> None:
    client = client_for(slack)
    ts = client.chat_postMessage(channel="C0GENERAL", text="hello")["ts"]
    slack.fail("conversations.history", **fault)
    slack.fail("chat.update", **fault)
    assert client.conversations_history(channel="C0GENERAL")["ok"]
    assert client.chat_update(channel="C0GENERAL", ts=ts, text="edited")["ok"]
    assert slack.state.get_message("C0GENERAL", ts)["text"] == "edited"


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}])
def test_a_post_is_never_repeated_by_the_client(slack: SlackApiServer, fault: dict) -> None:
    client = client_for(slack)
    slack.fail("chat.postMessage", after_effect=True, **fault)
    with pytest.raises((SlackApiError, OSError)):
        client.chat_postMessage(channel="C0GENERAL", text="once")
    assert [m["text"] for m in slack.state.history("C0GENERAL")] == ["once"]
    assert len(slack.calls_to("chat.postMessage", include_failed=True)) == 1


def test_a_rate_limited_post_is_repeated_after_retry_after(slack: SlackApiServer) -> None:
    client = client_for(slack)
    slack.fail("chat.postMessage", retry_after=0.1)  # Slack did not carry it out
    assert client.chat_postMessage(channel="C0GENERAL", text="later")["ok"]
    assert [m["text"] for m in slack.state.history("C0GENERAL")] == ["later"]


def test_each_try_is_counted_and_a_429_with_its_retry_after(slack: SlackApiServer) -> None:
    client = client_for(slack)
    before = render().decode()
    slack.fail("chat.postMessage", retry_after=0.1)
    assert client.chat_postMessage(channel="C0GENERAL", text="later")["ok"]
    after = render().decode()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, method="chat.postMessage", **labels) - value(
            before, name, method="chat.postMessage", **labels)

    assert moved("idealoop_slack_api_requests_total", outcome="ratelimited") == 1
    assert moved("idealoop_slack_api_requests_total", outcome="ok") == 1
    assert moved("idealoop_slack_retry_after_seconds_count") == 1


def _thread(slack: SlackApiServer) -> str:
    return str(slack.state.post_message("C0GENERAL", "a question", user="U0ALICE")["ts"])


STREAM = {"recipient_user_id": "U0ALICE", "recipient_team_id": "T0001"}


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"drop": True}])
def test_a_stream_is_never_started_twice_by_the_client(slack: SlackApiServer,
                                                       fault: dict) -> None:
    client = client_for(slack)
    root = _thread(slack)
    slack.fail("chat.startStream", after_effect=True, **fault)
    with pytest.raises((SlackApiError, OSError)):
        client.chat_startStream(channel="C0GENERAL", thread_ts=root, markdown_text="hi",
                                **STREAM)
    assert len(slack.state.thread("C0GENERAL", root)) == 2  # the question, one stream
    assert len(slack.calls_to("chat.startStream", include_failed=True)) == 1


@pytest.mark.parametrize("method", ["chat.appendStream", "chat.stopStream"])
@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}])
def test_an_append_or_stop_is_never_repeated_by_the_client(slack: SlackApiServer,
                                                           method: str, fault: dict) -> None:
    client = client_for(slack)
    ts = client.chat_startStream(channel="C0GENERAL", thread_ts=_thread(slack),
                                 markdown_text="one", **STREAM)["ts"]
    slack.fail(method, after_effect=True, **fault)
    with pytest.raises((SlackApiError, OSError)):
        client.api_call(method, json={"channel": "C0GENERAL", "ts": ts,
                                      "markdown_text": " two"})
    assert slack.state.get_message("C0GENERAL", ts)["text"] == "one two"  # not "one two two"
    assert len(slack.calls_to(method, include_failed=True)) == 1


def test_a_rate_limited_append_is_repeated_after_retry_after(slack: SlackApiServer) -> None:
    client = client_for(slack)
    ts = client.chat_startStream(channel="C0GENERAL", thread_ts=_thread(slack),
                                 markdown_text="one", **STREAM)["ts"]
    slack.fail("chat.appendStream", retry_after=0.1)  # Slack did not carry it out
    assert client.chat_appendStream(channel="C0GENERAL", ts=ts, markdown_text=" two")["ok"]
    assert slack.state.get_message("C0GENERAL", ts)["text"] == "one two"


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}])
def test_an_ephemeral_message_is_never_repeated_by_the_client(slack: SlackApiServer,
                                                              fault: dict) -> None:
    client = client_for(slack)
    slack.fail("chat.postEphemeral", after_effect=True, **fault)
    with pytest.raises((SlackApiError, OSError)):
        client.chat_postEphemeral(channel="C0GENERAL", user="U0ALICE", text="only you")
    assert [e["text"] for e in slack.state.ephemeral] == ["only you"]
    assert len(slack.calls_to("chat.postEphemeral", include_failed=True)) == 1


def test_repeats_wait_the_pause_of_the_setting_doubling_with_each_try(
        slack: SlackApiServer) -> None:
    client = make_client(Settings.from_env(app_env(
        slack, "sqlite://", IDEALOOP_LLM="offline", IDEALOOP_SLACK_RETRY_PAUSE="0.25")))
    pauses = {type(handler).__name__: getattr(handler, "interval_calculator", None)
              for handler in client.retry_handlers}
    for name in ("_ServerErrors", "_ConnectionErrors"):
        calculator = pauses[name]
        assert isinstance(calculator, Pauses) and calculator.first == 0.25
        for attempt in range(3):
            waited = calculator.calculate_sleep_duration(attempt)
            assert 0.25 * 2 ** attempt <= waited <= 0.25 * 2 ** attempt + 0.5
    # The default is slack_sdk's own: 0.5 s, 1 s, 2 s, each plus up to 1 s.
    default = Pauses(Settings.from_env({}).slack_retry_pause)
    assert default.first == 0.5
    assert all(0.5 * 2 ** n <= default.calculate_sleep_duration(n) <= 0.5 * 2 ** n + 1
               for n in range(3))
