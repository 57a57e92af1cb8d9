"""Slack's side of Socket Mode on loopback: the WebSocket server `apps.connections.open`
sends the app to, and a sender with `SlackSender`'s interface that delivers over it.

What Slack does, and this server does too
(https://docs.slack.dev/apis/events-api/using-socket-mode/):

- `apps.connections.open` (app-level token) answers a URL good for one connection
  (`?ticket=…`); a ticket used twice, or made up, is refused at the handshake (401);
- on connect it sends `hello` (`num_connections`, `debug_info`, `connection_info`);
- each request Slack would POST over HTTP is an envelope instead: `events_api`,
  `slash_commands` or `interactive`, with `envelope_id`, `payload`,
  `accepts_response_payload`, and for events `retry_attempt`/`retry_reason`;
- the app acks with `{"envelope_id": …, "payload": …}` (the payload only where the
  envelope accepts one); Slack waits 3 seconds for it, then delivers the envelope again;
- `disconnect` with `reason: refresh_requested` asks the app to open a new connection
  (through `apps.connections.open` again) and leave this one.

The server runs `websockets`' threaded server on its own loopback port. Tests push
envelopes with :meth:`SocketModeServer.push` (or through :class:`SocketModeSender`, built
from the same payload builders as the HTTP tests) and wait on acks, connections and
closes: never on sleeps.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import parse_qs, parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bot.emulator.slack_requests import APP_ID, Reply, SlackSender
from bot.emulator.web_api import SlackApiServer

T = TypeVar("T")

#: How long Slack waits for an ack before it delivers the envelope again.
ACK_WINDOW = 3.0
#: The `status` of a `Reply` whose envelope was not acked in time (Slack saw no answer).
NO_ACK = 504


@dataclass(frozen=True)
class Ack:
    """What the app sent back for one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None
    at: float  # time.monotonic() on arrival
    connection: int


@dataclass(frozen=True)
class Envelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    sent_at: float
    connection: int

    def message(self, *, retry_attempt: int, retry_reason: str) -> dict[str, Any]:
        body: dict[str, Any] = {"envelope_id": self.envelope_id, "type": self.type,
                                "payload": self.payload,
                                "accepts_response_payload": self.type != "events_api"}
        if self.type == "events_api":
            body |= {"retry_attempt": retry_attempt, "retry_reason": retry_reason}
        return body


@dataclass(frozen=True)
class Closed:
    """How a connection ended: `code` as the server saw it (1006: the peer went away
    without a close frame), and whether the app sent a close frame (`by_app`)."""

    connection: int
    code: int
    by_app: bool


