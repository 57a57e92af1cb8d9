"""The HTTP server wiring: a threaded loopback server and its per-connection handler.

Why hand-made framing: keep-alive and chunked bodies behave like the real API's, a cut
stream looks truncated to the client (not cleanly ended), and ``stop()`` can end every
open connection promptly. What each request is answered with is not decided here: the
server hands every request to the ``answer`` it was built with.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)


class Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks live connections so ``stop()`` can end them promptly."""

    daemon_threads = True
    block_on_close = False  # we join handler threads ourselves, with a timeout
    request_queue_size = 128  # benchmarks open many concurrent connections

    def __init__(self, answer: Callable[[Handler, str], None]) -> None:
        self.answer = answer  # answers one request: (its handler, its method)
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        super().__init__(("127.0.0.1", 0), Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._run_request,
            args=(request, client_address),
            name="fake-openai-conn",
            daemon=True,
        )
        with self._conn_lock:
            self._handler_threads = {t for t in self._handler_threads if t.is_alive()}
            self._handler_threads.add(thread)
        thread.start()

    def _run_request(self, request: socket.socket, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        try:
            self.finish_request(request, client_address)
        except Exception:  # client went away mid-answer; nothing useful to report
            log.debug("fake openai connection error", exc_info=True)
        finally:
            with self._conn_lock:
                self._connections.discard(request)
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: broken pipes from clients that timed out are expected in tests."""
        log.debug("fake openai handler error from %s", client_address, exc_info=True)

    def drop_connections(self, join_timeout: float) -> None:
        """Shut down every open connection and wait (bounded) for handler threads to exit."""
        with self._conn_lock:
            conns = list(self._connections)
            threads = list(self._handler_threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + join_timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class Handler(BaseHTTPRequestHandler):
    """Per-connection handler: reads and frames; the server's ``answer`` decides what is said."""

    protocol_version = "HTTP/1.1"  # keep-alive like real APIs, chunked streaming
    disable_nagle_algorithm = True  # tiny SSE chunks must not wait for delayed ACKs
    timeout = 60
    server: Server
    record: dict[str, Any] | None = None  # the request being answered, noted with its status

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""
        log.debug("fake openai: " + format, *args)

    def do_GET(self) -> None:
        self.server.answer(self, "GET")

    def do_POST(self) -> None:
        self.server.answer(self, "POST")

    def read_body(self) -> bytes:
        """Read the request body (Content-Length or chunked)."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_json(
        self, status: int, payload: Any, *, extra_headers: dict[str, str] | None = None
    ) -> None:
        raw = payload if isinstance(payload, str) else json.dumps(payload)
        ctype = "application/json"
        if isinstance(payload, str):
            try:
                json.loads(payload)
            except ValueError:
                ctype = "text/plain; charset=utf-8"
        self.send_raw(status, raw.encode(), ctype, extra_headers=extra_headers)

    def send_raw(
        self,
        status: int,
        data: bytes,
        content_type: str,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        if self.record is not None:
            self.record["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def start_sse(self, headers: dict[str, str]) -> None:
        """Send 200 headers for a chunked Server-Sent-Events body.

        Chunked framing (not connection-close) matters: it lets a cut-off stream look truncated
        to the client instead of like a clean end of body.
        """
        if self.record is not None:
            self.record["status"] = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def send_sse_lines(self, lines: list[bytes], headers: dict[str, str]) -> None:
        """Send a complete SSE response made of pre-framed ``data:`` lines."""
        self.start_sse(headers)
        for line in lines:
            self.write_chunk(line)
        self.wfile.write(b"0\r\n\r\n")
