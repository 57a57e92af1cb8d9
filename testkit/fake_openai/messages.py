"""Reading a chat request's body: its messages as text, the last user's words, whether it
asks for JSON, and a rough token count.

Why one place: the contract (a prompt too long for the context window), the default
answers (ideas on the user's topic) and the usage figures all read the same messages.
"""

from __future__ import annotations

from typing import Any


def message_text(message: Any) -> str:
    """Flatten a chat message's content (string or list of parts) into plain text."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        return " ".join(parts)
    return ""


def messages(body: dict[str, Any]) -> list[Any]:
    """The request's messages; an empty list when they are missing or not a list."""
    msgs = body.get("messages")
    return msgs if isinstance(msgs, list) else []


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last message a user wrote (empty when there is none)."""
    for message in reversed(messages(body)):
        if isinstance(message, dict) and message.get("role") == "user":
            return message_text(message)
    return ""


def wants_json(body: dict[str, Any]) -> bool:
    """Whether the request's ``response_format`` asks for JSON (a schema or a JSON object)."""
    fmt = body.get("response_format")
    return isinstance(fmt, dict) and fmt.get("type") in ("json_schema", "json_object")


def usage(body: dict[str, Any], content: str) -> dict[str, int]:
    """Rough token accounting (4 characters per token) so cost/usage code has numbers."""
    prompt_chars = sum(len(message_text(m)) for m in messages(body))
    prompt_tokens = prompt_chars // 4
    completion_tokens = len(content) // 4
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
