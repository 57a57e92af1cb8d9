"""The one way in for what Slack sends, over HTTP and Socket Mode alike: `answer`.

A request that passed its transport's checks (over HTTP: size, signature, parsing and
shape, `bot.runtime.slack_http`; over Socket Mode: Slack's own connection, and the same
size and shape checks, `bot.runtime.socket_mode`) arrives here as a parsed payload.
The app's fast path, when it has one (`bot.app.ScopedApp.fast_path`: reactions,
`handlers.reactions.fast_path`), may answer it without Bolt's middleware chain;
everything else, and anything the fast path is not sure of, goes through Bolt
(`App.dispatch`).

Every answer is counted here, once, by surface and status class, timed from `started`
(taken by the transport before any of the request's work: over HTTP once the body is
read, over Socket Mode once the envelope is) to the answer being ready
(`bot.metrics.ack`); answers taken by a fast path are counted as such too
(`bot.metrics.fast_path`), so an operator, a test or a benchmark can see it is used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.metrics import ack as count_ack
from bot.metrics import fast_path as count_fast_path
from bot.runtime.slack_http import ack_surface

log = logging.getLogger(__name__)

#: A fast path: the answer to a payload, or None to leave it to Bolt.
FastPath = Callable[[dict[str, Any]], BoltResponse | None]
#: Bolt reads the payload's ids while building the request: these mean a shape it
#: cannot read (both transports refuse most of them first, `slack_http.payload_problem`).
UNREADABLE = (AttributeError, TypeError, KeyError, IndexError, ValueError)


class Unreadable(Exception):
    """Bolt could not read the payload's ids: answered 400 over HTTP, acked unhandled
    over Socket Mode."""


def answer(app: App, body: dict[str, Any], *, started: float,
           json_text: Callable[[], str] | None = None,
           headers: Mapping[str, str | Sequence[str]] | None = None, query: str = "",
           mode: str = "http") -> BoltResponse:
    """The app's answer to `body`, counted and timed from `started` (`time.perf_counter`).
    `json_text` gives `body` as JSON text, for Bolt over HTTP (asked only when Bolt
    answers); `mode` is Bolt's ("http" or "socket_mode")."""
    surface = ack_surface(body)
    status = 500  # an exception is answered 500 (waitress) or not acked (Socket Mode)
    try:
        fast: FastPath | None = getattr(app, "fast_path", None)
        response = fast(body) if fast is not None else None
        if response is not None:
            count_fast_path(surface)
        else:
            response = app.dispatch(_bolt_request(body, json_text, headers, query, mode))
        status = response.status
        return response
    except Unreadable:
        status = 400
        raise
    finally:
        count_ack(surface, status, time.perf_counter() - started)


def _bolt_request(body: dict[str, Any], json_text: Callable[[], str] | None,
                  headers: Mapping[str, str | Sequence[str]] | None, query: str,
                  mode: str) -> BoltRequest:
    try:
        if mode == "socket_mode":
            return BoltRequest(mode=mode, body=body, headers=dict(headers or {}) or None)
        return BoltRequest(body=json_text() if json_text is not None else body,
                           headers=dict(headers or {}), query=query)
    except UNREADABLE as exc:
        log.warning("refused a payload Bolt cannot read (%s: %s)", type(exc).__name__, exc)
        raise Unreadable(type(exc).__name__) from None
