"""Slack's side of an ack: deliver each request until the app answers 200.

Slack re-delivers an event the app did not acknowledge (an error status, a timeout, a
refused or broken connection), with `X-Slack-Retry-Num`. `Deliverer` does the same from
several threads at once, so a fault test can count what the app acknowledged and compare
it with what the database holds. Unlike Slack it keeps re-delivering after a server error
or a broken connection until a deadline, not three times, so that an outage of any length
ends with every request answered; a request refused as malformed (4xx) is, as by Slack,
given up after three re-deliveries.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.emulator.slack_requests import SlackSender

Request = tuple[bytes, str]  # body, content type
SLACK_RETRIES = 3


@dataclass
class DeliveryReport:
    acknowledged: int = 0
    attempts: int = 0
    refused: int = 0  # answers other than 200 (e.g. 503 during an outage)
    given_up: int = 0  # requests refused as malformed four times
    unreachable: int = 0  # connections refused or broken (the process was killed)
    server_errors: int = 0  # 500s: never expected
    statuses: dict[int, int] = field(default_factory=dict)


class Deliverer:
    def __init__(self, sender: SlackSender, *, senders: int = 8, retry_pause: float = 0.02,
                 deadline: float = 120.0,
                 on_ack: Callable[[int], None] | None = None) -> None:
        self.sender = sender
        self.senders = senders
        self.retry_pause = retry_pause
        self.deadline = deadline
        self.on_ack = on_ack
        self.report = DeliveryReport()
        self._lock = threading.Lock()

    def deliver(self, requests: list[Request]) -> DeliveryReport:
        """Deliver every request until acknowledged (or the deadline passes)."""
        pending: queue.SimpleQueue[tuple[Request, int] | None] = queue.SimpleQueue()
        for request in requests:
            pending.put((request, 0))
        left = [len(requests)]
        stop_at = time.monotonic() + self.deadline

        def send() -> None:
            while True:
                job = pending.get()
                if job is None:
                    return
                (body, content_type), retries = job
                status = self._post(body, content_type, retries)
                with self._lock:
                    self.report.attempts += 1
                    self.report.statuses[status] = self.report.statuses.get(status, 0) + 1
                    if status == 200:
                        self.report.acknowledged += 1
                        left[0] -= 1
                        done = left[0] == 0
                        acknowledged = self.report.acknowledged
                    elif status == 0:
                        self.report.unreachable += 1
                    else:
                        self.report.refused += 1
                        self.report.server_errors += status == 500
                if status == 200:
                    if self.on_ack is not None:
                        self.on_ack(acknowledged)
                    if done:
                        for _ in range(self.senders):
                            pending.put(None)
                    continue
                if 400 <= status < 500 and retries >= SLACK_RETRIES:
                    with self._lock:
                        self.report.given_up += 1
                        left[0] -= 1
                        done = left[0] == 0
                    if done:
                        for _ in range(self.senders):
                            pending.put(None)
                    continue
                if time.monotonic() > stop_at:
                    raise TimeoutError("requests still unacknowledged at the deadline")
                time.sleep(self.retry_pause)  # Slack's re-delivery pacing, shortened
                pending.put(((body, content_type), retries + 1))

        threads = [threading.Thread(target=send, daemon=True) for _ in range(self.senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.deadline + 10)
        return self.report

    def _post(self, body: bytes, content_type: str, retries: int) -> int:
        try:
            reply = self.sender.signed(body, content_type, retry_num=retries or None)
        except OSError:
            return 0
        return reply.status
