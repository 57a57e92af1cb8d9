"""What the emulated Web API remembers and how it misbehaves on purpose: every call is
recorded (tests assert on bodies, and wait on calls instead of sleeping), and injected
faults make the next calls fail in the ways real Slack does — including after it acted."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bot.emulator.transport import DROPPED, Response, json_response

HOLD_LIMIT = 30.0  # seconds a held call waits at most, so a failed test cannot hang


@dataclass(frozen=True)
class Call:
    """One recorded HTTP call: ``params`` already decoded (JSON strings in forms parsed).

    ``at`` is ``time.monotonic()`` on arrival, so tests can measure retry spacing.
    ``failed`` marks calls Slack did not act on: answered by an injected fault (state
    untouched) or, with ``throttled``, refused by a rate limit (HTTP 429).
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    failed: bool = False
    status: int = 200
    response: dict[str, Any] | None = field(default=None, compare=False)
    throttled: bool = False


@dataclass
class Fault:
    """A pending injected failure (see :meth:`CallLog.fail`)."""

    method: str
    times: int
    status: int
    retry_after: float | None
    error: str | None
    delay: float
    garbage: bool
    after_effect: bool = False  # the call takes effect, then the answer fails
    drop: bool = False  # the connection closes without an answer
    after: int = 0  # matching calls still to let through before this fault applies
    held: threading.Event | None = None  # the call waits until the test sets it

    @property
    def handles_normally(self) -> bool:
        """A pure delay or hold still handles the call (it just arrives late)."""
        return (self.error is None and not self.garbage
                and (self.delay > 0 or self.held is not None)
                and self.status == 0 and not self.drop)




class CallLog:
    """The recording and fault-injection half of :class:`~bot.emulator.web_api.SlackApiServer`."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._faults: list[Fault] = []
        self._cond = threading.Condition(threading.Lock())

    # ------------------------------------------------------------- recording

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every recorded call (including injected failures), in arrival order."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str, *, include_failed: bool = False) -> list[Call]:
        """Recorded calls to ``method``; injected failures are excluded unless asked for."""
        with self._cond:
            return [c for c in self._calls
                    if c.method == method and (include_failed or not c.failed)]

    def clear_calls(self) -> None:
        """Forget recorded calls (e.g. after test setup traffic)."""
        with self._cond:
            self._calls.clear()

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, *, include_failed: bool = False
    ) -> list[Call]:
        """Block until ``count`` non-failed calls to ``method`` are recorded; return them.

        For asynchronous code under test (Bolt handlers run on their own threads) this
        replaces sleeps. Calls are recorded before the HTTP response is written, so by the
        time this returns, the state change is visible too.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matched = [c for c in self._calls
                           if c.method == method and (include_failed or not c.failed)]
                if len(matched) >= count:
                    return matched
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(
                        f"{c.method}{'(failed)' if c.failed else ''}" for c in self._calls
                    ) or "none"
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} call(s) to "
                        f"{method!r}; got {len(matched)}. Calls seen: {seen}"
                    )
                self._cond.wait(remaining)

    def record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    # ------------------------------------------------------------- faults

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        times: int = 1,
        retry_after: float | None = None,
        error: str | None = None,
        delay: float = 0.0,
        garbage: bool = False,
        after_effect: bool = False,
        drop: bool = False,
        after: int = 0,
        held: threading.Event | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (``"*"`` = any) misbehave.

        Exactly one behaviour applies, first match wins:

        * ``drop=True`` - the connection closes with no answer at all (Slack unreachable
          mid-call: the client sees a connection error);
        * ``garbage=True`` - HTTP 200 with a non-JSON (HTML) body;
        * ``error="..."`` - HTTP 200 ``{"ok": false, "error": error}``;
        * ``status`` or ``retry_after`` - that HTTP status (default 500; 429 when only
          ``retry_after`` is given) with a ``Retry-After`` header if ``retry_after`` is set;
        * only ``delay`` - sleep, then handle the call normally (for client timeouts);
        * only ``held`` - wait until the test sets the event (at most `HOLD_LIMIT`
          seconds), then handle the call normally: the test acts while the caller waits
          on Slack, at exactly that point, with no sleeping on either side.

        ``delay`` and ``held`` also apply before the other behaviours. Failures change no state,
        unless ``after_effect=True``: then the call is carried out (the message is
        posted) and only its answer fails — what a client sees when Slack did the work
        but the answer was lost. With ``after=N`` the first N matching calls pass before
        the fault applies. Faults queue in order; the first pending one matching the
        method is consumed.
        """
        if times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        if status is None:
            if retry_after is not None:
                status = 429
            elif error is None and not garbage and not drop and (delay > 0 or held):
                status = 0  # pure delay or hold
            else:
                status = 500
        with self._cond:
            self._faults.append(Fault(method, times, status, retry_after, error, delay, garbage,
                                       after_effect, drop, after, held))

    def faults_left(self) -> int:
        """How many injected failures are still to happen (0 once each has met its call:
        with a `delay` or `held`, as soon as the delayed call arrives)."""
        with self._cond:
            return sum(fault.times for fault in self._faults)

    def clear_faults(self) -> None:
        """Drop all pending injected failures."""
        with self._cond:
            self._faults.clear()

    def take_fault(self, method: str) -> Fault | None:
        with self._cond:
            for fault in self._faults:
                if fault.method in (method, "*") and fault.times > 0:
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    @staticmethod
    def fault_response(fault: Fault) -> Response:
        if fault.drop:
            return DROPPED, {}, b""
        if fault.garbage:
            body = b"<html><body><h1>502 Bad Gateway</h1>emulated garbage</body></html>"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, body
        if fault.error is not None:
            return json_response(200, {"ok": False, "error": fault.error})
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
        error = "ratelimited" if fault.status == 429 else "internal_error"
        status, base_headers, body = json_response(fault.status, {"ok": False, "error": error})
        return status, {**base_headers, **headers}, body
