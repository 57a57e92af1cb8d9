"""`views.open` in the emulator refuses what Slack refuses (`bot.emulator.methods.views`):
triggers that are malformed, used twice or older than three seconds, and modals past
their limits. Each check with a test of its own, through the real slack_sdk client."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.slack_requests import new_trigger_id


def modal(**changes: Any) -> dict[str, Any]:
    view = {"type": "modal", "callback_id": "c", "title": {"type": "plain_text", "text": "Decide"},
            "submit": {"type": "plain_text", "text": "Save"},
            "blocks": [{"type": "input", "block_id": "b", "label": {
                "type": "plain_text", "text": "Text"}, "element": {
                "type": "plain_text_input", "action_id": "b"}}]}
    view.update(changes)
    return view


def refused(client: WebClient, view: dict[str, Any], trigger: str | None = None) -> str:
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id=trigger or new_trigger_id(), view=view)
    return str(caught.value.response["error"])


def test_a_fresh_trigger_opens_a_modal_once(client: WebClient) -> None:
    trigger = new_trigger_id()
    assert client.views_open(trigger_id=trigger, view=modal())["ok"]
    assert refused(client, modal(), trigger) == "exchanged_trigger_id"


def test_a_trigger_older_than_three_seconds_has_expired(client: WebClient) -> None:
    assert refused(client, modal(), new_trigger_id(time.time() - 3.5)) == "expired_trigger_id"
    assert client.views_open(trigger_id=new_trigger_id(time.time() - 2.5), view=modal())["ok"]


def test_a_trigger_not_of_slacks_form_is_invalid(client: WebClient) -> None:
    assert refused(client, modal(), "trig-abc") == "invalid_trigger_id"


@pytest.mark.parametrize("changes", [
    {"title": {"type": "plain_text", "text": "x" * 25}},
    {"submit": {"type": "plain_text", "text": "x" * 25}},
    {"close": {"type": "plain_text", "text": "x" * 25}},
    {"submit": None},  # an input block needs a submit button
    {"private_metadata": "x" * 3001},
    {"callback_id": "x" * 256},
])
def test_a_modal_past_its_limits_is_refused(client: WebClient, changes: dict[str, Any]) -> None:
    view = modal(**changes)
    if changes.get("submit", "") is None:
        del view["submit"]
    assert refused(client, view) == "invalid_arguments"


@pytest.mark.parametrize("element", [
    {"type": "plain_text_input", "action_id": "b", "max_length": 3001},
    {"type": "plain_text_input", "action_id": "b", "max_length": 5, "initial_value": "123456"},
    {"type": "datepicker", "action_id": "b", "initial_date": "14/12/2026"},
    {"type": "users_select", "action_id": "b", "initial_user": "alice"},
])
def test_an_input_past_its_limits_is_refused(client: WebClient,
                                            element: dict[str, Any]) -> None:
    view = modal()
    view["blocks"][0]["element"] = element
    assert refused(client, view) == "invalid_blocks"


def test_an_input_label_is_at_most_2000_characters(client: WebClient) -> None:
    view = modal()
    view["blocks"][0]["label"]["text"] = "x" * 2001
    assert refused(client, view) == "invalid_blocks"
