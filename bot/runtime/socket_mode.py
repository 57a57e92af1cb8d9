"""`idealoop serve` over Socket Mode: Bolt's websocket-client adapter, on a client that
closes the races of slack_sdk's and websocket-client's threads that left the app without a
connection, or sockets open behind it (see `_Client`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.interval_runner import IntervalRunner
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from websocket import WebSocketApp

from bot.metrics import ack as count_ack
from bot.runtime.entry import Unreadable, answer
from bot.runtime.server import HttpServer, on_signals
from bot.runtime.slack_http import MAX_BODY_BYTES, UNVERIFIED, payload_problem

log = logging.getLogger(__name__)

#: Slack's link hosts are pinged this often (Bolt's default) ...
PING_INTERVAL = 10.0
#: ... and a pong must come back within this; it is also the longest the reader waits on
#: its socket before it looks again whether the connection was closed under it.
PING_TIMEOUT = 2.0


class _Reader(IntervalRunner):
    """slack_sdk's reader loop, which reads the current session and, once that ends, looks
    for the next one every 0.5 s; a new connection wakes it (`wake`), so it is read at
    once instead of up to 0.5 s later (at every start and every refresh)."""

    def __init__(self, target: Any, interval_seconds: float) -> None:
        super().__init__(target, interval_seconds)
        self.wake = threading.Event()

    def _run(self) -> None:
        while not self.event.is_set():
            self.target()
            self.wake.wait(self.interval_seconds)
            self.wake.clear()

    def shutdown(self) -> None:
        self.event.set()
        self.wake.set()
        super().shutdown()  # type: ignore[no-untyped-call]


class _Client(SocketModeClient):
    """slack_sdk's websocket-client based client, with four races closed.

    1. A ping timeout for `run_forever`. Without one, websocket-client's reader waits on
       its socket in 10-second selects. When another thread closes the connection
       (slack_sdk does so on every refresh: it opens the new connection, then closes the
       old one), the closed socket wakes no one, and the reader, which is also the thread
       that starts the next connection, sat there for up to 10 s with no connection open
       (seen in tests/e2e/test_socket_mode.py). With a ping timeout it looks again every
       PING_TIMEOUT seconds, and a link that stops answering pings is given up.
    2. A new connection is not taken for a dead one before its reader has started it.
       slack_sdk's monitor looks as soon as the client connects, and whenever a session
       has no socket yet; it then replaced the session being opened, and the socket that
       session's reader was opening was left open, unreferenced (a ResourceWarning, and a
       connection Slack keeps), at every start.
    3. Once closed, no connection is opened or kept: the reader could start the current
       session just as `close` closed it (`run_forever` sets `keep_running` again), and
       closing then waited forever on a connection no one would close.
    4. A connection that broke (cut without a close frame) gives its socket back. The
       reader marks such a connection closed but leaves its socket open, and the
       teardown that follows skips a connection marked closed, so each cut left a socket
       to the garbage collector (a ResourceWarning in the tests).
    """

    _reading: WebSocketApp | None = None  # the session the reader last started

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_open_listeners.append(self._close_if_closed)
        self.on_error_listeners.append(self._release_broken)
        # slack_sdk's reader, started above with no session to read, makes way for one
        # that a new connection wakes.
        self.current_session_runner.shutdown()  # type: ignore[no-untyped-call]
        self.current_session_runner = _Reader(self._run_current_session, 0.5).start()

    def connect(self) -> None:
        super().connect()
        reader = self.current_session_runner
        if isinstance(reader, _Reader):
            reader.wake.set()

    def _close_if_closed(self, ws: WebSocketApp) -> None:
        if self.closed:
            ws.close()

    @staticmethod
    def _release_broken(ws: WebSocketApp, error: Exception) -> None:
        sock = ws.sock  # still there: errors are reported before the teardown
        if sock is not None and not sock.connected:
            sock.shutdown()

    def _starting(self) -> bool:
        """The current session is made, and its reader has not started it yet."""
        return self.current_session is not None and self.current_session is not self._reading

    def is_connected(self) -> bool:
        return self._starting() or super().is_connected()

    def _monitor_current_session(self) -> None:
        if not self._starting():
            super()._monitor_current_session()  # type: ignore[no-untyped-call]

    def run_message_listeners(self, message: dict[str, Any], raw_message: str) -> None:
        """An envelope larger than any Slack sends is refused as the HTTP gate refuses
        its body (`MAX_BODY_BYTES`): acked, not handled (`refuse`)."""
        if (len(raw_message) > MAX_BODY_BYTES // 4
                and len(raw_message.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES):
            refuse(self, message.get("envelope_id"), time.perf_counter(),
                   f"{len(raw_message)} characters (limit {MAX_BODY_BYTES} bytes)")
            return
        super().run_message_listeners(message, raw_message)

    def _run_current_session(self) -> None:
        session = self.current_session
        if session is None or self.closed:
            return
        self._reading = session
        try:
            self.logger.info("Starting to receive messages from a new connection")
            session.run_forever(ping_interval=self.ping_interval, ping_timeout=PING_TIMEOUT,
                                http_proxy_host=self.http_proxy_host,
                                http_proxy_port=self.http_proxy_port,
                                http_proxy_auth=self.http_proxy_auth,
                                proxy_type=self.proxy_type)
            self.logger.info("Stopped receiving messages from a connection")
        except Exception as exc:
            self.logger.exception("Failed to start or stop the current session: %s", exc)
            session.close()


class _Handler(SocketModeHandler):
    """Bolt's websocket-client adapter on `_Client`."""

    def __init__(self, app: App, app_token: str) -> None:
        self.app = app
        self.app_token = app_token
        self.client = _Client(app_token=app_token, logger=app.logger, web_client=app.client,
                              ping_interval=PING_INTERVAL)
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """An envelope's payload answered through the one entry point HTTP requests take
        too (`bot.runtime.entry.answer`: the fast path, else Bolt as Bolt's adapter runs
        it), counted and timed from the envelope read; acked when the answer is 200."""
        started = time.perf_counter()
        problem = payload_problem(req.payload)
        if problem is not None:
            refuse(client, req.envelope_id, started, problem)
            return
        try:
            response = answer(self.app, req.payload, started=started,
                              headers=build_headers(req), mode="socket_mode")
        except Unreadable:  # logged and counted by `answer`
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        send_response(client, req, response, time.time())


