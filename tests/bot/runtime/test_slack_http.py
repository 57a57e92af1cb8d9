"""The gate in front of Bolt: size, signature, parsing, shape; cheap refusals, no tracebacks."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode

import pytest

from bot.emulator.slack_requests import signature_headers
from bot.runtime.slack_http import MAX_BODY_BYTES, Refusal, SlackRequest, SlackRequestGate

SECRET = "gate-secret"
FORM = "application/x-www-form-urlencoded"


def signed(body: bytes, content_type: str, secret: str = SECRET) -> dict[str, str]:
    return {"Content-Type": content_type, **signature_headers(body, secret)}


def command(**fields: str) -> bytes:
    return urlencode({"command": "/brainstorm", "user_id": "U1", "channel_id": "C1",
                      "response_url": "https://hooks.slack.com/commands/1",
                      "trigger_id": "1.2.3", **fields}).encode()


@pytest.mark.parametrize("text, channel", [
    ("ways to shrink API payloads", "general"),
    ("shorter standups", "payload-team"),
    ("payload=oops", "general"),
])
def test_commands_that_contain_the_word_payload_are_read_as_commands(text: str,
                                                                     channel: str) -> None:
    body = command(text=text, channel_name=channel)
    checked = SlackRequestGate(SECRET).check(body, signed(body, FORM))
    assert isinstance(checked, SlackRequest)
    assert checked.body["text"] == text and checked.body["command"] == "/brainstorm"
    assert json.loads(checked.as_json()) == checked.body


def test_interactivity_payloads_are_unwrapped() -> None:
    payload = {"type": "block_actions", "user": {"id": "U1"},
               "actions": [{"action_id": "a", "text": {"type": "plain_text", "text": "Go"}}]}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    checked = SlackRequestGate(SECRET).check(body, signed(body, FORM))
    assert isinstance(checked, SlackRequest) and checked.body == payload


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_without_a_signing_secret_every_request_is_refused(secret: str | None) -> None:
    body = command(text="x")
    for headers in (signed(body, FORM, secret="anything"), {"Content-Type": FORM}):
        refused = SlackRequestGate(secret).check(body, headers)
        assert isinstance(refused, Refusal) and refused.status.startswith("401")


@pytest.mark.parametrize("timestamp", ["abc", "", "-5", "1e9", "١٢٣"])
def test_a_malformed_timestamp_is_401_not_500(timestamp: str) -> None:
    body = command(text="x")
    headers = signed(body, FORM) | {"X-Slack-Request-Timestamp": timestamp}
    refused = SlackRequestGate(SECRET).check(body, headers)
    assert isinstance(refused, Refusal) and refused.status.startswith("401")


def test_stale_and_forged_signatures_are_401() -> None:
    body = command(text="x")
    stale = {"Content-Type": FORM,
             **signature_headers(body, SECRET, timestamp=int(time.time()) - 600)}
    for headers in (stale, signed(body, FORM, secret="other"), signed(body + b"&x=1", FORM)):
        refused = SlackRequestGate(SECRET).check(body, headers)
        assert isinstance(refused, Refusal) and refused.status.startswith("401")


@pytest.mark.parametrize("envelope", [
    {"type": "event_callback", "event": ""},
    {"type": "event_callback", "event": ["a"]},
    {"type": "event_callback", "event": {"type": 5}},
    {"type": "event_callback", "event": {"type": "reaction_added", "item": "x"}},
    {"type": "block_actions", "actions": [1]},
    {"type": "block_actions", "actions": [{"action_id": ["a"]}]},
    {"type": "block_actions", "actions": []},
    {"type": "block_actions", "user": {"id": "U1"}},
    {"type": "interactive_message", "callback_id": "c", "actions": []},
    {"team": 5},
    {"user": {"id": 7}},
    {"authorizations": "x"},
    {"authorizations": [{"team_id": 3}]},
])
def test_payloads_of_the_wrong_shape_are_400(envelope: dict[str, object],
                                             caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps(envelope).encode()
    with caplog.at_level(logging.WARNING):
        refused = SlackRequestGate(SECRET).check(body, signed(body, "application/json"))
    assert isinstance(refused, Refusal) and refused.status.startswith("400")
    assert len(caplog.records) == 1 and not caplog.records[0].exc_info


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'"text"', b"\xff\xfe", b"a&b&c"])
def test_bodies_that_are_not_requests_are_400(body: bytes) -> None:
    content_type = FORM if body == b"a&b&c" else "application/json"
    headers = ({"Content-Type": content_type} if body == b"\xff\xfe"  # cannot be signed
               else signed(body, content_type))
    refused = SlackRequestGate(SECRET).check(body, headers)
    assert isinstance(refused, Refusal) and refused.status.startswith("400")


def test_size_is_refused_before_reading() -> None:
    gate = SlackRequestGate(SECRET)
    assert gate.too_large(str(MAX_BODY_BYTES)) is None
    too_big = gate.too_large(str(MAX_BODY_BYTES + 1))
    assert too_big is not None and too_big.status.startswith("413")
    missing = gate.too_large(None)
    assert missing is not None and missing.status.startswith("411")


def test_refused_bodies_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    body = command(text="secret-topic-text")
    with caplog.at_level(logging.DEBUG):
        SlackRequestGate(SECRET).check(body, signed(body, FORM, secret="forged"))
        SlackRequestGate(None).check(body, {"Content-Type": FORM})
    assert caplog.records and "secret-topic-text" not in caplog.text


@pytest.mark.parametrize("fields", [
    {"response_url": None},  # left out
    {"response_url": ""}, {"response_url": "not a url"}, {"response_url": "ftp://x/y"},
    {"user_id": "u1"}, {"channel_id": "#general"}, {"user_id": ""},
])
def test_a_command_slack_would_never_send_is_400(fields: dict[str, str | None]) -> None:
    """Ids and the response URL are checked before a listener sees them (the answer to
    `/brainstorm top` goes to the response URL, after the ack)."""
    form = {"command": "/brainstorm", "user_id": "U1", "channel_id": "C1", "text": "x",
            "response_url": "https://hooks.slack.com/commands/1", **fields}
    body = urlencode({key: value for key, value in form.items() if value is not None}).encode()
    refused = SlackRequestGate(SECRET).check(body, signed(body, FORM))
    assert isinstance(refused, Refusal) and refused.status.startswith("400")
    good = command()
    assert isinstance(SlackRequestGate(SECRET).check(good, signed(good, FORM)), SlackRequest)


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "fine\udfff"])
def test_text_no_database_can_store_is_400(text: str) -> None:
    """NUL (PostgreSQL refuses it in text) and lone surrogates (no driver encodes them),
    anywhere in a payload, keys included: refused before anything is stored."""
    for envelope in ({"type": "event_callback", "event_id": text},
                     {"type": "event_callback", "event": {"type": "app_mention", "text": text}},
                     {"type": "event_callback", "event": {text: "x"}}):
        body = json.dumps(envelope).encode()
        refused = SlackRequestGate(SECRET).check(body, signed(body, "application/json"))
        assert isinstance(refused, Refusal) and refused.status.startswith("400")
    body = command(text=text.replace("\ud800", "").replace("\udfff", "") + "\x00")
    refused = SlackRequestGate(SECRET).check(body, signed(body, FORM))
    assert isinstance(refused, Refusal) and refused.status.startswith("400")


def test_a_signature_forged_with_an_empty_key_is_refused() -> None:
    """An app with no secret must not accept what anyone can sign with an empty key."""
    body = command(text="forged")
    timestamp = str(int(time.time()))
    forged = "v0=" + hmac.new(b"", f"v0:{timestamp}:{body.decode()}".encode(),
                              hashlib.sha256).hexdigest()
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": forged}
    for secret in (None, ""):
        refused = SlackRequestGate(secret).check(body, headers)
        assert isinstance(refused, Refusal) and refused.status.startswith("401")


def test_a_negative_length_and_deep_nesting_are_refused() -> None:
    gate = SlackRequestGate(SECRET)
    negative = gate.too_large("-1")
    assert negative is not None and negative.status.startswith("400")
    deep = (b'{"a":' * 100_000) + b"1" + b"}" * 100_000
    refused = gate.check(deep, signed(deep, "application/json"))
    assert isinstance(refused, Refusal) and refused.status.startswith("400")
