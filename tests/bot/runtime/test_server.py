"""`serve`'s HTTP server: a stop lets requests in progress finish, then refuses new ones.

The server under test is the real one; the Bolt app behind it is a small one whose
`/slow` command holds its ack until the test lets it go, so a request is provably in
progress when the stop begins.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import build_deps, close_deps
from bot.config import Settings
from bot.deps import Deps
from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from bot.runtime.server import HttpServer
from testkit.processes import free_port
from testkit.waiting import eventually

SECRET = "server-test-secret"


@pytest.fixture
def deps(tmp_path: Path) -> Iterator[Deps]:
    deps = build_deps(Settings(database_url=f"sqlite:///{tmp_path}/server.db"))
    yield deps
    close_deps(deps)


def refuses_connections(port: int) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return
    raise AssertionError("still accepting connections")


def test_close_finishes_the_request_in_progress_then_refuses_new_ones(
        deps: Deps, slack: SlackApiServer) -> None:
    entered, release = threading.Event(), threading.Event()
    app = App(client=WebClient(token="xoxb-test", base_url=slack.url),
              request_verification_enabled=False)

    @app.command("/slow")
    def slow(ack: Ack) -> None:
        entered.set()
        release.wait(10)
        ack(text="finished")

    server = HttpServer(app, deps.health, signing_secret=SECRET, host="127.0.0.1", port=0).start()
    sender = SlackSender(server.url, SECRET)
    with ThreadPoolExecutor(2) as pool:
        reply = pool.submit(sender.command, "now", command="/slow")
        assert entered.wait(10)
        closing = pool.submit(server.close)
        eventually(lambda: refuses_connections(server.port), timeout=10)
        assert not closing.done()  # the stop waits for the request in progress
        release.set()
        answered = reply.result(timeout=10)
        closing.result(timeout=15)
    assert answered.status == 200 and "finished" in answered.body


def test_health_is_503_while_the_database_is_unreachable(slack: SlackApiServer) -> None:
    url = f"postgresql+psycopg://nobody:secret@127.0.0.1:{free_port()}/none"
    deps = build_deps(Settings(database_url=url))
    app = App(client=WebClient(token="xoxb-test", base_url=slack.url),
              request_verification_enabled=False)
    server = HttpServer(app, deps.health, signing_secret=SECRET, host="127.0.0.1", port=0).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=10)
    finally:
        server.close()
        close_deps(deps)
    assert answer.value.code == 503
    assert json.loads(answer.value.read()) == {"ok": False, "database": "unavailable"}
