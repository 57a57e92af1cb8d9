"""The baseline: a bare Bolt app on the same HTTP server (`bot.runtime.server.HttpServer`).

Its listeners do nothing but acknowledge: `/brainstorm` acks, `app_mention` and
`reaction_added` are acknowledged by Bolt and do nothing. No database claim, no Slack
call, no background job. The benchmarks run it in-process (`create_bare_app`) and, like
`idealoop serve`, as its own process:

    SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… SLACK_API_URL=… PORT=… \\
        python -m bench.bare_bolt
"""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.app import build_deps, close_deps, make_client
from bot.config import Settings
from bot.runtime.server import HttpServer


def create_bare_app(settings: Settings) -> App:
    """Bolt with its defaults (5 listener threads) and listeners that only ack."""
    app = App(client=make_client(settings), request_verification_enabled=False)

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
    deps = build_deps(settings)
    try:
        HttpServer(create_bare_app(settings), deps.health,
                   signing_secret=settings.slack_signing_secret, port=settings.port).run()
    finally:
        close_deps(deps)


if __name__ == "__main__":
    main()
