"""Block Kit and message limits, checked as Slack checks them: a payload over a limit is
refused with Slack's own error (`invalid_blocks`, `msg_too_long`) and, like Slack, a
reason in ``response_metadata.messages`` pointing at the offending field.

Each limit: Slack's page; the emulator's test (tests/bot/emulator/test_block_limits.py, one
per limit); the tests that show the app keeps within it for any model output
(B = tests/handlers/slack/test_block_limits.py, pure builders checked with these rules;
E = tests/e2e/test_long_ideas.py, 60 ideas of 5,000 characters through the real app, where
the strict `slack` fixture fails on any refusal). Checked by `check_blocks` and
`check_message_text`, called from methods/chat.py (postMessage, update, postEphemeral),
methods/views.py (publish, open), methods/streams.py (stopStream's blocks) and
web_api.py (response URLs).

limit · page under https://docs.slack.dev/reference/ · emulator test · app test

- 50 blocks a message · block-kit/blocks · test_a_message_takes_at_most_50_blocks ·
  B digest, top list, why; E
- 100 blocks a view · block-kit/blocks · test_a_view_takes_at_most_100_blocks · B home; E
- section text 3,000 · block-kit/blocks/section-block · test_section_text_* ·
  B idea, draft, header; E
- section fields: 10, 2,000 each · (same) · test_section_field* · no builder uses fields
- header text 150 · block-kit/blocks/header-block · test_header_text_* · B home
- context: 10 elements · block-kit/blocks/context-block · test_context_* · B (one element)
- context_actions: 5 · block-kit/blocks/context-actions-block · test_context_actions_* ·
  B idea, draft
- actions: 25, action_id unique in its block · block-kit/blocks/actions-block ·
  test_actions_*, test_action_ids_* · B idea, home
- markdown blocks: 12,000 in all · block-kit/blocks/markdown-block ·
  test_markdown_blocks_* · no builder uses them
- button text 75, value 2,000 · block-kit/block-elements/button-element · test_button_* ·
  B idea, home
- action_id and block_id 255; block_id unique in a message · (same; each block's page) ·
  test_action_id_*, test_block_id*, test_block_ids_* · B (fixed ids)
- message text 40,000 · methods/chat.postMessage (`msg_too_long`) · test_message_text_* ·
  B idea fallback; E

`action_id` is checked unique within its block, as the button and actions pages say
("unique among all other action_ids in the containing block"); `block_id` unique within
the message ("block_id should be unique for each message").
"""

from __future__ import annotations

from typing import Any

from bot.emulator.workspace import WorkspaceError

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
CONTEXT_ACTIONS_ELEMENTS = 5
ACTIONS_ELEMENTS = 25
MARKDOWN_TOTAL = 12000
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ID_LENGTH = 255
MESSAGE_TEXT = 40000


class BlockKitError(WorkspaceError):
    """A payload Slack refuses: `error` is Slack's code, `messages` its reasons as Slack
    words them in ``response_metadata.messages``."""

    def __init__(self, error: str, reason: str, pointer: str) -> None:
        message = f"[ERROR] {reason} [json-pointer:{pointer}]"
        super().__init__(error, message)
        self.messages = [message]


def _refuse(reason: str, pointer: str) -> BlockKitError:
    return BlockKitError("invalid_blocks", reason, pointer)


def _text_of(obj: Any) -> str:
    """The string inside a text object (or a bare string, as some clients send)."""
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return "" if obj is None else str(obj)


def _at_most(value: str, limit: int, pointer: str) -> None:
    if len(value) > limit:
        raise _refuse(f"must be less than {limit + 1} characters", pointer)


def _count(items: Any, limit: int, pointer: str) -> list[Any]:
    if not isinstance(items, list):
        raise _refuse("must be an array", pointer)
    if len(items) > limit:
        raise _refuse(f"must provide an array of no more than {limit} items", pointer)
    return items