def refuse(client: SocketModeClient, envelope_id: Any, started: float, problem: str) -> None:
    """An envelope whose payload Slack would never send (the checks the HTTP gate makes,
    `bot.runtime.slack_http`, answered 400 there): one warning line, without the
    payload, and acked with no payload, so nothing is stored, nothing reaches Bolt (a
    block_actions with no action breaks its listener matching), and Slack does not
    deliver it again. Slack delivers an envelope it has no ack for again (after 3 s, an
    event up to 3 times: https://api.slack.com/apis/connections/socket-implement and
    https://docs.slack.dev/apis/events-api/using-socket-mode/); the same bytes would be
    refused each time, and Socket Mode has no status to say 400 with, only the ack.
    Counted with the requests HTTP refuses, as "unverified"."""
    log.warning("refused a Socket Mode envelope of the wrong shape: %s", problem)
    if isinstance(envelope_id, str) and envelope_id:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))
    count_ack(UNVERIFIED, 400, time.perf_counter() - started)


class SocketModeConnection:
    """The app over Socket Mode: Bolt's adapter on slack_sdk's websocket-client based
    client, which asks `apps.connections.open` (with the app-level token) for a WebSocket
    URL, connects, acks each envelope with what the listener's ack said, and opens a new
    connection (through `apps.connections.open` again) when Slack asks it to refresh or
    the socket closes or breaks.

    Why not slack_sdk's built-in client (Bolt's default adapter): measured against the
    emulated link host (testkit/socket_mode.py), after a connection broke without a
    close frame it spun a core for about a minute before it noticed; after a refresh, the
    next envelope waited 3 s (its receive timeout) for an ack, Slack's whole ack window;
    and it never sends a close frame. This one opens a new connection about half a second
    after a refresh or a cut (up to 2.5 s after some refreshes, see `_Client`), acks at
    once, and closes with 1000.

    An envelope is acked only when Bolt answered 200: a listener that could not keep its
    promise (the database is away) answers 503, the adapter sends no ack, and Slack
    delivers the envelope again. An envelope whose payload fails the HTTP gate's checks
    (size, shape, unstorable text; or Bolt cannot read it) is acked unhandled (`refuse`).
    """

    def __init__(self, app: App, app_token: str) -> None:
        self.handler: SocketModeHandler = _Handler(app, app_token)

    def start(self) -> SocketModeConnection:
        """Open the connection; envelopes are handled on the client's own threads."""
        self.handler.connect()
        return self

    def run(self, status: Callable[[], HttpServer] | None = None) -> None:
        """Serve until SIGTERM or SIGINT, then close. Call from the main thread. The
        server `status` makes (`/healthz`, `/metrics`) is served from when the connection
        is open until it is closed; a port it cannot take is said in the log, and the app
        serves Slack without it."""
        stop = on_signals()
        self.start()
        server = None
        if status is not None:
            try:
                server = status().start()
            except OSError as exc:
                log.warning("no /healthz or /metrics: cannot listen on PORT (%s)",
                            exc.strerror or type(exc).__name__)
            else:
                log.info("health and metrics on :%d (GET /healthz, GET /metrics)",
                         server.port)
        stop.wait()
        log.info("stopping: closing the Socket Mode connection")
        self.close()
        if server is not None:
            server.close()

    def close(self) -> None:
        """Close the connection with a close frame (Slack sends nothing more to this
        process), then let the envelopes in hand finish; safe to call twice.

        The close frame is sent here, and the link host's answer awaited, before the
        client is closed: the client's own close, from this thread, would leave its
        reader waiting out its select timeout on a socket that no longer exists. Once a
        close frame was sent, websocket-client no longer closes the TCP socket itself
        (`WebSocket.close` returns early), so it is shut down here.
        """
        client = self.handler.client
        client.auto_reconnect_enabled = False
        client.closed = True  # no new connection from here on (see `_Client`)
        session = client.current_session
        sock = session.sock if session is not None else None
        # A connection whose handshake is under way cannot be closed yet (websocket-client
        # would skip it, then finish opening it and lose its socket): once open, the
        # reader closes it (`_Client._close_if_closed`), or it is closed here.
        deadline = time.monotonic() + 3.0
        while (session is not None and sock is not None and not sock.connected
               and session.keep_running and time.monotonic() < deadline):
            time.sleep(0.01)
            sock = session.sock
        if sock is not None and sock.connected:
            closed = threading.Event()
            client.on_close_listeners.append(lambda _ws: closed.set())
            try:
                sock.send_close()
            except Exception as exc:  # the connection broke meanwhile: nothing to close
                log.info("Socket Mode connection already gone (%s)", type(exc).__name__)
            else:
                closed.wait(3.0)
            sock.shutdown()
        # The client's message loop waits up to 1 s on its queue before it sees `closed`:
        # an empty message (which it skips) wakes it at once.
        client.message_queue.put(None)
        self.handler.close()
