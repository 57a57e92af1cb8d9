"""The emulator refuses what Slack refuses: one test per Block Kit and message limit
(`bot.emulator.block_limits` cites Slack's page for each), over real HTTP, with Slack's
error code and a reason in ``response_metadata.messages``."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.web_api import SlackApiServer

GENERAL = "C0GENERAL"


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(action_id: str = "go", text: str = "Go", value: str = "1") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "value": value,
            "text": {"type": "plain_text", "text": text}}


def post(client: WebClient, blocks: list[dict[str, Any]] | None = None,
         text: str = "fallback", method: str = "chat.postMessage") -> dict[str, Any]:
    """Slack's answer to a post of `blocks` (ok or not)."""
    payload: dict[str, Any] = {"channel": GENERAL, "text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    try:
        return dict(client.api_call(method, json=payload).data)  # type: ignore[arg-type]
    except SlackApiError as exc:
        return dict(exc.response.data)  # type: ignore[arg-type]


def refused(answer: dict[str, Any], error: str = "invalid_blocks",
            reason: str = "") -> bool:
    messages = answer.get("response_metadata", {}).get("messages", [])
    return (answer["ok"] is False and answer["error"] == error
            and any(reason in message and message.startswith("[ERROR]")
                    for message in messages))


def test_a_message_takes_at_most_50_blocks(client: WebClient) -> None:
    assert post(client, [section(f"{n}") for n in range(50)])["ok"]
    assert refused(post(client, [section(f"{n}") for n in range(51)]),
                   reason="no more than 50 items [json-pointer:/blocks]")


def test_a_view_takes_at_most_100_blocks(server: SlackApiServer, client: WebClient) -> None:
    user = next(iter(server.state.users))

    def publish(count: int) -> dict[str, Any]:
        try:
            return dict(client.views_publish(user_id=user, view={
                "type": "home", "blocks": [section(f"{n}") for n in range(count)]}).data)
        except SlackApiError as exc:
            return dict(exc.response.data)
    assert publish(100)["ok"]
    assert refused(publish(101), reason="no more than 100 items [json-pointer:/view/blocks]")


def test_view_blocks_are_held_to_the_same_limits_as_a_message(server: SlackApiServer,
                                                              client: WebClient) -> None:
    user = next(iter(server.state.users))
    with pytest.raises(SlackApiError) as refusal:
        client.views_publish(user_id=user, view={"type": "home", "blocks": [
            section("x" * 3001)]})
    assert refusal.value.response["error"] == "invalid_blocks"


def test_section_text_is_at_most_3000_characters(client: WebClient) -> None:
    assert post(client, [section("x" * 3000)])["ok"]
    assert refused(post(client, [section("x" * 3001)]),
                   reason="less than 3001 characters [json-pointer:/blocks/0/text/text]")


def test_section_fields_are_at_most_10(client: WebClient) -> None:
    field = {"type": "mrkdwn", "text": "f"}
    assert post(client, [{"type": "section", "fields": [field] * 10}])["ok"]
    assert refused(post(client, [{"type": "section", "fields": [field] * 11}]),
                   reason="no more than 10 items [json-pointer:/blocks/0/fields]")


def test_a_section_field_is_at_most_2000_characters(client: WebClient) -> None:
    def fields(length: int) -> list[dict[str, Any]]:
        return [{"type": "section", "fields": [{"type": "mrkdwn", "text": "y" * length}]}]
    assert post(client, fields(2000))["ok"]
    assert refused(post(client, fields(2001)), reason="/blocks/0/fields/0/text")


def test_header_text_is_at_most_150_characters(client: WebClient) -> None:
    def header(length: int) -> list[dict[str, Any]]:
        return [{"type": "header", "text": {"type": "plain_text", "text": "h" * length}}]
    assert post(client, header(150))["ok"]
    assert refused(post(client, header(151)), reason="less than 151 characters")


def test_context_takes_at_most_10_elements(client: WebClient) -> None:
    def context(count: int) -> list[dict[str, Any]]:
        return [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * count}]
    assert post(client, context(10))["ok"]
    assert refused(post(client, context(11)), reason="no more than 10 items")


def test_context_actions_take_at_most_5_elements(client: WebClient) -> None:
    def context_actions(count: int) -> list[dict[str, Any]]:
        return [{"type": "context_actions", "elements": [
            {"type": "icon_button", "icon": "trash", "action_id": f"a{n}",
             "text": {"type": "plain_text", "text": "Delete"}} for n in range(count)]}]
    assert post(client, context_actions(5))["ok"]
    assert refused(post(client, context_actions(6)), reason="no more than 5 items")


