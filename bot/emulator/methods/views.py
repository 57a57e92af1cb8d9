"""Surfaces outside messages: the Home tab (`views.publish`) and modals (`views.open`).

What a modal must keep, as Slack checks it (each with its test in
tests/bot/emulator/test_views.py):

- `views.open` exchanges a trigger: one that is not of Slack's form ("12345.98765.abcd…")
  is `invalid_trigger_id`, one used before is `exchanged_trigger_id`, one older than
  three seconds is `expired_trigger_id` — the errors of
  https://docs.slack.dev/reference/methods/views.open; the three seconds are Bolt's
  "Pass a valid trigger_id within 3 seconds of receiving it"
  (https://docs.slack.dev/tools/bolt-python/concepts/opening-modals). The emulator mints
  its triggers with the millisecond they were issued first
  (`bot.emulator.slack_requests.new_trigger_id`), so it can tell.
- A modal's `title`, `submit` and `close` are plain text of at most 24 characters; a
  modal with an input block must have `submit`; `private_metadata` is at most 3,000
  characters and `callback_id` 255 (https://docs.slack.dev/reference/views/modal-views).
- An input block's label is at most 2,000 characters; a `plain_text_input`'s
  `max_length` at most 3,000 and its `initial_value` within it; a `datepicker`'s
  `initial_date` is YYYY-MM-DD; a `users_select`'s `initial_user` a user id
  (https://docs.slack.dev/reference/block-kit/blocks/input-block,
  …/block-elements/plain-text-input-element, …/date-picker-element,
  …/select-menu-element).
"""

from __future__ import annotations

import re
import time
from datetime import date
from typing import Any

from bot.emulator.block_limits import check_blocks
from bot.emulator.methods.context import CallContext, Method
from bot.emulator.workspace import WorkspaceError

TRIGGER_SECONDS = 3.0
MODAL_TEXT = 24  # title, submit, close
PRIVATE_METADATA = 3000
CALLBACK_ID = 255
INPUT_LABEL = 2000
PLAIN_TEXT_MAX = 3000
_TRIGGER = re.compile(r"(\d+)\.(\d+)\.([0-9a-f]+)")


def view_param(params: dict[str, Any], kind: str) -> dict[str, Any]:
    """The `view` param, checked as Slack checks it: its type, its blocks (at most 100,
    each within Block Kit's limits: `bot.emulator.block_limits`), and a modal's own limits
    (see the module's docstring)."""
    view = params.get("view")
    if not isinstance(view, dict) or view.get("type") != kind:
        raise WorkspaceError("invalid_arguments", "view")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise WorkspaceError("invalid_blocks", "view")
    check_blocks(blocks, view=True, pointer="/view/blocks")
    if kind == "modal":
        _modal(view, blocks)
    return view


def _text(obj: Any) -> str:
    return str(obj.get("text") or "") if isinstance(obj, dict) else ""


def _modal(view: dict[str, Any], blocks: list[Any]) -> None:
    if not 0 < len(_text(view.get("title"))) <= MODAL_TEXT:
        raise WorkspaceError("invalid_arguments", "view.title")
    for field in ("submit", "close"):
        if view.get(field) is not None and not 0 < len(_text(view[field])) <= MODAL_TEXT:
            raise WorkspaceError("invalid_arguments", f"view.{field}")
    if len(str(view.get("private_metadata") or "")) > PRIVATE_METADATA:
        raise WorkspaceError("invalid_arguments", "view.private_metadata")
    if len(str(view.get("callback_id") or "")) > CALLBACK_ID:
        raise WorkspaceError("invalid_arguments", "view.callback_id")
    inputs = [block for block in blocks if block.get("type") == "input"]
    if inputs and view.get("submit") is None:
        raise WorkspaceError("invalid_arguments", "view.submit")
    for block in inputs:
        _input(block)


def _input(block: dict[str, Any]) -> None:
    if not 0 < len(_text(block.get("label"))) <= INPUT_LABEL:
        raise WorkspaceError("invalid_blocks", "input.label")
    element = block.get("element")
    if not isinstance(element, dict):
        raise WorkspaceError("invalid_blocks", "input.element")
    kind = element.get("type")
    if kind == "plain_text_input":
        most = element.get("max_length", PLAIN_TEXT_MAX)
        if not isinstance(most, int) or not 0 < most <= PLAIN_TEXT_MAX:
            raise WorkspaceError("invalid_blocks", "plain_text_input.max_length")
        if len(str(element.get("initial_value") or "")) > most:
            raise WorkspaceError("invalid_blocks", "plain_text_input.initial_value")
    elif kind == "datepicker" and element.get("initial_date") is not None:
        try:
            date.fromisoformat(str(element["initial_date"]))
        except ValueError:
            raise WorkspaceError("invalid_blocks", "datepicker.initial_date") from None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(element["initial_date"])):
            raise WorkspaceError("invalid_blocks", "datepicker.initial_date")
    elif kind == "users_select" and element.get("initial_user") is not None \
            and not re.fullmatch(r"[UW][A-Z0-9]+", str(element["initial_user"])):
        raise WorkspaceError("invalid_blocks", "users_select.initial_user")


def publish(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    user = str(params.get("user_id") or "")
    if user not in ctx.ws.users:
        raise WorkspaceError("user_not_found")
    return {"ok": True, "view": ctx.ws.publish_home(user, view_param(params, "home"))}


def check_trigger(trigger: str, now: float | None = None) -> None:
    """Refuse a trigger Slack would: malformed, or issued more than three seconds ago."""
    if not trigger:
        raise WorkspaceError("invalid_arguments", "trigger_id")
    if "expired" in trigger:  # the tests' way of naming a trigger that has run out
        raise WorkspaceError("expired_trigger_id")
    match = _TRIGGER.fullmatch(trigger)
    if match is None:
        raise WorkspaceError("invalid_trigger_id")
    issued = int(match[1]) / 1000
    if (time.time() if now is None else now) - issued > TRIGGER_SECONDS:
        raise WorkspaceError("expired_trigger_id")


def open_modal(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    trigger = str(params.get("trigger_id") or "")
    check_trigger(trigger)
    return {"ok": True, "view": ctx.ws.open_modal(trigger, view_param(params, "modal"))}


METHODS: dict[str, Method] = {
    "views.publish": publish,
    "views.open": open_modal,
}
