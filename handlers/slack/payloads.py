"""Reading Slack's interactive payloads (clicks, modal submissions) without trusting
their shape: a signed payload can still hold a list where an object belongs, and a
listener that indexes it blindly answers 500 with a traceback."""

from __future__ import annotations

from typing import Any


def dig(value: object, *keys: str) -> Any:
    """`value[k1][k2]…`, or None as soon as something on the way is not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def obj(value: object) -> dict[str, Any]:
    """`value` when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}
