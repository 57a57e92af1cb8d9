"""Slack's HTTP requests, checked before Bolt sees them.

Everything Slack sends to `POST /slack/events` passes here first, in this order, so that a
hostile or malformed request costs little and leaves one warning line, never a traceback
or its body in the log:

1. size: bodies over `MAX_BODY_BYTES` are refused with 413 before they are read
   (Slack's own payloads are a few kilobytes; waitress enforces the same limit);
2. signature: Slack's v0 HMAC over the raw body and timestamp, checked with slack_sdk's
   `SignatureVerifier`; a missing, stale, malformed or wrong signature is 401, and with
   no signing secret configured every request is refused (never trusted);
3. parsing: JSON event envelopes, form-encoded slash commands, and form-encoded
   interactivity (`payload=<json>`) become one dict;
4. shape: the fields Bolt reads without checking (`event`, `team`, `user`, `actions`, …)
   must have the types Slack gives them, else 400.

Bolt then gets the parsed request re-encoded as JSON, with its own verification off
(`bot.app.create_app`). Why not hand Bolt the raw body: its `parse_body`
(`slack_bolt/request/internals.py`) treats any form body that contains the letters
"payload" anywhere as an interactivity payload, finds no `payload=` field and returns an
empty request, so `/brainstorm ways to shrink API payloads`, or any command in a channel
named `#payload-team`, was answered 404. Parsing here and passing JSON avoids that path.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.signature import Clock, SignatureVerifier

from bot.slack_values import is_slack_id

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20  # 1 MiB: far above any payload Slack sends
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class Refusal:
    """An answer given without involving Bolt: status line and a short JSON body."""

    status: str
    error: str


@dataclass(frozen=True)
class SlackRequest:
    """A request that passed every check: the parsed body, the headers to forward, and
    the body as JSON text for Bolt (the original text when it was JSON already)."""

    body: dict[str, Any]
    headers: dict[str, str | Sequence[str]] = field(default_factory=dict)
    json_text: str | None = None

    def as_json(self) -> str:
        return self.json_text if self.json_text is not None else json.dumps(self.body)


class SlackRequestGate:
    """Applies the checks above; `check` returns a `SlackRequest` or a `Refusal`."""

    def __init__(self, signing_secret: str | None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._verifier = (SignatureVerifier(signing_secret, clock=_Clock(clock))
                          if signing_secret and signing_secret.strip() else None)

    def too_large(self, content_length: str | None) -> Refusal | None:
        """413 for a declared length over the limit; 411 when none is declared."""
        try:
            length = int(content_length or "")
        except ValueError:
            return Refusal("411 Length Required", "a Content-Length is required")
        if length < 0:
            return Refusal("400 Bad Request", "malformed request")
        if length > MAX_BODY_BYTES:
            log.warning("refused a request body of %d bytes (limit %d)", length,
                        MAX_BODY_BYTES)
            return Refusal("413 Content Too Large", "request body too large")
        return None

    def check(self, raw: bytes, headers: Mapping[str, str]) -> SlackRequest | Refusal:
        lowered = {key.lower(): value for key, value in headers.items()}
        try:
            text = raw.decode("utf-8")  # Slack sends UTF-8; its signature covers the text
        except UnicodeDecodeError:
            log.warning("refused a request body that is not UTF-8")
            return Refusal("400 Bad Request", "malformed request")
        if not self._signed(text, lowered):
            return Refusal("401 Unauthorized", "invalid signature")
        content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
        try:
            body, was_json = _parse(text, content_type)
        except ValueError as exc:
            log.warning("refused a malformed request body (%s)", type(exc).__name__)
            return Refusal("400 Bad Request", "malformed request")
        problem = payload_problem(body)
        if problem is not None:
            log.warning("refused a request of the wrong shape: %s", problem)
            return Refusal("400 Bad Request", "malformed request")
        forwarded: dict[str, str | Sequence[str]] = {
            name: value for name, value in lowered.items() if name.startswith("x-slack-")}
        forwarded["content-type"] = JSON
        return SlackRequest(body, forwarded, text if was_json else None)

    def _signed(self, text: str, headers: Mapping[str, str]) -> bool:
        if self._verifier is None:
            log.warning("refused a request: no SLACK_SIGNING_SECRET is configured")
            return False
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp.isdigit() or not signature:
            log.warning("refused a request without a valid signature header")
            return False
        if not self._verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
            log.warning("refused a request whose signature does not match")
            return False
        return True


# The surfaces an ack is counted under (`bot.metrics.ACKS`): a fixed list, so a payload
# cannot add series. Events are named by type; those idealoop does not subscribe to,
# and anything unrecognised, count as "other".
UNVERIFIED = "unverified"  # refused before its payload was trusted (size, signature, …)
EVENT_TYPES = frozenset({
    "agent_session_stopped", "app_home_opened", "app_mention", "app_uninstalled",
    "assistant_thread_context_changed", "assistant_thread_started", "message",
    "reaction_added", "reaction_removed", "tokens_revoked"})
INTERACTION_TYPES = frozenset({
    "block_actions", "block_suggestion", "message_action", "shortcut", "view_closed",
    "view_submission"})


def ack_surface(body: Mapping[str, Any]) -> str:
    """What kind of request a checked payload is, as a metrics label: "command",
    "event:<type>", an interaction type ("block_actions", "view_submission", …),
    "url_verification" or "other". Over HTTP and Socket Mode alike."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        event_type = event.get("type") if isinstance(event, Mapping) else None
        return f"event:{event_type}" if event_type in EVENT_TYPES else "event:other"
    if kind in INTERACTION_TYPES or kind == "url_verification":
        return str(kind)
    return "other"


