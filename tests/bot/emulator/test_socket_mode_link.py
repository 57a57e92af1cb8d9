"""Socket Mode's Slack side as the emulator plays it: `apps.connections.open` takes only
the app-level token, its URL opens one connection, which says `hello`, carries envelopes
as Slack sends them, collects acks and asks for refreshes. Driven by a plain WebSocket
client (`websockets`), not the app."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.sync.client import connect

from bot.emulator.slack_requests import (
    APP_ID,
    block_actions_body,
    command_body,
    event_body,
    reaction_event,
)
from bot.emulator.web_api import SlackApiServer
from testkit.app import APP_TOKEN, TOKEN
from testkit.socket_mode import SocketModeServer, envelope_of


@pytest.fixture
def link(slack: SlackApiServer) -> Iterator[SocketModeServer]:
    with SocketModeServer(slack) as server:
        yield server


def open_url(slack: SlackApiServer, token: str = APP_TOKEN) -> str:
    return str(WebClient(base_url=slack.url).apps_connections_open(app_token=token)["url"])


@pytest.mark.parametrize(("token", "error"), [
    (TOKEN, "not_allowed_token_type"),  # a bot token
    ("xoxp-1-2-3-abc", "not_allowed_token_type"),  # a user token
    ("xapp-1-A0SOMEONE-1-abc", "invalid_auth"),  # another app's
    ("xapp-1-test", "invalid_auth"),  # not a token Slack issues
    ("hello", "invalid_auth"),
])
def test_apps_connections_open_takes_only_this_apps_app_level_token(
        slack: SlackApiServer, token: str, error: str) -> None:
    with pytest.raises(SlackApiError) as refused:
        open_url(slack, token)
    assert refused.value.response["error"] == error


def test_apps_connections_open_without_a_token_is_not_authed(slack: SlackApiServer) -> None:
    request = urllib.request.Request(f"{slack.url}apps.connections.open", data=b"",
                                     method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read()) == {"ok": False, "error": "not_authed"}


def test_a_url_opens_one_connection_which_says_hello(slack: SlackApiServer,
                                                     link: SocketModeServer) -> None:
    url = open_url(slack)
    assert url.startswith(f"ws://127.0.0.1:{link.port}/link/?ticket=")
    with connect(url) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": APP_ID}
        assert "host" in hello["debug_info"]
    with pytest.raises(InvalidStatus) as refused:  # a ticket is good for one connection
        connect(url).close()
    assert refused.value.response.status_code == 401
    assert link.refused == 1 and link.opened == 1


def test_without_a_link_host_the_handshake_is_refused(slack: SlackApiServer) -> None:
    """The URL leads to the emulated Web API, which answers no WebSocket handshake."""
    with pytest.raises(InvalidHandshake):
        connect(open_url(slack)).close()


def test_envelopes_acks_and_refreshes_as_slack_sends_them(slack: SlackApiServer,
                                                          link: SocketModeServer) -> None:
    with connect(open_url(slack)) as ws:
        ws.recv(timeout=5)  # hello
        sent = link.push("events_api", {"type": "event_callback", "event_id": "Ev1"},
                         retry_attempt=1, retry_reason="timeout")
        assert json.loads(ws.recv(timeout=5)) == {
            "envelope_id": sent.envelope_id, "type": "events_api",
            "payload": {"type": "event_callback", "event_id": "Ev1"},
            "accepts_response_payload": False, "retry_attempt": 1, "retry_reason": "timeout"}
        command = link.push("slash_commands", {"command": "/brainstorm"})
        assert json.loads(ws.recv(timeout=5))["accepts_response_payload"] is True
        assert link.wait_ack(sent.envelope_id, timeout=0) is None
        ws.send(json.dumps({"envelope_id": command.envelope_id,
                            "payload": {"text": "usage"}}))
        ws.send(json.dumps({"envelope_id": sent.envelope_id}))
        ack = link.wait_ack(sent.envelope_id, timeout=5)
        assert ack is not None and ack.payload is None
        command_ack = link.wait_ack(command.envelope_id, timeout=5)
        assert command_ack is not None and command_ack.payload == {"text": "usage"}
        assert link.disconnect() == 1
        assert json.loads(ws.recv(timeout=5))["reason"] == "refresh_requested"
    [closed] = link.wait_closed(1)
    assert closed.code == 1000 and closed.by_app


def test_requests_become_the_envelopes_slack_would_send() -> None:
    kind, payload = envelope_of(command_body("standups", channel="C1"),
                                "application/x-www-form-urlencoded")
    assert kind == "slash_commands"
    assert payload["command"] == "/brainstorm" and payload["text"] == "standups"
    assert payload["channel_id"] == "C1"
    event = reaction_event(added=True, user="U1", emoji="+1", channel="C1", ts="1.2")
    kind, payload = envelope_of(event_body(event, event_id="Ev9"), "application/json")
    assert kind == "events_api" and payload["event"] == event and payload["event_id"] == "Ev9"
    kind, payload = envelope_of(
        block_actions_body({"action_id": "a"}, user="U1", channel="C1",
                           message={"ts": "1.2"}, response_url="http://x"),
        "application/x-www-form-urlencoded")
    assert kind == "interactive" and payload["type"] == "block_actions"
    assert payload["actions"] == [{"action_id": "a"}]
