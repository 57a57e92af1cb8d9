"""`idealoop serve`: the app over HTTP (waitress) or Socket Mode.

HTTP mode is a small WSGI application: `POST /slack/events` for everything Slack
sends (events, slash commands, interactivity), `GET /healthz` for load balancers.
Waitress is a production WSGI server with a fixed pool of request threads; each
request only waits for the ack (listeners hand slow work to `Jobs`), so a handful of
threads keeps up with bursts while brainstorms wait on the LLM.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

from bot.deps import Deps

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
StartResponse = Callable[..., Any]


def make_wsgi_app(app: App, deps: Deps) -> Callable[[dict[str, Any], StartResponse],
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
            return _health(deps, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


def _health(deps: Deps, start_response: StartResponse) -> Iterable[bytes]:
    try:
        deps.store.ping()
    except Exception as exc:  # any database failure means "not healthy", said plainly
        log.warning("health check: database unavailable: %s", type(exc).__name__)
        return _json(start_response, "503 Service Unavailable",
                     {"ok": False, "database": "unavailable"})
    return _json(start_response, "200 OK",
                 {"ok": True, "database": "ok", "jobs_pending": deps.jobs.pending})


def _json(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


class HttpServer:
    """Waitress serving the WSGI app on a port (0 picks a free one, for tests)."""

    def __init__(self, app: App, deps: Deps, *, host: str = "0.0.0.0", port: int = 3000,
                 threads: int = 16) -> None:
        self.server = create_server(make_wsgi_app(app, deps), host=host, port=port,
                                    threads=threads, ident="idealoop")
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT (when called in the main thread) or `close()`."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, _exit_quietly)
        try:
            self.server.run()  # returns on SystemExit after draining its request threads
        except (OSError, ValueError):
            pass  # the sockets were closed under the loop by close()
        finally:
            wasyncore.close_all(self.server._map)  # type: ignore[union-attr]

    def start(self) -> HttpServer:
        """Serve from a background thread (tests, the emulator)."""
        self._thread = threading.Thread(target=self.run, name="idealoop-http", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop from another thread: finish requests in progress, close every socket."""
        self.server.task_dispatcher.shutdown()  # type: ignore[union-attr]
        wasyncore.close_all(self.server._map)  # type: ignore[union-attr]
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


def _exit_quietly(*_: object) -> None:
    raise SystemExit(0)


def serve_socket_mode(app: App, app_token: str) -> None:
    """Connect to Slack over a WebSocket (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).start()
