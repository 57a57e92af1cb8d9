"""`idealoop serve`: the app over HTTP (cheroot) or Socket Mode (`bot.runtime.socket_mode`).

HTTP mode is a small WSGI application: `POST /slack/events` for everything Slack
sends (events, slash commands, interactivity), `GET /healthz` for load balancers, and,
when idealoop is installed by OAuth, Bolt's `GET /slack/install` (the "Add to Slack"
page) and `GET /slack/oauth_redirect` (where Slack sends the installer back).
Cheroot (CherryPy's production WSGI server, pure Python) serves it from a fixed pool of
request threads; each request only waits for the ack (listeners hand slow work to
`Jobs`), so a handful of threads keeps up with bursts while brainstorms wait on the LLM.
Cheroot starts and stops through its public API (`prepare`, `serve`, `stop`): a stop
finishes the requests in progress, then closes every socket.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any

from cheroot import wsgi
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.runtime.slack_http import MAX_BODY_BYTES, SlackRequest, SlackRequestGate

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
StartResponse = Callable[..., Any]
# (healthy, what to say): whether the process can do its work, e.g. reach its database.
Health = Callable[[], tuple[bool, dict[str, Any]]]


def make_wsgi_app(app: App, health: Health, gate: SlackRequestGate) \
        -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Route Slack's requests, checked by `gate`, to Bolt; answer health checks; 404 for
    anything else."""

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "use POST"})
            return _slack(app, gate, environ, start_response)
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy, report = health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _json(start_response, status, report)
        flow = app.oauth_flow
        if flow is not None and path in (flow.install_path, flow.redirect_uri_path):
            if method != "GET":
                return _json(start_response, "405 Method Not Allowed", {"error": "use GET"})
            return _oauth(app, path, environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return route


def _slack(app: App, gate: SlackRequestGate, environ: dict[str, Any],
           start_response: StartResponse) -> Iterable[bytes]:
    refused = gate.too_large(environ.get("CONTENT_LENGTH"))
    if refused is None:
        raw = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        headers = {key[5:].replace("_", "-"): str(value) for key, value in environ.items()
                   if key.startswith("HTTP_")}
        headers["Content-Type"] = str(environ.get("CONTENT_TYPE", ""))
        checked = gate.check(raw, headers)
        if isinstance(checked, SlackRequest):
            try:  # Bolt reads the payload's ids while building the request
                request = BoltRequest(body=checked.as_json(), headers=checked.headers,
                                      query=environ.get("QUERY_STRING", ""))
            except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
                log.warning("refused a payload Bolt cannot read (%s: %s)",
                            type(exc).__name__, exc)
                return _json(start_response, "400 Bad Request", {"error": "malformed request"})
            return _bolt(start_response, app.dispatch(request))
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


class _WsgiServer(wsgi.Server):
    """Cheroot's server with its error reports sent to logging instead of stderr
    (`error_log` is the documented hook for this). Tracebacks stay at DEBUG."""

    def error_log(self, msg: str = "", level: int = logging.INFO,
                  traceback: bool = False) -> None:
        log.log(level, "http server: %s", msg, exc_info=traceback and log.isEnabledFor(
            logging.DEBUG))


class HttpServer:
    """The WSGI app served on a port (0 picks a free one, for tests and the emulator)."""

    def __init__(self, app: App, health: Health, *, signing_secret: str | None,
                 host: str = "0.0.0.0", port: int = 3000, threads: int = 16) -> None:
        # A deep listen backlog: with cheroot's default of 5, a burst of new connections
        # overflows it and the kernel drops SYNs, which clients retry only after 1 s.
        wsgi_app = make_wsgi_app(app, health, SlackRequestGate(signing_secret))
        self.server = _WsgiServer((host, port), wsgi_app, numthreads=threads,
                                  max=threads, server_name="idealoop",
                                  request_queue_size=socket.SOMAXCONN)
        self.server.max_request_body_size = MAX_BODY_BYTES  # cheroot answers 413 past it
        self.server.max_request_header_size = 64 * 1024
        self.server.prepare()  # binds now, so `port` is known before serving
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.bind_addr[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    def start(self) -> HttpServer:
        """Serve from a background thread; `close()` stops it."""
        self._thread = threading.Thread(target=self.server.serve, name="idealoop-http",
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

    def close(self) -> None:
        """Stop accepting, finish requests in progress, close every socket."""
        self.server.stop()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)


def serve_socket_mode(app: App, app_token: str) -> None:
    """Connect to Slack over a WebSocket (no public URL needed) until SIGTERM or SIGINT,
    then disconnect: Slack sends nothing more to this process, and the caller stops the
    rest gracefully."""
    from bot.runtime.socket_mode import SocketModeConnection

    SocketModeConnection(app, app_token).run()


def on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (call from the main thread)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop
