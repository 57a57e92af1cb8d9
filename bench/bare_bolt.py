"""The baseline: a bare Bolt app on the same HTTP server (`bot.runtime.server.HttpServer`).

Its listeners do nothing but acknowledge: `/brainstorm` acks, `app_mention` and
`reaction_added` are acknowledged by Bolt and do nothing. No database claim, no Slack
call, no background job. The benchmarks run it in-process (`create_bare_app`) and, like
`idealoop serve`, as its own process:

    SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… SLACK_API_URL=… PORT=… \\
        python -m bench.bare_bolt [waitress|stdlib]

`stdlib` serves it on Bolt's own development server (`App.start`: the standard library's
`http.server`, one thread, Bolt checking signatures itself) instead: idealoop's server
has to hold connections a one-thread server cannot (see `bot.runtime.server`), but it is
the fastest a bare Bolt app acks on these cores, so `bench/ingest.py` compares with it
too ("its fastest server").
"""

from __future__ import annotations

import socket
import socketserver
import sys

from slack_bolt import Ack, App

from bot.app import build_deps, close_deps, make_client
from bot.config import Settings
from bot.runtime.server import HttpServer


def create_bare_app(settings: Settings, *, verify: bool = False) -> App:
    """Bolt with its defaults (5 listener threads) and listeners that only ack. `verify`:
    Bolt checks signatures itself (no gate in front of it)."""
    app = App(client=make_client(settings), request_verification_enabled=verify,
              signing_secret=settings.slack_signing_secret if verify else None)

    @app.command("/brainstorm")
    def brainstorm(ack: Ack) -> None:
        ack()

    @app.event("app_mention")
    def app_mention() -> None:
        return None

    @app.event("reaction_added")
    def reaction_added() -> None:
        return None

    return app


def main() -> None:
    """Serve the bare app on PORT until SIGTERM, as `idealoop serve` serves the real one.
    `deps` only backs /healthz (`SELECT 1` on DATABASE_URL)."""
    settings = Settings.from_env()
    if sys.argv[1:] == ["stdlib"]:  # no /healthz: the benchmark waits for the port
        # Its listen backlog is 5 (socketserver's default): more senders than that had
        # their connections dropped and retried a second later, which measured the
        # backlog, not the server. The same server with the backlog `serve` has.
        socketserver.TCPServer.request_queue_size = socket.SOMAXCONN
        create_bare_app(settings, verify=True).start(port=settings.port,
                                                     http_server_logger_enabled=False)
        return
    deps = build_deps(settings)
    try:
        HttpServer(create_bare_app(settings), deps.health,
                   signing_secret=settings.slack_signing_secret, port=settings.port).run()
    finally:
        close_deps(deps)


if __name__ == "__main__":
    main()
