"""Channel canvases: `conversations.canvases.create` and `canvases.edit`, as strict as
their method pages.

- `conversations.canvases.create` (https://docs.slack.dev/reference/methods/
  conversations.canvases.create): `channel_id` is required; `document_content` is
  optional and, when given, `{"type": "markdown", "markdown": …}` with the markdown
  "limited to 1 MiB (1,048,576 characters)"; `title` optional. A channel has one channel
  canvas: a second is `channel_canvas_already_exists`. The answer carries `canvas_id`.
- `canvases.edit` (https://docs.slack.dev/reference/methods/canvases.edit): `canvas_id`
  and `changes` are required; "Only one operation per API call is currently supported";
  each change has an `operation` (insert_after, insert_before, insert_at_start,
  insert_at_end, replace, delete, rename) and, for content operations, a
  `document_content` as above. A canvas that is not there is `canvas_not_found`.
  `replace` without `section_id` replaces the whole canvas; section operations are not
  emulated (`not_implemented`).
- Both need `canvases:write` (`bot.emulator.web_api.SCOPE_NEEDED`).

Arguments sent form-encoded arrive as JSON strings, which Slack decodes; so does this.
"""

from __future__ import annotations

import json
from typing import Any

from bot.emulator.methods.context import CallContext, Method
from bot.emulator.methods.params import require
from bot.emulator.workspace import WorkspaceError

MARKDOWN_MAX = 1_048_576
OPERATIONS = ("insert_after", "insert_before", "insert_at_start", "insert_at_end",
              "replace", "delete", "rename")
TITLE_MAX = 255


def _json(value: Any, name: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise WorkspaceError("invalid_arguments", name) from exc
    return value


def _markdown(content: Any, name: str) -> str:
    """The markdown of a `document_content`, checked."""
    content = _json(content, name)
    if not isinstance(content, dict) or content.get("type") != "markdown" \
            or not isinstance(content.get("markdown"), str):
        raise WorkspaceError("invalid_arguments", name)
    if len(content["markdown"]) > MARKDOWN_MAX:
        raise WorkspaceError("invalid_arguments", f"{name}: over 1,048,576 characters")
    return str(content["markdown"])


def create(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "channel_id")
    markdown = None
    if params.get("document_content") not in (None, ""):
        markdown = _markdown(params["document_content"], "document_content")
    title = params.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > TITLE_MAX):
        raise WorkspaceError("invalid_arguments", "title")
    canvas_id = ctx.ws.create_channel_canvas(str(params["channel_id"]), title, markdown)
    return {"ok": True, "canvas_id": canvas_id}


def edit(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    require(params, "canvas_id", "changes")
    changes = _json(params["changes"], "changes")
    if not isinstance(changes, list) or len(changes) != 1 or not isinstance(changes[0], dict):
        raise WorkspaceError("invalid_arguments", "changes: one operation per call")
    change = changes[0]
    operation = change.get("operation")
    if operation not in OPERATIONS:
        raise WorkspaceError("invalid_arguments", "changes.operation")
    markdown = None
    if operation not in ("delete", "rename"):
        markdown = _markdown(change.get("document_content"), "changes.document_content")
    if change.get("section_id") is not None or operation in ("insert_after", "insert_before",
                                                             "delete", "rename"):
        raise WorkspaceError("not_implemented", f"{operation} of a section")
    ctx.ws.edit_canvas(str(params["canvas_id"]), str(operation), markdown)
    return {"ok": True}


METHODS: dict[str, Method] = {
    "conversations.canvases.create": create,
    "canvases.edit": edit,
}
