"""Requests as Slack sends them: form-encoded commands and JSON event envelopes, signed
with the v0 HMAC scheme (`slack_sdk.signature.SignatureVerifier`), sent over HTTP.

Used by `idealoop shell` to drive the real app exactly as Slack would, and by the tests."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

TEAM = "T0001"
APP_ID = "A0IDEALOOP"
_TRIGGERS = itertools.count(1)


def new_trigger_id(now: float | None = None) -> str:
    """A trigger id in Slack's form ("12345.98765.abcd2358fdea"), its first part the
    millisecond it was issued: `views.open` in the emulator refuses it three seconds on
    (`bot.emulator.methods.views.check_trigger`)."""
    issued = int((time.time() if now is None else now) * 1000)
    return f"{issued}.{next(_TRIGGERS)}.{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def signature_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body.decode())
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig or ""}


def command_body(text: str, *, user: str = "U0ALICE", channel: str = "C0GENERAL",
                 channel_name: str = "general", response_url: str = "http://127.0.0.1:9/unused",
                 trigger_id: str | None = None, command: str = "/brainstorm",
                 team: str = TEAM) -> bytes:
    return urlencode({
        "token": "legacy-unused", "team_id": team, "team_domain": "emulated",
        "channel_id": channel, "channel_name": channel_name, "user_id": user,
        "user_name": user.lower(), "command": command, "text": text, "api_app_id": APP_ID,
        "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }).encode()


def event_body(event: dict[str, Any], *, event_id: str | None = None,
               team: str = TEAM) -> bytes:
    return json.dumps({
        "token": "legacy-unused", "team_id": team, "api_app_id": APP_ID, "event": event,
        "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": "U0BOT", "is_bot": True}],
    }).encode()


def block_actions_body(action: dict[str, Any], *, user: str, channel: str,
                       message: dict[str, Any], response_url: str,
                       trigger_id: str | None = None, ephemeral: bool = False,
                       team: str = TEAM) -> bytes:
    """A click on a message's button, form-encoded as Slack sends interactivity
    (`payload=<json>`). A click on an ephemeral message (only its reader saw it) carries
    no `message`, as Slack keeps none."""
    payload = {
        "type": "block_actions", "team": {"id": team, "domain": "emulated"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": APP_ID, "token": "legacy-unused",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                      "is_ephemeral": ephemeral,
                      **({"thread_ts": message["thread_ts"]} if message.get("thread_ts")
                         else {})},
        "trigger_id": trigger_id or new_trigger_id(),
        "channel": {"id": channel, "name": "emulated"},
        "message": message, "response_url": response_url, "actions": [action],
    }
    if ephemeral:
        del payload["message"]
    return urlencode({"payload": json.dumps(payload)}).encode()


def message_action_body(callback_id: str, *, user: str, channel: str,
                        message: dict[str, Any], response_url: str,
                        trigger_id: str | None = None, action_ts: str | None = None,
                        team: str = TEAM) -> bytes:
    """A message shortcut used on `message`, form-encoded as Slack sends interactivity.
    The fields are those of Slack's shortcut payloads
    (https://api.slack.com/reference/interaction-payloads/shortcuts): `type`
    "message_action", the shortcut's `callback_id`, a `trigger_id`, a `response_url`
    (message shortcuts only), the `message` whole (with `ts`, and `thread_ts` when it is a
    reply), the `channel` it is in, the `user` who used it and the `team`; `message_ts`
    and `action_ts` as Bolt's own type of the payload has them
    (slack-bolt `src/types/shortcuts/message-shortcut.ts`)."""
    payload = {
        "type": "message_action", "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "message_ts": message["ts"], "response_url": response_url,
        "message": {"type": "message", **message},
        "user": {"id": user, "name": user.lower(), "username": user.lower(), "team_id": team},
        "channel": {"id": channel, "name": "emulated"},
        "team": {"id": team, "domain": "emulated"},
        "api_app_id": APP_ID, "token": "legacy-unused",
        "action_ts": action_ts or f"{time.time():.6f}",
        "is_enterprise_install": False, "enterprise": None,
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def home_click_body(action: dict[str, Any], *, user: str, view: dict[str, Any],
                    trigger_id: str | None = None) -> bytes:
    """A click on a button of the App Home tab (no channel, no message, no response URL)."""
    payload = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "emulated"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "api_app_id": APP_ID, "token": "legacy-unused",
        "container": {"type": "view", "view_id": view.get("id", "V0HOME")},
        "trigger_id": trigger_id or new_trigger_id(),
        "view": view, "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


# What each input element's state carries in a view_submission
# (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload).
_SELECTED = {"users_select": "selected_user", "datepicker": "selected_date",
             "conversations_select": "selected_conversation",
             "channels_select": "selected_channel"}


def view_state(view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
    """`view.state.values` as Slack sends them: for each input block, its element's
    action id and what was typed or picked, in the field its type uses (`value` for a
    text input, `selected_user` for a user picker, `selected_date` for a date picker).
    A block the view does not have is taken as a text input whose action id is its
    block id."""
    elements = {block.get("block_id"): block.get("element") or {}
                for block in view.get("blocks") or [] if block.get("type") == "input"}
    state: dict[str, Any] = {}
    for block, value in values.items():
        element = elements.get(block) or {"type": "plain_text_input", "action_id": block}
        kind = str(element.get("type") or "plain_text_input")
        state[block] = {str(element.get("action_id") or block): {
            "type": kind, _SELECTED.get(kind, "value"): value}}
    return state


def view_submission_body(view: dict[str, Any], values: dict[str, str | None], *,
                         user: str, team: str = TEAM) -> bytes:
    """A modal submitted with `values` (block id -> what was typed or picked in it)."""
    state = view_state(view, values)
    payload = {
        "type": "view_submission", "team": {"id": team, "domain": "emulated"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": APP_ID, "token": "legacy-unused",
        "trigger_id": new_trigger_id(),
        "view": {**view, "state": {"values": state}},
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def assistant_thread_started_event(*, user: str, channel: str, thread_ts: str,
                                   context_channel: str = "C0GENERAL") -> dict[str, Any]:
    """A person opened the assistant pane: Slack made the thread `thread_ts` for it."""
    return {"type": "assistant_thread_started", "event_ts": f"{time.time():.6f}",
            "assistant_thread": {"user_id": user, "channel_id": channel,
                                 "thread_ts": thread_ts,
                                 "context": {"channel_id": context_channel, "team_id": TEAM,
                                             "enterprise_id": None}}}


def assistant_message_event(*, user: str, text: str, channel: str, ts: str,
                            thread_ts: str) -> dict[str, Any]:
    """What a person wrote in the assistant pane's thread (a `message.im` event)."""
    return {"type": "message", "channel_type": "im", "user": user, "text": text,
            "channel": channel, "ts": ts, "thread_ts": thread_ts, "event_ts": ts}


def dm_message_event(*, user: str, text: str, channel: str, ts: str) -> dict[str, Any]:
    """A person's message at the top of their DM with the app (a `message.im` event): in
    the Agent messaging experience, each starts a thread of its own, an agent session."""
    return {"type": "message", "channel_type": "im", "user": user, "text": text,
            "channel": channel, "ts": ts, "event_ts": ts}


def messages_tab_opened_event(user: str, channel: str) -> dict[str, Any]:
    """A person opened their DM with the app (its Messages tab): in the Agent messaging
    experience this replaces `assistant_thread_started`."""
    return {"type": "app_home_opened", "user": user, "channel": channel, "tab": "messages",
            "event_ts": f"{time.time():.6f}"}


def home_opened_event(user: str) -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
            "event_ts": f"{time.time():.6f}"}


