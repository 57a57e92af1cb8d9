"""`idealoop serve` with OAuth, as the open internet meets it, as its own process: a flood
of unauthenticated install-page loads leaves the state table bounded (and a real install
still completes), and nothing a request carries can forge a log line, flood the log, or
bring a secret into it."""

from __future__ import annotations

import contextlib
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import text

from bot.emulator.slack_requests import SlackSender
from bot.emulator.web_api import SlackApiServer
from bot.runtime.log_format import TRACEBACK_PREFIX
from storage.db import make_engine
from testkit.app import SECRET
from testkit.processes import ServeProcess

CLIENT_ID, CLIENT_SECRET = "1234.5678", "oauth-test-secret"
TEAM = "T0BLUE"
FLOOD = 1000
# A record starts with its time stamp; a traceback's lines with the prefix.
RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


@pytest.fixture
def serve(slack: SlackApiServer, tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Start `idealoop serve` with OAuth on `database_url`, at `level` (DEBUG is the most
    Bolt ever writes; slack_sdk stays at WARNING whatever the level)."""
    slack.enable_oauth(CLIENT_ID, CLIENT_SECRET)
    with contextlib.ExitStack() as stack:
        def start(database_url: str, level: str = "INFO") -> ServeProcess:
            env = dict(SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=slack.url,
                       DATABASE_URL=database_url, IDEALOOP_LLM="offline")
            module = ("bot.cli", "--log-level", level, "serve")
            return stack.enter_context(ServeProcess(env, cwd=tmp_path, module=module))

        yield start


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), _lower(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), _lower(err.headers)


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def start_install(base: str) -> tuple[str, str]:
    """Open the install page: its state and the cookie that goes with it."""
    status, page, headers = get(f"{base}/slack/install")
    assert status == 200 and "slack.com/oauth/v2/authorize" in page
    cookie = headers["set-cookie"].split(";")[0]
    return cookie.split("=", 1)[1], cookie


def finish_install(base: str, state: str, cookie: str, code: str) -> tuple[int, str]:
    query = urlencode({"code": code, "state": state})
    status, page, _ = get(f"{base}/slack/oauth_redirect?{query}", {"Cookie": cookie})
    return status, page


def state_rows(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM slack_oauth_states")).scalar()
                       or 0)
    finally:
        engine.dispose()


def add_expired_state(db_url: str) -> None:
    """A row as slack_sdk's own store left them: one per page load, never deleted."""
    engine = make_engine(db_url)
    past = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO slack_oauth_states (state, expire_at) "
                          "VALUES ('left-behind', :e)"), {"e": past})
    engine.dispose()


def test_a_thousand_install_page_loads_leave_the_state_table_bounded_and_installs_work(
        serve: Callable[..., ServeProcess], slack: SlackApiServer, db_url: str) -> None:
    served = serve(db_url)
    add_expired_state(db_url)
    base = served.base
    # A real admin opens the install page as the flood begins, and comes back after it.
    state, cookie = start_install(base)

    def load(i: int) -> int:
        if i == FLOOD // 2:  # another admin installs from start to end mid-flood
            return finish_install(base, *start_install(base), slack.authorize("T0GREEN"))[0]
        return get(f"{base}/slack/install")[0]

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(load, range(FLOOD)))
    assert statuses == [200] * FLOOD
    # No row per page load; the expired one is gone; the mid-flood install's used state.
    assert state_rows(db_url) == 1

    status, page = finish_install(base, state, cookie, slack.authorize(TEAM))
    assert status == 200 and "Thank you!" in page, page
    # Another install after the flood; the used states are the only rows.
    status, page = finish_install(base, *start_install(base), slack.authorize("T0RED"))
    assert status == 200 and "Thank you!" in page, page
    assert state_rows(db_url) == 3
    # A used state cannot come back.
    status, _ = finish_install(base, state, cookie, slack.authorize(TEAM))
    assert status == 401


