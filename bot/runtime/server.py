"""`idealoop serve`: the app over HTTP (cheroot) or Socket Mode.

HTTP mode is a small WSGI application: `POST /slack/events` for everything Slack
sends (events, slash commands, interactivity), `GET /healthz` for load balancers.
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
from collections.abc import Callable, Iterable
from typing import Any

from cheroot import wsgi
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
StartResponse = Callable[..., Any]
# (healthy, what to say): whether the process can do its work, e.g. reach its database.
Health = Callable[[], tuple[bool, dict[str, Any]]]


def make_wsgi_app(app: App, health: Health) -> Callable[[dict[str, Any], StartResponse],
                                                    Iterable[bytes]]:
    """Route Slack's requests to Bolt and answer health checks; 404 for anything else."""
    slack = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "use POST"})
            try:
                return slack(environ, start_response)
            except Exception as exc:
                # Bolt parses the body before it checks the signature and does not expect
                # bodies Slack never sends (bad JSON, a JSON list): a 400, not a 500.
                log.warning("refused a malformed request on %s (%s)", EVENTS_PATH,
                            type(exc).__name__)
                return _json(start_response, "400 Bad Request", {"error": "malformed request"})
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy, report = health()
            status = "200 OK" if healthy else "503 Service Unavailable"
            return _json(start_response, status, report)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


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

    def __init__(self, app: App, health: Health, *, host: str = "0.0.0.0", port: int = 3000,
                 threads: int = 16) -> None:
        # A deep listen backlog: with cheroot's default of 5, a burst of new connections
        # overflows it and the kernel drops SYNs, which clients retry only after 1 s.
        self.server = _WsgiServer((host, port), make_wsgi_app(app, health), numthreads=threads,
                                  max=threads, server_name="idealoop",
                                  request_queue_size=socket.SOMAXCONN)
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
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
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
    """Connect to Slack over a WebSocket (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).start()
