"""The faults a test scripts: delays, error answers, garbage bodies and cut connections.

Why on the wire: the app's retry, timeout and fallback code runs inside the SDK's
transport, so each fault is what a real client would see -- a status with OpenAI's error
body (and ``retry-after-ms``), a 200 whose body is not JSON, a socket shut mid-stream.
Every wait ends at once when the fake stops, so ``stop()`` never sits out a delay.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from testkit.fake_openai.errors import error_body
from testkit.fake_openai.script import Script
from testkit.fake_openai.server import Handler

_GARBAGE_PAGE = b"<html><body><h1>502 Bad Gateway</h1>not json at all</body></html>"


@dataclass(frozen=True)
class Fault:
    """What the script does to one request before (or instead of) answering it."""

    delay: float
    failing: bool
    fail_status: int
    fail_body: str | dict[str, Any] | None
    retry_after: float | None
    garbage: bool
    garbage_content_type: str | None


def draw_fault(script: Script) -> Fault:
    """Take this request's fault off the script (the caller holds the lock): a failure,
    else a garbage answer, each counting down its ``times``; the delay applies to all."""
    failing = script.fail_times > 0
    if failing:
        script.fail_times -= 1
    garbage = not failing and script.garbage_times > 0
    if garbage:
        script.garbage_times -= 1
    return Fault(delay=script.delay, failing=failing, fail_status=script.fail_status,
                 fail_body=script.fail_body, retry_after=script.fail_retry_after,
                 garbage=garbage, garbage_content_type=script.garbage_content_type)


def waited_out(h: Handler, seconds: float, stopping: threading.Event) -> bool:
    """Wait `seconds`; True (and the connection marked to close) if the fake stopped first."""
    if stopping.wait(seconds):
        h.close_connection = True
        return True
    return False


def send_failure(h: Handler, fault: Fault, headers: dict[str, str]) -> None:
    """Answer with the scripted status and body (OpenAI's error shape unless scripted)."""
    if fault.retry_after is not None:
        headers["retry-after-ms"] = str(int(fault.retry_after * 1000))
    payload = fault.fail_body
    if payload is None:
        try:
            reason = HTTPStatus(fault.fail_status).phrase
        except ValueError:
            reason = "Error"
        payload = error_body(fault.fail_status, f"Fake failure: {reason}")
    h.send_json(fault.fail_status, payload, extra_headers=headers)


def send_garbage(h: Handler, fault: Fault, body: Any, headers: dict[str, str]) -> None:
    """Answer 200 with an HTML page: as SSE ``data:`` for a stream (unless a content type
    was scripted), else as the body, labelled JSON unless a content type was scripted."""
    ctype = fault.garbage_content_type
    if ctype is None and isinstance(body, dict) and body.get("stream"):
        lines = [b"data: " + _GARBAGE_PAGE + b"\n\n", b"data: [DONE]\n\n"]
        h.send_sse_lines(lines, headers)
    else:
        h.send_raw(200, _GARBAGE_PAGE, ctype or "application/json", extra_headers=headers)


def cut(h: Handler) -> None:
    """Shut the connection mid-answer, leaving the chunked body unterminated: the client
    sees a truncated stream."""
    h.close_connection = True
    with contextlib.suppress(OSError):
        h.connection.shutdown(socket.SHUT_RDWR)
