"""`idealoop serve`: the app over HTTP (waitress) or Socket Mode (`bot.runtime.socket_mode`).

HTTP mode is a small WSGI application: `POST /slack/events` for everything Slack
sends (events, slash commands, interactivity), `GET /healthz` for load balancers,
`GET /metrics` for Prometheus (`bot.metrics`), and,
when idealoop is installed by OAuth, Bolt's `GET /slack/install` (the "Add to Slack"
page) and `GET /slack/oauth_redirect` (where Slack sends the installer back).

Waitress serves it. Its one I/O loop reads every connection's request, headers and
body, in full before a request thread sees it, so the 16 threads only ever run
requests that are ready: an idle or slow client holds a socket, never a thread. Each
request only waits for the ack (listeners hand slow work to `Jobs`).

What a client can hold (the fault model; docs/operating.md has it with the measured figures):

- a connection with no request under way: `IDLE_TIMEOUT_SECONDS`, then it is closed
  (waitress's `channel_timeout`);
- a request being sent: `READ_DEADLINE_SECONDS` from its first byte for its headers and
  body together, then 408 and close. Waitress alone has no such deadline: its idle
  timeout restarts with every byte, so one byte a second held a socket for ever. The
  deadline is checked in waitress's own `maintenance` hook, once a second;
- at most `connection_limit()` connections at once; past that waitress stops accepting
  (new ones wait in the listen backlog) until one closes;
- headers up to 64 KiB (431 past it), a body up to `MAX_BODY_BYTES` (413 past it,
  before it is read; `SlackRequestGate` refuses the same).

Why waitress: `python -m bench.slow_clients --candidates` serves this WSGI app, around a
bare Bolt app, on waitress, cheroot (the server before), uvicorn (with a2wsgi) and
granian. With 200 idle, 64 slow-loris and 4 short-body connections held open, the
slowest of 5 reaction acks took 29 ms, none within 15 s, 26 ms and 15 ms, and each cut
off 268, 16, 0 and 264 of the 268 within 15 s; with nothing held, they acked 1,257,
1,190, 931 and 2,848 reactions a second. cheroot waits for each connection's request
in one of its request threads; uvicorn closed none of the idle or slow connections;
uvicorn and granian both give a body that stops short one of their WSGI threads until
it ends (16 such connections: no ack within 15 s, no `/healthz`; waitress 7 ms); and
granian runs the app in worker processes of its own, where `serve`'s job pool,
scheduler and signal handling would have to move. Waitress is pure Python, runs in
this process, and its `maintenance` hook takes the missing total deadline in a few
lines. That hook, the `channel_class` attribute and the trigger used by `close()` are
waitress internals, not documented API: pyproject bounds waitress below 4, and the
tests stop a real `serve` and cut off real slow clients.

A stop (SIGTERM) closes the listening socket first, lets the requests in progress
finish (those still being read get until their deadline; all of them together at most
`STOP_TIMEOUT_SECONDS`), then closes every connection and stops the request threads.
"""

from __future__ import annotations

import json
import logging
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.metrics import ack as count_ack
from bot.runtime.entry import Unreadable, answer
from bot.runtime.slack_http import (
    MAX_BODY_BYTES,
    UNVERIFIED,
    SlackRequest,
    SlackRequestGate,
)

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
READ_DEADLINE_SECONDS = 5.0  # a request's headers and body, from its first byte
IDLE_TIMEOUT_SECONDS = 10.0  # a connection with no request under way
STOP_TIMEOUT_SECONDS = 10.0  # how long a stop waits for the requests in progress
MAX_CONNECTIONS = 1000
MAX_HEADER_BYTES = 64 * 1024
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
StartResponse = Callable[..., Any]
# (healthy, what to say): whether the process can do its work, e.g. reach its database.
Health = Callable[[], tuple[bool, dict[str, Any]]]
# The text of a Prometheus scrape (`bot.metrics.render`, through `Deps.metrics`).
Metrics = Callable[[], bytes]