def raw_get(port: int, request: bytes) -> bytes:
    """Send `request` as it is (header values no HTTP client would send)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(65536)


HOSTILE = ["x\nFAKE LOG LINE", "x\r\nFAKE LOG LINE", "x\u2028FAKE LOG LINE",
           "x\x85FAKE LOG LINE", "x\x1b[1A\x1b[2KFAKE LOG LINE"]


@pytest.mark.slack_refusals("invalid_code")
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_no_request_value_can_forge_a_log_line_flood_the_log_or_bring_secrets_into_it(
        serve: Callable[..., ServeProcess], slack: SlackApiServer, sqlite_url: str,
        level: str) -> None:
    served = serve(sqlite_url, level)
    base = served.base
    # Installed, so that commands are served and real tokens exist to leak.
    assert finish_install(base, *start_install(base), slack.authorize(TEAM))[0] == 200
    for value in HOSTILE:  # Slack's error, as Bolt's flow and idealoop log it
        status, _, _ = get(f"{base}/slack/oauth_redirect?error={quote(value)}")
        assert status == 200
    # A 20,000-character code with a valid state: Bolt logs the code it could not use.
    long_code = "C" * 20_000
    status, _ = finish_install(base, *start_install(base), long_code)
    assert status == 401
    # A forged state, a long state, a hostile cookie.
    get(f"{base}/slack/oauth_redirect?code=x&state={quote(HOSTILE[0])}",
        {"Cookie": f"slack-app-oauth-state={quote(HOSTILE[0])}"})
    get(f"{base}/slack/oauth_redirect?code=x&state={'S' * 5000}",
        {"Cookie": f"slack-app-oauth-state={'S' * 5000}"})
    # Slash command texts, signed: served, and logged (if at all) on one line.
    sender = SlackSender(served.url, SECRET)
    for value in HOSTILE:
        assert sender.command(f"help {value}", team=TEAM).status == 200
    # Headers no client library would send, and a request line with control characters.
    for header in (b"X-Slack-Signature: v0=\x85FAKE LOG LINE\x0bFAKE\x0cFAKE",
                   b"Cookie: slack-app-oauth-state=\x85FAKE LOG LINE",
                   b"X-Slack-Request-Timestamp: 1\x1b[2KFAKE LOG LINE"):
        for path in (b"/slack/events", b"/slack/oauth_redirect?code=x&state=y"):
            method = b"POST" if path == b"/slack/events" else b"GET"
            raw_get(served.port, method + b" " + path + b" HTTP/1.1\r\nHost: x\r\n"
                    + header + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    raw_get(served.port, b"GET /x\x85FAKE\x0bFAKE HTTP/1.1\r\nHost: x\r\n"
            b"Connection: close\r\n\r\n")
    assert served.stop() == 0

    log = served.log_text()
    lines = log.splitlines()  # every separator Python knows, \x85 and \u2028 included
    assert lines and "an install did not complete: x\\nFAKE LOG LINE" in log
    assert not [line for line in lines if line.lstrip().startswith("FAKE")]
    assert not [line for line in lines if not (RECORD.match(line)
                                               or line.startswith(TRACEBACK_PREFIX))]
    assert not [line for line in lines if "\x1b" in line or "\x85" in line]
    # The long code is in the log clipped, never whole.
    assert re.search(r"with code: C{400,500}…\(\d+ more\)", log)
    assert "C" * 501 not in log and "S" * 501 not in log
    assert max(len(line) for line in lines) < 700
    # No secret, token or request body.
    tokens = _issued_tokens(slack)
    assert tokens
    for secret in (SECRET, CLIENT_SECRET, *tokens):
        assert secret not in log, secret
    assert "xoxb-" not in log and "xoxe" not in log and "token=" not in log
    assert "command=%2Fbrainstorm" not in log  # no request body
    if level == "INFO":  # what a person wrote stays out; Bolt's DEBUG shows its answers
        assert "help x" not in log


def _issued_tokens(slack: SlackApiServer) -> set[str]:
    """The bot tokens the app used (each install's, in its `auth.test` call and after)."""
    return {call.headers.get("Authorization", "").removeprefix("Bearer ")
            for call in slack.calls if call.headers.get("Authorization", "")
            .startswith("Bearer ")}
