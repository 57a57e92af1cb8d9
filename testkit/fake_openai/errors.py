"""The shape of the fake's error answers.

Why OpenAI's shape (``{"error": {message, type, param, code}}``) everywhere: the SDK maps
the status to its exception and reads these fields from the body, so a test sees the same
exception, with the same message and code, that the real service would give it.
"""

from __future__ import annotations

from typing import Any

_ERROR_TYPES: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("server_error", "timeout"),
    409: ("invalid_request_error", "conflict"),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}


def error_body(status: int, message: str) -> dict[str, Any]:
    """Build an error payload shaped like OpenAI's so the SDK extracts message/type/code."""
    err_type, code = _ERROR_TYPES.get(status, ("server_error", None))
    return {"error": {"message": message, "type": err_type, "param": None, "code": code}}
