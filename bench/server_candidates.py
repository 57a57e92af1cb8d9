"""The HTTP servers `bench/slow_clients.py` compares, each serving the same app as its
own process: `serve`'s WSGI application (`make_wsgi_app`: its routes and its request
gate, signature checks included) around the bare Bolt app of `bench/bare_bolt.py`, plus
a `/slow` command that acks after 1 s (to see whether a stop finishes it).

    PORT=… SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… \\
        python -m bench.server_candidates waitress|cheroot|uvicorn|granian

- waitress: `bot.runtime.server.HttpServer`, exactly as `idealoop serve` runs it;
- cheroot: the server `serve` used before, set up as it was (16 threads, 10 s timeout);
- uvicorn: the WSGI app behind a2wsgi's `WSGIMiddleware` (16 threads), keep-alive 5 s;
- granian: its WSGI interface, one worker, 16 blocking threads, a 5 s header deadline.

cheroot, uvicorn, a2wsgi and granian are not dependencies of idealoop: install them in
the virtualenv to compare (`pip install cheroot uvicorn a2wsgi granian`).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App

from bench.bare_bolt import create_bare_app
from bot.app import build_deps
from bot.config import Settings
from bot.runtime.server import HttpServer, make_wsgi_app
from bot.runtime.slack_http import MAX_BODY_BYTES, SlackRequestGate

CANDIDATES = ("waitress", "cheroot", "uvicorn", "granian")
THREADS = 16
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def candidate_app(settings: Settings) -> App:
    app = create_bare_app(settings)

    @app.command("/slow")
    def slow(ack: Ack) -> None:
        time.sleep(1.0)
        ack(text="finished")

    return app


def wsgi_app() -> Wsgi:
    settings = Settings.from_env()
    deps = build_deps(settings)
    return make_wsgi_app(candidate_app(settings), deps.health,
                         SlackRequestGate(settings.slack_signing_secret))


def granian_factory() -> Wsgi:
    """Granian imports its target in its worker process: `--factory` calls this there."""
    return wsgi_app()


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def run_waitress(port: int) -> None:
    settings = Settings.from_env()
    deps = build_deps(settings)
    HttpServer(candidate_app(settings), deps.health,
               signing_secret=settings.slack_signing_secret, port=port).run()


def run_cheroot(port: int) -> None:
    from cheroot import wsgi

    server = wsgi.Server(("127.0.0.1", port), wsgi_app(), numthreads=THREADS, max=THREADS,
                         request_queue_size=socket.SOMAXCONN)
    server.max_request_body_size = MAX_BODY_BYTES
    server.max_request_header_size = 64 * 1024
    server.prepare()
    stop = _stop_event()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    stop.wait()
    server.stop()


def run_uvicorn(port: int) -> None:
    import uvicorn
    from a2wsgi import WSGIMiddleware

    config = uvicorn.Config(WSGIMiddleware(wsgi_app(), workers=THREADS),  # type: ignore[arg-type]
                            host="127.0.0.1", port=port, log_level="warning",
                            timeout_keep_alive=5, timeout_graceful_shutdown=10,
                            h11_max_incomplete_event_size=64 * 1024, backlog=socket.SOMAXCONN)
    uvicorn.Server(config).run()  # handles SIGTERM: stops accepting, finishes requests


def run_granian(port: int) -> None:
    os.execv(sys.executable, [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--blocking-threads", str(THREADS), "--http", "1",
        "--http1-header-read-timeout", "5000", "--log-level", "warning",
        "--backlog", str(socket.SOMAXCONN), "bench.server_candidates:granian_factory"])


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "waitress"
    port = int(os.environ.get("PORT", "3000"))
    {"waitress": run_waitress, "cheroot": run_cheroot, "uvicorn": run_uvicorn,
     "granian": run_granian}[name](port)


if __name__ == "__main__":
    main()
