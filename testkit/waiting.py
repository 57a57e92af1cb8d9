"""Waiting on conditions, never on sleeps: events are handled after the ack, in threads."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.01) -> T:
    """Poll `check` until it stops raising AssertionError; its last error if time runs out.

    The default deadline is generous: it only bounds how long a failing test waits, and
    a busy machine (tests in parallel workers, pytest -n) takes seconds for what an idle
    one does at once. A test asserting speed passes its own `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(interval)


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll `check` until it is true; False if it never was within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()
