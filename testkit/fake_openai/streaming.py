"""A chat answer streamed as Server-Sent Events, chunk by chunk, as OpenAI streams it.

Why word-sized chunks with an optional pause between them: the app posts ideas while the
stream is still open and edits a draft as it grows, and only a stream that arrives in
pieces, over time, shows whether it does. A scripted cut (`faults.cut`) leaves a stream
truncated part-way.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from testkit.fake_openai.faults import cut, waited_out
from testkit.fake_openai.server import Handler

StreamTiming = dict[str, float | None]
"""When a stream's first chunk was written and when its last one was (None if cut off)."""


def split_for_stream(content: str) -> list[str]:
    """Split content into word-sized pieces (keeping whitespace) like a token stream would."""
    pieces = re.findall(r"\s*\S+\s*", content)
    return pieces or ([content] if content else [])


def stream_events(
    completion_id: str,
    model: str,
    content: str,
    usage: dict[str, int] | None,
    include_usage: bool,
) -> Iterator[dict[str, Any]]:
    """The chunks of one streamed completion: the role, the content piece by piece, the
    stop, and (when asked for with ``stream_options.include_usage``) a last usage chunk."""
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            ],
        }
        if include_usage:
            event["usage"] = None
        return event

    yield chunk({"role": "assistant", "content": "", "refusal": None}, None)
    for piece in split_for_stream(content):
        yield chunk({"content": piece}, None)
    yield chunk({}, "stop")
    if include_usage:
        final = chunk({}, None)
        final["choices"] = []
        final["usage"] = usage
        yield final


def send_stream(
    h: Handler,
    events: list[dict[str, Any]],
    headers: dict[str, str],
    *,
    chunk_delay: float,
    break_after: int | None,
    stopping: threading.Event,
    note: Callable[[StreamTiming], None],
) -> None:
    """Send the events then ``[DONE]``, pausing `chunk_delay` between chunks and cutting
    the connection before event `break_after`; `note` is given the stream's timing, which
    is filled in as it goes."""
    h.start_sse(headers)
    lines = [f"data: {json.dumps(e)}\n\n".encode() for e in events]
    lines.append(b"data: [DONE]\n\n")
    timing: StreamTiming = {"first_at": time.monotonic(), "last_at": None}
    note(timing)
    for index, line in enumerate(lines):
        if break_after is not None and index >= break_after:
            cut(h)
            return
        if index and chunk_delay and waited_out(h, chunk_delay, stopping):
            return
        h.write_chunk(line)
    timing["last_at"] = time.monotonic()
    h.wfile.write(b"0\r\n\r\n")
