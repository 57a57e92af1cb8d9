"""Requests Slack did not sign (or signed long ago) are refused before any effect."""

from __future__ import annotations

import json
import time
import urllib.request

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
    time.sleep(0.2)
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
