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
from testkit.slow_clients import SlowClients
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


def test_a_request_still_being_sent_after_the_deadline_gets_408_and_is_closed(
        deps: Deps, slack: SlackApiServer) -> None:
    """Its deadline counts from its first byte, whatever trickles after it: a header sent
    a byte at a time and a body that stops short are both cut off, while a request that
    arrives whole is answered. An idle connection is closed without an answer."""
    app = App(client=WebClient(token="xoxb-test", base_url=slack.url),
              request_verification_enabled=False)
    server = HttpServer(app, deps.health, signing_secret=SECRET, host="127.0.0.1", port=0,
                        read_deadline=1.0, idle_timeout=2.0).start()
    try:
        with SlowClients(server.port, idle=2, loris=2, short_body=2, pace=0.2,
                         limit=20) as attack:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz",
                                        timeout=10) as answer:
                assert answer.status == 200

            def cut_off() -> None:
                assert attack.open() == 0

            eventually(cut_off, timeout=15, interval=0.05)
    finally:
        server.close()
    assert [held.status for held in attack.of("loris")] == [408, 408]
    assert [held.status for held in attack.of("short body")] == [408, 408]
    assert [held.answer for held in attack.of("idle")] == [b"", b""]
    held = attack.longest_held("loris")
    assert held is not None and held >= 1.0