class _Clock(Clock):
    """slack_sdk's verifier asks a clock object for now(); tests pass a function."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def _parse(text: str, content_type: str) -> tuple[dict[str, Any], bool]:
    """The body as a dict, and whether `text` itself is that JSON object."""
    was_json = content_type == JSON or (content_type != FORM and text.lstrip().startswith("{"))
    try:
        if was_json:
            body = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
            body = json.loads(form["payload"]) if set(form) == {"payload"} else form
    except RecursionError:  # nested deeper than Python's stack; no Slack payload is
        raise ValueError("nested too deeply") from None
    if not isinstance(body, dict):
        raise ValueError("the body is not an object")
    return body, was_json


# The fields Bolt reads without checking their type, and the types Slack sends them with.
_STRING_OR_OBJECT = ("team", "user", "channel", "enterprise")
_OBJECTS = ("event", "view", "message", "previous_message", "assistant_thread",
            "function_data", "item", "container", "state", "bot_profile")
_LISTS_OF_OBJECTS = ("authorizations", "actions", "response_urls", "blocks")
_STRINGS = ("type", "subtype", "team_id", "user_id", "channel_id", "event_id", "api_app_id",
            "enterprise_id", "command", "text", "trigger_id", "response_url", "callback_id",
            "thread_ts", "ts", "event_ts", "reaction", "action_id", "block_id", "user_team",
            "context_team_id", "context_enterprise_id", "function_execution_id",
            "bot_access_token", "ssl_check", "challenge", "token", "bot_id")
_NESTED = ("event", "message", "previous_message", "item", "assistant_thread", "view",
           "function_data")
_MAX_DEPTH = 4
_COMMAND_FIELDS = ("command", "user_id", "channel_id", "response_url")
# A click carries the element clicked, always (Slack's block_actions and
# interactive_message payloads); Bolt reads `actions[0]` of both without looking.
_CLICKS = ("block_actions", "interactive_message")


# No text Slack sends holds these, and neither database can store them (PostgreSQL refuses
# NUL in text; no driver encodes a lone surrogate): refused here, before anything is kept.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_text(body: dict[str, Any]) -> str | None:
    """A problem when any text in the payload, key or value, holds NUL or a lone surrogate."""
    pending: list[Any] = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return "text with NUL or an unpaired surrogate"
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return None


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def payload_problem(body: Any) -> str | None:
    """What makes a parsed payload one Slack never sends, unfit for Bolt or for the
    database (its shape, or text neither database stores), or None. Over HTTP the gate
    asks it (400); Socket Mode asks it of each envelope's payload
    (`bot.runtime.socket_mode`)."""
    problem = shape_problem(body)
    if problem is None and isinstance(body, dict):
        problem = _unstorable_text(body)
    return problem


def shape_problem(body: Any, depth: int = 0) -> str | None:
    """What is wrong with a payload's shape for Bolt, or None when it can be dispatched."""
    if not isinstance(body, dict):
        return "not an object"
    if depth == 0 and "command" in body:  # a slash command always carries these
        missing = [name for name in _COMMAND_FIELDS if not isinstance(body.get(name), str)]
        if missing:
            return f"a command without {', '.join(missing)}"
        if not (is_slack_id(body["user_id"]) and is_slack_id(body["channel_id"])):
            return "a command from an unknown kind of user or channel id"
        if not _is_web_url(body["response_url"]):
            return "a command whose response_url is not a web address"
    if depth == 0 and body.get("type") in _CLICKS and not body.get("actions"):
        return "a click with no action"
    for name in _STRING_OR_OBJECT:
        value = body.get(name)
        if value is not None and not isinstance(value, str | dict):
            return f"{name} is neither text nor an object"
        if isinstance(value, dict) and not isinstance(value.get("id", ""), str):
            return f"{name}.id is not text"
    for name in _OBJECTS:  # Bolt reads these as `body.get(name, {}).get(...)`: null breaks it
        if name in body and not isinstance(body[name], dict):
            return f"{name} is not an object"
    for name in _LISTS_OF_OBJECTS:
        if name in body and not (isinstance(body[name], list)
                                 and all(isinstance(entry, dict) for entry in body[name])):
            return f"{name} is not a list of objects"
    for name in _STRINGS:
        if name in body and body[name] is not None and not isinstance(body[name], str):
            return f"{name} is not text"
    for flag in ("is_enterprise_install", "is_ext_shared_channel"):
        if flag in body and not isinstance(body[flag], bool | str | None):
            return f"{flag} is not a flag"
    if depth >= _MAX_DEPTH:
        return None
    for name in _NESTED:
        if isinstance(body.get(name), dict):
            problem = shape_problem(body[name], depth + 1)
            if problem is not None:
                return f"{name}.{problem}"
    for name in ("authorizations", "response_urls"):
        for entry in body.get(name) or ():
            problem = shape_problem(entry, depth + 1)
            if problem is not None:
                return f"{name}[].{problem}"
    for action in body.get("actions") or ():  # an action's `text` is a text object
        for name in ("action_id", "block_id", "type"):
            if name in action and not isinstance(action[name], str):
                return f"actions[].{name} is not text"
    return None
