"""Reading a Web API call's parameters as Slack reads them, shared by every method family."""

from __future__ import annotations

from typing import Any

from bot.emulator.workspace import WorkspaceError


def truthy(value: Any) -> bool:
    """Interpret Slack-style booleans: JSON true, form ``"1"``/``"true"``."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)



def require(params: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if not params.get(n)]
    if missing:
        raise WorkspaceError("invalid_arguments", f"missing {', '.join(missing)}")


def list_param(params: dict[str, Any], name: str, error: str) -> list[Any] | None:
    """Fetch a JSON-array param; a string here means form JSON that failed to decode."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        raise WorkspaceError(f"{error}_format" if name == "blocks" else error, name)
    if not isinstance(value, list):
        raise WorkspaceError(error, name)
    return value


def content(params: dict[str, Any]) -> tuple[str | None, list[Any] | None,
                                                     list[Any] | None]:
    text = params.get("text")
    if text is None:
        text = params.get("markdown_text")
    blocks = list_param(params, "blocks", "invalid_blocks")
    attachments = list_param(params, "attachments", "invalid_attachments")
    return (None if text is None else str(text)), blocks, attachments


def metadata(params: dict[str, Any]) -> dict[str, Any] | None:
    metadata = params.get("metadata")
    if metadata is None or metadata == "":
        return None
    if not isinstance(metadata, dict):
        raise WorkspaceError("invalid_metadata_format", "metadata")
    return metadata


def with_metadata(messages: list[dict[str, Any]],
                   params: dict[str, Any]) -> list[dict[str, Any]]:
    """Slack returns messages' metadata only when asked (`include_all_metadata`)."""
    if truthy(params.get("include_all_metadata")):
        return messages
    return [{key: value for key, value in m.items() if key != "metadata"} for m in messages]