def button_action(block: dict[str, Any], element: dict[str, Any], value: str | None = None,
                  *, action_ts: str | None = None) -> dict[str, Any]:
    """The `actions[]` entry Slack sends for a click on `element` of `block`."""
    return {"type": element.get("type"), "action_id": element.get("action_id"),
            "block_id": block.get("block_id") or "emulated",
            "value": value if value is not None else element.get("value"),
            "action_ts": action_ts or f"{time.time():.6f}"}


def reaction_event(*, added: bool, user: str, emoji: str, channel: str, ts: str,
                   event_ts: str | None = None, item_user: str = "U0BOT") -> dict[str, Any]:
    return {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user, "reaction": emoji, "item_user": item_user,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": event_ts or f"{time.time():.6f}",
    }


def post(url: str, body: bytes, *, content_type: str, headers: dict[str, str] | None = None,
         timeout: float = 10.0) -> Reply:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": content_type, **(headers or {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.read().decode(), time.perf_counter() - started)
    except urllib.error.HTTPError as err:
        return Reply(err.code, err.read().decode(), time.perf_counter() - started)


class SlackSender:
    """Sends signed requests to one app URL, as Slack would."""

    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret

    def signed(self, body: bytes, content_type: str, *, retry_num: int | None = None,
               timestamp: int | None = None) -> Reply:
        headers = signature_headers(body, self.secret, timestamp)
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return post(self.url, body, content_type=content_type, headers=headers)

    def command(self, text: str, **kwargs: Any) -> Reply:
        return self.signed(command_body(text, **kwargs), "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], *, event_id: str | None = None,
              retry_num: int | None = None, team: str = TEAM) -> Reply:
        return self.signed(event_body(event, event_id=event_id, team=team),
                           "application/json", retry_num=retry_num)

    def click(self, action: dict[str, Any], *, user: str, channel: str,
              message: dict[str, Any], response_url: str,
              trigger_id: str | None = None, ephemeral: bool = False,
              team: str = TEAM) -> Reply:
        """A signed `block_actions` request: `user` clicked `action` on `message`."""
        return self.signed(block_actions_body(action, user=user, channel=channel,
                                              message=message, response_url=response_url,
                                              trigger_id=trigger_id, ephemeral=ephemeral,
                                              team=team),
                           "application/x-www-form-urlencoded")

    def shortcut(self, callback_id: str, *, user: str, channel: str,
                 message: dict[str, Any], response_url: str,
                 trigger_id: str | None = None, team: str = TEAM) -> Reply:
        """A signed `message_action` request: `user` used the message shortcut
        `callback_id` on `message`."""
        return self.signed(message_action_body(callback_id, user=user, channel=channel,
                                               message=message, response_url=response_url,
                                               trigger_id=trigger_id, team=team),
                           "application/x-www-form-urlencoded")

    def home_click(self, action: dict[str, Any], *, user: str, view: dict[str, Any],
                   trigger_id: str | None = None) -> Reply:
        return self.signed(home_click_body(action, user=user, view=view,
                                           trigger_id=trigger_id),
                           "application/x-www-form-urlencoded")

    def submit(self, view: dict[str, Any], values: dict[str, str | None], *, user: str,
               team: str = TEAM) -> Reply:
        return self.signed(view_submission_body(view, values, user=user, team=team),
                           "application/x-www-form-urlencoded")

    def reaction(self, *, added: bool = True, user: str, emoji: str, channel: str, ts: str,
                 event_ts: str | None = None, event_id: str | None = None,
                 retry_num: int | None = None, item_user: str = "U0BOT",
                 team: str = TEAM) -> Reply:
        return self.event(
            reaction_event(added=added, user=user, emoji=emoji, channel=channel, ts=ts,
                           event_ts=event_ts, item_user=item_user),
            event_id=event_id, retry_num=retry_num, team=team,
        )


def mention_event(*, user: str, text: str, channel: str, ts: str,
                  thread_ts: str | None = None) -> dict[str, Any]:
    """An `app_mention` event for a message that mentions the bot."""
    event = {"type": "app_mention", "user": user, "text": text, "channel": channel, "ts": ts,
             "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event
