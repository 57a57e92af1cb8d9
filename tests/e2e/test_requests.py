"""Requests Slack did not sign (or signed long ago) are refused before any effect."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

from bot.emulator.slack_requests import command_body, post, signature_headers
from bot.emulator.web_api import SlackApiServer
from testkit.app import RunningApp, running_app

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def app(slack: SlackApiServer, sqlite_url: str):
    with running_app(slack, sqlite_url) as running:
        yield running


def test_unsigned_forged_and_stale_requests_are_refused(app: RunningApp) -> None:
    body = command_body("forged topic")
    forged = signature_headers(body, "not-the-secret")
    stale = signature_headers(body, "test-signing-secret", timestamp=int(time.time()) - 600)
    for headers in ({}, forged, stale):
        reply = post(app.sender.url, body, content_type=FORM, headers=headers)
        assert reply.status == 401
    tampered = signature_headers(body, "test-signing-secret")
    reply = post(app.sender.url, body + b"&text=other", content_type=FORM, headers=tampered)
    assert reply.status == 401
    assert app.deps.wait_quiet()  # nothing was started by them either
    assert app.slack.calls_to("chat.postMessage") == []


def test_malformed_bodies_do_not_crash_the_app(app: RunningApp) -> None:
    bodies = ((b"{not json", "application/json"), (b"text=%E0%A4%A&command=", FORM),
              (b"[]", "application/json"))
    for body, content_type in bodies:
        reply = app.sender.signed(body, content_type)
        assert reply.status in (400, 401, 404)
        assert "Traceback" not in reply.body
    assert app.sender.command("still works").status == 200


def test_health_check_and_unknown_paths(app: RunningApp) -> None:
    base = app.sender.url.rsplit("/slack/events", 1)[0]
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read())["database"] == "ok"
    assert post(f"{base}/nope", b"", content_type=FORM).status == 404


@pytest.mark.parametrize("topic, channel_name", [
    ("ways to shrink API payloads", "general"),
    ("shorter standups", "payload-team"),
])
def test_a_command_that_mentions_payload_is_still_a_brainstorm(
        app: RunningApp, topic: str, channel_name: str) -> None:
    """Bolt alone read any form body containing "payload" as interactivity and said 404."""
    reply = app.sender.command(topic, channel_name=channel_name)
    assert reply.status == 200
    app.deps.wait_quiet()
    headers = [c.params["text"] for c in app.slack.calls_to("chat.postMessage")
               if not c.params.get("thread_ts")]
    assert any(topic in text for text in headers)


def test_hostile_requests_are_refused_cheaply_and_the_app_stays_healthy(
        app: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    body = command_body("x")
    bad_clock = signature_headers(body, "test-signing-secret") | {
        "X-Slack-Request-Timestamp": "abc"}
    assert post(app.sender.url, body, content_type=FORM, headers=bad_clock).status == 401
    # A 2 MiB body is refused from its Content-Length, before a byte of it is sent.
    url = urlsplit(app.sender.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.putrequest("POST", url.path)
    connection.putheader("Content-Type", FORM)
    connection.putheader("Content-Length", str(2 << 20))
    connection.endheaders()
    assert connection.getresponse().status == 413
    connection.close()
    for envelope in ({"type": "event_callback", "event": ""},
                     {"type": "event_callback", "event": ["a"]},
                     {"type": "block_actions", "actions": [1]}):
        reply = app.sender.signed(json.dumps(envelope).encode(), "application/json")
        assert reply.status == 400
    assert "Traceback" not in caplog.text
    assert app.sender.command("still works").status == 200