def test_actions_take_at_most_25_elements(client: WebClient) -> None:
    def actions(count: int) -> list[dict[str, Any]]:
        return [{"type": "actions", "elements": [button(f"b{n}") for n in range(count)]}]
    assert post(client, actions(25))["ok"]
    assert refused(post(client, actions(26)), reason="no more than 25 items")


def test_action_ids_are_unique_in_their_block(client: WebClient) -> None:
    assert refused(post(client, [{"type": "actions", "elements": [button("same"),
                                                                   button("same")]}]),
                   reason="duplicate action_id")
    # Slack asks for unique ids "among all other action_ids in the containing block".
    assert post(client, [{"type": "actions", "elements": [button("same")]},
                         {"type": "actions", "elements": [button("same")]}])["ok"]


def test_markdown_blocks_total_at_most_12000_characters(client: WebClient) -> None:
    def markdown(*lengths: int) -> list[dict[str, Any]]:
        return [{"type": "markdown", "text": "m" * length} for length in lengths]
    assert post(client, markdown(6000, 6000))["ok"]
    assert refused(post(client, markdown(6000, 6001)),
                   reason="[json-pointer:/blocks/1/text]")


def test_button_text_is_at_most_75_characters(client: WebClient) -> None:
    def with_text(length: int) -> list[dict[str, Any]]:
        return [{"type": "actions", "elements": [button(text="t" * length)]}]
    assert post(client, with_text(75))["ok"]
    assert refused(post(client, with_text(76)), reason="/blocks/0/elements/0/text/text")


def test_button_value_is_at_most_2000_characters(client: WebClient) -> None:
    def with_value(length: int) -> list[dict[str, Any]]:
        return [section("s", accessory=button(value="v" * length))]
    assert post(client, with_value(2000))["ok"]
    assert refused(post(client, with_value(2001)), reason="/blocks/0/accessory/value")


def test_action_id_is_at_most_255_characters(client: WebClient) -> None:
    def with_id(length: int) -> list[dict[str, Any]]:
        return [{"type": "actions", "elements": [button("a" * length)]}]
    assert post(client, with_id(255))["ok"]
    assert refused(post(client, with_id(256)), reason="/blocks/0/elements/0/action_id")


def test_block_id_is_at_most_255_characters(client: WebClient) -> None:
    assert post(client, [section("s", block_id="b" * 255)])["ok"]
    assert refused(post(client, [section("s", block_id="b" * 256)]),
                   reason="[json-pointer:/blocks/0/block_id]")


def test_block_ids_are_unique_in_a_message(client: WebClient) -> None:
    assert refused(post(client, [section("a", block_id="one"), section("b", block_id="one")]),
                   reason="duplicate block_id")


def test_message_text_is_at_most_40000_characters(client: WebClient) -> None:
    assert post(client, text="x" * 40000)["ok"]
    assert refused(post(client, text="x" * 40001), error="msg_too_long",
                   reason="[json-pointer:/text]")


@pytest.mark.parametrize("method", ["chat.update", "chat.postEphemeral"])
def test_edits_and_ephemeral_messages_are_held_to_the_same_limits(
        server: SlackApiServer, client: WebClient, method: str) -> None:
    posted = client.chat_postMessage(channel=GENERAL, text="first")
    payload: dict[str, Any] = {"channel": GENERAL, "ts": posted["ts"],
                               "user": next(iter(server.state.users)),
                               "text": "t", "blocks": [section("x" * 3001)]}
    with pytest.raises(SlackApiError) as refusal:
        client.api_call(method, json=payload)
    assert refusal.value.response["error"] == "invalid_blocks"
    assert server.state.get_message(GENERAL, posted["ts"])["text"] == "first"


def test_a_response_url_is_held_to_the_same_limits(server: SlackApiServer) -> None:
    from slack_sdk.webhook import WebhookClient
    url = server.new_response_url(channel=GENERAL)
    answer = WebhookClient(url, timeout=5).send(text="t", blocks=[section("x" * 3001)])
    assert answer.status_code == 400 and "invalid_blocks" in answer.body


def test_a_refused_post_changes_nothing(server: SlackApiServer, client: WebClient) -> None:
    post(client, [section(f"{n}") for n in range(51)])
    assert server.state.history(GENERAL) == []


def test_unknown_methods_are_refused_as_slack_words_it(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refusal:
        client.api_call("chat.postMessageNow", json={"channel": GENERAL})
    assert refusal.value.response["error"] == "unknown_method"


def test_missing_arguments_are_invalid_arguments(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refusal:
        client.api_call("chat.getPermalink", json={"channel": GENERAL})
    assert refusal.value.response["error"] == "invalid_arguments"
    assert refusal.value.response["response_metadata"]["messages"] == [
        "[ERROR] missing message_ts"]