def make_wsgi_app(app: App | None, health: Health, gate: SlackRequestGate,
                  metrics: Metrics | None = None) \
        -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Route Slack's requests, checked by `gate`, to Bolt (each ack counted and timed);
    answer health checks and, given `metrics`, Prometheus scrapes; 404 for anything else.
    With no `app` (a worker process, Socket Mode's health port) only the last two."""

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if app is None:
            return _status_only(path, method, start_response)
        if path == EVENTS_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "use POST"})
            return _counted(app, gate, environ, start_response)
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy, report = health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _json(start_response, status, report)
        if path == METRICS_PATH and metrics is not None:
            if method not in ("GET", "HEAD"):
                return _json(start_response, "405 Method Not Allowed", {"error": "use GET"})
            return _metrics(metrics, start_response, head=method == "HEAD")
        flow = app.oauth_flow
        if flow is not None and path in (flow.install_path, flow.redirect_uri_path):
            if method != "GET":
                return _json(start_response, "405 Method Not Allowed", {"error": "use GET"})
            return _oauth(app, path, environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    def _status_only(path: str, method: str,
                     start_response: StartResponse) -> Iterable[bytes]:
        if path in (HEALTH_PATH, METRICS_PATH) and method not in ("GET", "HEAD"):
            return _json(start_response, "405 Method Not Allowed", {"error": "use GET"})
        if path == HEALTH_PATH:
            healthy, report = health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _json(start_response, status, report)
        if path == METRICS_PATH and metrics is not None:
            return _metrics(metrics, start_response, head=method == "HEAD")
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return route


def _metrics(metrics: Metrics, start_response: StartResponse, *, head: bool) -> list[bytes]:
    """A scrape: the query string and headers are ignored (nothing a client sends picks
    a series or a label), so the answer is the same few kilobytes for anyone."""
    body = metrics()
    start_response("200 OK", [("Content-Type", METRICS_CONTENT_TYPE),
                              ("Content-Length", str(len(body)))])
    return [] if head else [body]


def _counted(app: App, gate: SlackRequestGate, environ: dict[str, Any],
             start_response: StartResponse) -> Iterable[bytes]:
    """`_slack`, with its answer counted by surface and status class, and timed from the
    request read in full (waitress reads it before a thread sees it) to the answer. A
    request that passed the gate is counted where Socket Mode's are too
    (`bot.runtime.entry.answer`); one refused before is counted here, as "unverified"."""
    started = time.perf_counter()
    seen: dict[str, Any] = {}

    def answer(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        seen["status"] = int(status.split(" ", 1)[0])
        return start_response(status, headers, *rest)

    try:
        return _slack(app, gate, environ, answer, seen, started)
    finally:  # a request that raised is answered 500 by waitress, and counted so here
        if not seen.get("counted"):
            count_ack(UNVERIFIED, seen.get("status", 500), time.perf_counter() - started)


def _slack(app: App, gate: SlackRequestGate, environ: dict[str, Any],
           start_response: StartResponse, seen: dict[str, Any],
           started: float) -> Iterable[bytes]:
    refused = gate.too_large(environ.get("CONTENT_LENGTH"))
    if refused is None:
        raw = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        headers = {key[5:].replace("_", "-"): str(value) for key, value in environ.items()
                   if key.startswith("HTTP_")}
        headers["Content-Type"] = str(environ.get("CONTENT_TYPE", ""))
        checked = gate.check(raw, headers)
        if isinstance(checked, SlackRequest):
            seen["counted"] = True  # by `answer`, however it ends
            try:
                response = answer(app, checked.body, started=started,
                                  json_text=checked.as_json, headers=checked.headers,
                                  query=environ.get("QUERY_STRING", ""))
            except Unreadable:
                return _json(start_response, "400 Bad Request", {"error": "malformed request"})
            return _bolt(start_response, response)
        refused = checked
    return _json(start_response, refused.status, {"error": refused.error})


def _oauth(app: App, path: str, environ: dict[str, Any],
           start_response: StartResponse) -> Iterable[bytes]:
    """The install page and the redirect back from Slack: Bolt's OAuth flow (its state
    cookie and its state store, in idealoop's database, guard against forged
    redirects). A database that is away is a 503 page, not a traceback."""
    flow = app.oauth_flow
    assert flow is not None
    headers: dict[str, str | Sequence[str]] = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items() if key.startswith("HTTP_")}
    request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
    try:
        response = (flow.handle_installation(request) if path == flow.install_path
                    else flow.handle_callback(request))
    except Exception as exc:  # the database behind the state and installation stores
        log.warning("the OAuth flow failed at %s: %s", path, type(exc).__name__)
        return _json(start_response, "503 Service Unavailable",
                     {"error": "installation is unavailable; try again in a minute"})
    return _bolt(start_response, response)


def _bolt(start_response: StartResponse, response: BoltResponse) -> list[bytes]:
    body = (response.body if isinstance(response.body, str) else json.dumps(response.body))
    payload = body.encode()
    headers = [(name, value) for name, values in response.headers.items()
               for value in values if name.lower() != "content-length"]
    headers.append(("Content-Length", str(len(payload))))
    start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
    return [payload]


def _json(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


_TIMED_OUT_BODY = json.dumps({"error": "request too slow"}).encode()
TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
             b"Content-Type: application/json\r\n"
             + f"Content-Length: {len(_TIMED_OUT_BODY)}\r\n\r\n".encode() + _TIMED_OUT_BODY)


class _DeadlineChannel(HTTPChannel):
    """Waitress's connection with a clock on the request being read: `reading_since` is
    when its first byte arrived (None between requests). `received` runs in the I/O loop,
    so setting it costs nothing and needs no lock."""

    reading_since: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None and data and self.reading_since is None:
            self.reading_since = time.monotonic()
        accepted = bool(HTTPChannel.received(self, data))
        if self.request is None:  # every request in `data` was read in full
            self.reading_since = None
        return accepted

    def time_out(self) -> None:
        """Answer 408 and close once it is sent (the I/O loop flushes it): the same path
        waitress takes for its own `100 Continue` line. A client that reads nothing is
        closed by the idle timeout."""
        payload = TIMED_OUT
        with self.outbuf_lock:
            self.outbufs[-1].append(payload)
            self.current_outbuf_count += len(payload)
            self.total_outbufs_len += len(payload)
        self.request = None
        self.reading_since = None
        self.close_when_flushed = True


class _Server(TcpWSGIServer):
    """Waitress's TCP server with two additions, both in its I/O loop:

    - `maintenance` (waitress's own hook, run every `cleanup_interval`) also cuts off a
      request that is still being read `read_deadline` seconds after its first byte.
      Waitress's `channel_timeout` alone is an idle timeout: a client that sends one byte
      every few seconds resets it forever.
    - `channel_class` records when each request's reading began (`_DeadlineChannel`).
    """

    channel_class = _DeadlineChannel

    def __init__(self, application: Any, *, read_deadline: float, **adjustments: Any) -> None:
        self.read_deadline = read_deadline
        TcpWSGIServer.__init__(self, application, **adjustments)

    def maintenance(self, now: float) -> None:
        TcpWSGIServer.maintenance(self, now)
        cutoff = time.monotonic() - self.read_deadline
        late = [channel for channel in list(self.active_channels.values())
                if isinstance(channel, _DeadlineChannel) and not channel.requests
                and channel.reading_since is not None and channel.reading_since < cutoff]
        for channel in late:
            channel.time_out()
        if late:
            log.info("cut off %d connection(s) still sending a request after %.0f s (408)",
                     len(late), self.read_deadline)

    def in_progress(self) -> int:
        """Connections with a request being read, queued, run or answered."""
        return sum(1 for channel in list(self.active_channels.values())
                   if channel.requests or channel.total_outbufs_len
                   or getattr(channel, "reading_since", None) is not None)


def connection_limit() -> int:
    """How many connections the server holds open at most: `MAX_CONNECTIONS`, or fewer
    when the process may open fewer files (each connection is one; the database, the
    log and Python need some too). Past the limit waitress stops accepting until one
    closes, instead of failing `accept()` in a loop."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(64, min(MAX_CONNECTIONS, soft - 128))


class HttpServer:
    """The WSGI app served on a port (0 picks a free one, for tests and the emulator).
    With no `app`: `/healthz` and `/metrics` only (`idealoop worker`, Socket Mode)."""

    def __init__(self, app: App | None, health: Health, *, signing_secret: str | None,
                 host: str = "0.0.0.0", port: int = 3000, threads: int = 16,
                 read_deadline: float = READ_DEADLINE_SECONDS,
                 idle_timeout: float = IDLE_TIMEOUT_SECONDS,
                 metrics: Metrics | None = None) -> None:
        wsgi_app = make_wsgi_app(app, health, SlackRequestGate(signing_secret), metrics)
        self.server = _Server(
            wsgi_app, read_deadline=read_deadline, host=host, port=port, threads=threads,
            ident="idealoop",
            channel_timeout=idle_timeout,  # idle: no byte read or written for this long
            cleanup_interval=1,  # how often both timeouts are checked
            connection_limit=connection_limit(),
            backlog=socket.SOMAXCONN,  # a burst of new connections waits, not dropped
            asyncore_use_poll=True,  # select() cannot watch file numbers past 1023
            max_request_header_size=MAX_HEADER_BYTES,  # waitress answers 431 past it
            max_request_body_size=MAX_BODY_BYTES,  # waitress answers 413 past it
            expose_tracebacks=False)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    def start(self) -> HttpServer:
        """Serve from a background thread; `close()` stops it."""
        self._thread = threading.Thread(target=self.server.run, name="idealoop-http",
                                        daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT, then stop gracefully. Call from the main thread."""
        stop = on_signals()
        self.start()
        stop.wait()
        log.info("stopping: finishing requests in progress")
        self.close()

    def close(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop accepting, finish requests in progress (those being read get until their
        deadline), then close every socket and stop the request threads."""
        server = self.server
        if self._thread is None or not self._thread.is_alive():
            TcpWSGIServer.close(server)
            server.task_dispatcher.shutdown()
            return
        stopped_listening = threading.Event()

        def stop_listening() -> None:  # in the I/O loop, which owns the sockets
            server.accepting = False
            wasyncore.dispatcher.close(server)  # the listening socket; the trigger stays
            stopped_listening.set()

        server.trigger.pull_trigger(stop_listening)
        stopped_listening.wait(timeout)
        deadline = time.monotonic() + timeout
        while server.in_progress() and time.monotonic() < deadline:
            time.sleep(0.02)
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        server.task_dispatcher.shutdown(timeout=timeout)


def serve_socket_mode(app: App, app_token: str,
                      status: Callable[[], HttpServer] | None = None) -> None:
    """Connect to Slack over a WebSocket (no public URL needed) until SIGTERM or SIGINT,
    then disconnect: Slack sends nothing more to this process, and the caller stops the
    rest gracefully. `status` makes the server of `/healthz` and `/metrics` (no `app`),
    served once the connection is open, and closed after it."""
    from bot.runtime.socket_mode import SocketModeConnection

    SocketModeConnection(app, app_token).run(status)


def serve_status(status: HttpServer, stop: threading.Event | None = None) -> None:
    """Serve `status` (no Slack endpoint: a worker process) until SIGTERM or SIGINT or
    `stop`, then close it."""
    stop = stop or on_signals()
    status.start()
    stop.wait()
    status.close()


def on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (call from the main thread)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop
