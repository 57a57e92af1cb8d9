"""The script: how the fake answers the next requests.

`FakeOpenAI`'s scripting methods write it and the code that answers reads it, both under
the fake's one lock; the counted faults (``fail_times``, ``garbage_times``,
``break_times``) count down as requests take them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ReplyFn = Callable[[dict[str, Any]], str]
"""A scripted reply that is computed from the parsed request body."""


@dataclass
class Script:
    """Mutable, lock-protected description of how the fake answers the next requests."""

    reply: str | ReplyFn | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    fail_status: int = 500
    fail_times: int = 0
    fail_body: str | dict[str, Any] | None = None
    fail_retry_after: float | None = None
    garbage_times: int = 0
    garbage_content_type: str | None = None
    reject_response_format: bool = False
    ignore_response_format: bool = False
    break_after: int = 0
    break_times: int = 0
    vectors: dict[str, list[float]] = field(default_factory=dict)
    reject_stream_options: bool = False
    embeddings_offered: bool = True