class SocketModeServer:
    """Slack's Socket Mode link hosts, for one app, on loopback.

    Attach it to an emulated Web API (``start()`` does) and the app's
    `apps.connections.open` calls hand out its URLs.
    """

    def __init__(self, slack: SlackApiServer, *, host: str = "127.0.0.1") -> None:
        self.slack = slack
        self.host = host
        self.port = 0
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._live: dict[int, ServerConnection] = {}
        self._opened = 0
        self._refused = 0
        self._acks: dict[str, Ack] = {}
        self._acks_in_order: list[Ack] = []
        self._closed: list[Closed] = []

    # ------------------------------------------------------------- lifecycle

    def start(self) -> SocketModeServer:
        if self._server is not None:
            return self
        server = serve(self._handle, self.host, 0, process_request=self._check_ticket,
                       compression=None)
        self._server = server
        self.port = int(server.socket.getsockname()[1])
        self._thread = threading.Thread(target=server.serve_forever, daemon=True,
                                        name=f"emulated-socket-mode-{self.port}")
        self._thread.start()
        self.slack.socket_mode = self
        return self

    def stop(self) -> None:
        """Close every connection (1001, going away) and the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        if self.slack.socket_mode is self:
            self.slack.socket_mode = None
        server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> SocketModeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------- apps.connections.open

    def open_url(self, app_id: str) -> str:
        """A URL good for one connection (`apps.connections.open` calls this)."""
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={app_id}"

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = (parse_qs(urlsplit(request.path).query).get("ticket") or [""])[0]
        with self._cond:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
            self._refused += 1
            self._cond.notify_all()
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    # ------------------------------------------------------------- one connection

    def _handle(self, connection: ServerConnection) -> None:
        with self._cond:
            self._opened += 1
            number = self._opened
            self._live[number] = connection
            live = len(self._live)
            self._cond.notify_all()
        try:
            connection.send(json.dumps({
                "type": "hello", "num_connections": live,
                "debug_info": {"host": f"emulated-applink-{number}",
                               "approximate_connection_time": 3600},
                "connection_info": {"app_id": APP_ID},
            }))
            for message in connection:
                self._on_message(number, message)
        except ConnectionClosed:
            pass
        finally:
            received = connection.protocol.close_rcvd
            code = received.code if received is not None else 1006
            with self._cond:
                self._live.pop(number, None)
                by_app = received is not None and bool(connection.protocol.close_rcvd_then_sent)
                self._closed.append(Closed(number, code, by_app))
                self._cond.notify_all()

    def _on_message(self, number: int, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return
        if not isinstance(data, dict) or not data.get("envelope_id"):
            return
        payload = data.get("payload")
        ack = Ack(str(data["envelope_id"]), payload if isinstance(payload, dict) else None,
                  time.monotonic(), number)
        with self._cond:
            self._acks.setdefault(ack.envelope_id, ack)
            self._acks_in_order.append(ack)
            self._cond.notify_all()

    # ------------------------------------------------------------- what a test does

    def push(self, type: str, payload: dict[str, Any], *, envelope_id: str | None = None,
             retry_attempt: int = 0, retry_reason: str = "",
             timeout: float = 10.0) -> Envelope:
        """Send one envelope on the newest open connection (waiting up to `timeout` for
        one, as Slack holds events while an app reconnects). Delivering the same
        `envelope_id` again is what Slack does when an ack did not come."""
        number, connection = self._newest(timeout)
        envelope = Envelope(envelope_id or f"env-{uuid.uuid4()}", type, payload,
                            time.monotonic(), number)
        connection.send(json.dumps(envelope.message(retry_attempt=retry_attempt,
                                                    retry_reason=retry_reason)))
        return envelope

    def wait_ack(self, envelope_id: str, timeout: float = ACK_WINDOW) -> Ack | None:
        """The app's ack of `envelope_id`, or None when none came within `timeout`."""
        return self._wait(lambda: self._acks.get(envelope_id), timeout)

    def acks(self) -> list[Ack]:
        with self._cond:
            return list(self._acks_in_order)

    def disconnect(self, reason: str = "refresh_requested") -> int:
        """Ask every open connection to go (`disconnect`); returns how many were asked.
        The connections stay open until the app closes them, as on Slack."""
        with self._cond:
            connections = list(self._live.items())
        for number, connection in connections:
            connection.send(json.dumps({"type": "disconnect", "reason": reason,
                                        "debug_info": {"host": f"emulated-applink-{number}"}}))
        return len(connections)

    def drop(self) -> int:
        """Cut every open connection at the TCP level, with no close frame (a network
        failure, or a link host that died); returns how many were cut."""
        with self._cond:
            connections = list(self._live.values())
        for connection in connections:
            connection.socket.shutdown(socket.SHUT_RDWR)
        return len(connections)

    @property
    def opened(self) -> int:
        """Connections accepted so far (each through a fresh `apps.connections.open`)."""
        with self._cond:
            return self._opened

    @property
    def refused(self) -> int:
        """Handshakes refused for an unknown or used ticket."""
        with self._cond:
            return self._refused

    @property
    def live(self) -> int:
        with self._cond:
            return len(self._live)

    def closed(self) -> list[Closed]:
        with self._cond:
            return list(self._closed)

    def wait_opened(self, count: int, timeout: float = 10.0) -> None:
        """Wait until `count` connections were accepted and one of them is open."""
        ok = self._wait(lambda: (self._opened >= count and bool(self._live)) or None, timeout)
        assert ok, f"{self.opened} connection(s) accepted, {self.live} open; wanted {count}"

    def wait_closed(self, count: int, timeout: float = 10.0) -> list[Closed]:
        done = self._wait(lambda: (len(self._closed) >= count) or None, timeout)
        assert done, f"{len(self._closed)} connection(s) closed; wanted {count}"
        return self.closed()

    def _newest(self, timeout: float) -> tuple[int, ServerConnection]:
        found = self._wait(lambda: max(self._live.items()) if self._live else None, timeout)
        assert found is not None, "no Socket Mode connection is open"
        return found

    def _wait(self, check: Callable[[], T | None], timeout: float) -> T | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = check()
                remaining = deadline - time.monotonic()
                if value is not None or remaining <= 0:
                    return value
                self._cond.wait(remaining)


def envelope_of(body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """What Slack sends over the socket for a request it would POST over HTTP: events
    as they are, interactivity's `payload=<json>` decoded, and a slash command's form
    fields as a JSON object (values stay strings)."""
    if content_type.startswith("application/json"):
        return "events_api", json.loads(body)
    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    if "payload" in form:
        return "interactive", json.loads(form["payload"])
    return "slash_commands", form


class SocketModeSender(SlackSender):
    """`SlackSender` over Socket Mode: each request goes as the envelope Slack would
    send, and its `Reply` is 200 with the ack's payload as body (empty when the ack
    carried none), or `NO_ACK` when no ack came in `wait` seconds."""

    def __init__(self, server: SocketModeServer, *, wait: float = 10.0) -> None:
        super().__init__(f"ws://{server.host}:{server.port}/link/", secret="")
        self.server = server
        self.wait = wait

    def signed(self, body: bytes, content_type: str, *, retry_num: int | None = None,
               timestamp: int | None = None) -> Reply:
        """Deliver one request (`timestamp` is for HTTP signatures; the socket has none)."""
        type_, payload = envelope_of(body, content_type)
        envelope = self.server.push(type_, payload, retry_attempt=retry_num or 0,
                                    retry_reason="timeout" if retry_num else "")
        ack = self.server.wait_ack(envelope.envelope_id, self.wait)
        if ack is None:
            return Reply(NO_ACK, "", time.monotonic() - envelope.sent_at)
        body_text = json.dumps(ack.payload) if ack.payload else ""
        return Reply(200, body_text, ack.at - envelope.sent_at)
