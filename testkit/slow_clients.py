"""Idle, slow-loris and short-body clients held open against a server on loopback.

The attacker of issue 21, shared by the fault test and `bench/slow_clients.py`:

- idle: connects and sends nothing;
- slow-loris: starts a request and sends one more header byte a second, never ending
  its headers;
- short body: sends whole headers declaring a 100-byte body, then 10 bytes of it.

One thread paces the slow-loris bytes and watches every socket for the server's answer
or its close. Everything stops by itself after `limit` seconds.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

LORIS_START = b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
SHORT_BODY = (b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"type\": \"")


@dataclass
class Held:
    """One attacking connection: what it is, what the server answered, when it closed."""

    kind: str  # "idle", "loris" or "short body"
    sock: socket.socket
    opened: float
    answer: bytes = b""
    closed_at: float | None = None  # when the server closed it (monotonic)
    sent: int = field(default=0)

    @property
    def status(self) -> int | None:
        """The status the server answered with before closing, if any."""
        parts = self.answer.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


class SlowClients:
    """`with SlowClients(port, idle=200, loris=64, short_body=4) as attack:` opens them
    all; on exit every socket this side still holds is closed."""

    def __init__(self, port: int, *, idle: int = 0, loris: int = 0, short_body: int = 0,
                 host: str = "127.0.0.1", pace: float = 1.0, limit: float = 90.0) -> None:
        self.address = (host, port)
        self.counts = {"idle": idle, "loris": loris, "short body": short_body}
        self.pace = pace
        self.limit = limit
        self.held: list[Held] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._selector = selectors.DefaultSelector()

    def __enter__(self) -> SlowClients:
        try:
            for kind, count in self.counts.items():
                for _ in range(count):
                    self._open(kind)
        except BaseException:
            self._close_all()
            raise
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close_all()

    def _open(self, kind: str) -> None:
        sock = socket.create_connection(self.address, timeout=10)
        if kind == "loris":
            sock.sendall(LORIS_START)
        elif kind == "short body":
            sock.sendall(SHORT_BODY)
        sock.setblocking(False)
        held = Held(kind, sock, time.monotonic())
        self.held.append(held)
        self._selector.register(sock, selectors.EVENT_READ, held)

    def _run(self) -> None:
        """Send the next slow-loris byte every `pace` seconds; note answers and closes."""
        ends = time.monotonic() + self.limit
        next_byte = time.monotonic() + self.pace
        while not self._stop.is_set() and time.monotonic() < ends and self.open():
            for key, _ in self._selector.select(timeout=max(0.0, next_byte - time.monotonic())):
                self._read(key.data)
            if time.monotonic() >= next_byte:
                next_byte += self.pace
                for held in self.held:
                    if held.kind == "loris" and held.closed_at is None:
                        self._send_byte(held)

    def _read(self, held: Held) -> None:
        try:
            data = held.sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            held.answer += data
        else:
            self._closed(held)

    def _send_byte(self, held: Held) -> None:
        try:
            held.sock.send(b"a")
            held.sent += 1
        except BlockingIOError:
            return
        except OSError:
            self._closed(held)

    def _closed(self, held: Held) -> None:
        with self._lock:
            if held.closed_at is None:
                held.closed_at = time.monotonic()
                self._selector.unregister(held.sock)
                held.sock.close()

    def _close_all(self) -> None:
        with self._lock:
            for held in self.held:
                if held.closed_at is None:
                    with contextlib.suppress(KeyError, ValueError):
                        self._selector.unregister(held.sock)
                    held.sock.close()
            self._selector.close()

    def open(self, kind: str | None = None) -> int:
        """How many connections (of `kind`) the server has not closed yet."""
        return sum(1 for held in self.held
                   if held.closed_at is None and kind in (None, held.kind))

    def of(self, kind: str) -> list[Held]:
        return [held for held in self.held if held.kind == kind]

    def longest_held(self, kind: str) -> float | None:
        """The longest a closed connection of `kind` was held open, in seconds."""
        times = [held.closed_at - held.opened for held in self.of(kind)
                 if held.closed_at is not None]
        return max(times) if times else None