def check_message_text(text: str | None) -> None:
    """A message's top-level `text`: Slack answers `msg_too_long` beyond 40,000."""
    if text is not None and len(text) > MESSAGE_TEXT:
        raise BlockKitError("msg_too_long", f"must be less than {MESSAGE_TEXT + 1} characters",
                            "/text")


def check_blocks(blocks: list[Any] | None, *, view: bool = False,
                 pointer: str = "/blocks") -> None:
    """Refuse `blocks` as Slack does for a message (`view=False`) or a Home tab / modal."""
    if blocks is None:
        return
    _count(blocks, VIEW_BLOCKS if view else MESSAGE_BLOCKS, pointer)
    block_ids: set[str] = set()
    markdown = 0
    for index, block in enumerate(blocks):
        at = f"{pointer}/{index}"
        if not isinstance(block, dict) or not block.get("type"):
            raise _refuse("missing required field: type", at)
        block_id = block.get("block_id")
        if block_id is not None:
            _at_most(str(block_id), ID_LENGTH, f"{at}/block_id")
            if str(block_id) in block_ids:
                raise _refuse(f"duplicate block_id {block_id!r}", f"{at}/block_id")
            block_ids.add(str(block_id))
        kind = block["type"]
        if kind == "markdown":
            markdown += len(_text_of(block))
            if markdown > MARKDOWN_TOTAL:
                raise _refuse("markdown blocks must total less than "
                              f"{MARKDOWN_TOTAL + 1} characters", f"{at}/text")
        elif kind == "section":
            _section(block, at)
        elif kind == "header":
            _at_most(_text_of(block.get("text")), HEADER_TEXT, f"{at}/text/text")
        elif kind == "context":
            _count(block.get("elements"), CONTEXT_ELEMENTS, f"{at}/elements")
        elif kind in ("actions", "context_actions"):
            limit = ACTIONS_ELEMENTS if kind == "actions" else CONTEXT_ACTIONS_ELEMENTS
            elements = _count(block.get("elements"), limit, f"{at}/elements")
            action_ids: set[str] = set()
            for number, element in enumerate(elements):
                action_id = _element(element, f"{at}/elements/{number}")
                if action_id is not None:
                    if action_id in action_ids:
                        raise _refuse(f"duplicate action_id {action_id!r}",
                                      f"{at}/elements/{number}/action_id")
                    action_ids.add(action_id)


def _section(block: dict[str, Any], at: str) -> None:
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        raise _refuse("must provide text or fields", at)
    if text is not None:
        _at_most(_text_of(text), SECTION_TEXT, f"{at}/text/text")
    if fields is not None:
        for number, field in enumerate(_count(fields, SECTION_FIELDS, f"{at}/fields")):
            _at_most(_text_of(field), FIELD_TEXT, f"{at}/fields/{number}/text")
    if isinstance(block.get("accessory"), dict):
        _element(block["accessory"], f"{at}/accessory")


def _element(element: Any, at: str) -> str | None:
    """Check one interactive element; returns its action_id, if it has one."""
    if not isinstance(element, dict):
        raise _refuse("must be an object", at)
    action_id = element.get("action_id")
    if action_id is not None:
        _at_most(str(action_id), ID_LENGTH, f"{at}/action_id")
    if element.get("type") == "button":
        _at_most(_text_of(element.get("text")), BUTTON_TEXT, f"{at}/text/text")
        _at_most(str(element.get("value") or ""), BUTTON_VALUE, f"{at}/value")
    elif element.get("type") == "feedback_buttons":
        for side in ("positive_button", "negative_button"):
            button = element.get(side) or {}
            _at_most(_text_of(button.get("text")), BUTTON_TEXT, f"{at}/{side}/text/text")
            _at_most(str(button.get("value") or ""), BUTTON_VALUE, f"{at}/{side}/value")
    return None if action_id is None else str(action_id)


def check_message(text: str | None, blocks: list[Any] | None) -> None:
    """Everything a message payload (post, update, ephemeral, response URL) must keep."""
    check_message_text(text)
    check_blocks(blocks)
