"""Channel canvases in the emulated Web API (`bot.emulator.methods.canvases`), as strict
as `conversations.canvases.create` and `canvases.edit` are: one canvas per channel,
markdown content only and within 1 MiB, one change per edit, a canvas that is not there,
and the canvases:write scope."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator.web_api import SlackApiServer
from bot.emulator.workspace import Workspace

CHANNEL = "C0GENERAL"


def markdown(text: str) -> dict[str, str]:
    return {"type": "markdown", "markdown": text}


def empty(client: WebClient) -> str:
    """A new empty canvas in CHANNEL; its id."""
    made = client.conversations_canvases_create(channel_id=CHANNEL,
                                                document_content=markdown(""))
    return str(made["canvas_id"])


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["error"])


def test_a_channel_has_one_canvas_made_and_replaced_whole(client: WebClient,
                                                           state: Workspace) -> None:
    made = client.conversations_canvases_create(channel_id=CHANNEL, title="Idea board",
                                                document_content=markdown("# One"))
    canvas_id = made["canvas_id"]
    assert state.canvas_of(CHANNEL)["markdown"] == "# One"  # type: ignore[index]
    assert state.channel_info(CHANNEL)["properties"]["canvas"]["file_id"] == canvas_id
    assert error_of(lambda: client.conversations_canvases_create(
        channel_id=CHANNEL, document_content=markdown("# Two"))) == \
        "channel_canvas_already_exists"
    client.canvases_edit(canvas_id=canvas_id, changes=[
        {"operation": "replace", "document_content": markdown("# Three")}])
    canvas = state.canvas_of(CHANNEL)
    assert canvas is not None and (canvas["markdown"], canvas["edits"]) == ("# Three", 1)


@pytest.mark.parametrize("changes", [
    [],  # no change
    [{"operation": "replace", "document_content": markdown("a")}] * 2,  # two at once
    [{"operation": "overwrite", "document_content": markdown("a")}],
    [{"operation": "replace", "document_content": {"type": "html", "markdown": "a"}}],
    [{"operation": "replace"}],
    [{"operation": "replace", "document_content": markdown("x" * 1_048_577)}],
])
def test_an_edit_slack_would_refuse_is_refused(client: WebClient, changes: list) -> None:
    canvas_id = empty(client)
    assert error_of(lambda: client.canvases_edit(canvas_id=canvas_id, changes=changes)) \
        == "invalid_arguments"


def test_creating_needs_a_channel_and_markdown_within_a_mebibyte(client: WebClient) -> None:
    assert error_of(lambda: client.api_call("conversations.canvases.create", json={
        "document_content": markdown("a")})) == "invalid_arguments"
    assert error_of(lambda: client.conversations_canvases_create(
        channel_id=CHANNEL, document_content=markdown("x" * 1_048_577))) == \
        "invalid_arguments"
    client.conversations_canvases_create(channel_id=CHANNEL,
                                         document_content=markdown("x" * 1_048_576))


def test_a_canvas_that_is_gone_is_not_found(client: WebClient, state: Workspace) -> None:
    canvas_id = empty(client)
    state.delete_canvas(canvas_id)
    assert error_of(lambda: client.canvases_edit(canvas_id=canvas_id, changes=[
        {"operation": "replace", "document_content": markdown("a")}])) == "canvas_not_found"
    empty(client)  # the channel may have another one


def test_canvases_need_the_canvases_write_scope(client: WebClient,
                                                server: SlackApiServer) -> None:
    server.granted_scopes = tuple(s for s in server.granted_scopes if s != "canvases:write")
    assert error_of(lambda: empty(client)) == "missing_scope"
    assert error_of(lambda: client.canvases_edit(canvas_id="F1", changes=[
        {"operation": "replace", "document_content": markdown("a")}])) == "missing_scope"
