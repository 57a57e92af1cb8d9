"""Which answer each request gets: it is recorded, the script's faults come first, then the
route (models, chat completions, embeddings), the contract and the script decide.

Why apart from `FakeOpenAI`: that class is what a test scripts and inspects; this is
what runs on the server's handler threads. They share the state held here, under one
lock, so a script written between two requests applies to the second.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from typing import Any, Protocol

from testkit.fake_openai.answers import (
    chat_completion,
    chat_content,
    embeddings_list,
    models_list,
)
from testkit.fake_openai.contract import embeddings_refusal, request_refusal
from testkit.fake_openai.errors import error_body
from testkit.fake_openai.faults import draw_fault, send_failure, send_garbage, waited_out
from testkit.fake_openai.messages import messages, usage
from testkit.fake_openai.script import Script
from testkit.fake_openai.server import Handler
from testkit.fake_openai.streaming import StreamTiming, send_stream, stream_events

log = logging.getLogger(__name__)


class Served(Protocol):
    """What the fake serves, read on every request (a test may change `models` on a
    running fake)."""

    models: tuple[str, ...]
    local: bool


class Responder:
    """Answers each request the way the script says, and records it."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.script = Script()
        self.requests: list[dict[str, Any]] = []
        self.streams: list[StreamTiming] = []
        self.ids = itertools.count(1)
        self.stopping = threading.Event()  # set by stop(): ends every wait at once

    def reset(self) -> None:
        """Forget all scripting and recorded requests."""
        with self.lock:
            self.script = Script()
            self.requests.clear()

    def answer(self, h: Handler, method: str) -> None:
        """Record the request, then answer it: a scripted fault, else its route."""
        path = h.path.split("?", 1)[0].rstrip("/")
        raw = h.read_body() if method == "POST" else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        record = {
            "method": method,
            "path": path,
            "headers": {k.lower(): v for k, v in h.headers.items()},
            "body": body,
        }
        h.record = record
        with self.cond:
            self.requests.append(record)
            self.cond.notify_all()
            fault = draw_fault(self.script)

        if fault.delay and waited_out(h, fault.delay, self.stopping):
            return
        request_id = f"req_fake_{next(self.ids)}"
        headers = {"x-request-id": request_id}
        if fault.failing:
            send_failure(h, fault, headers)
            return
        if fault.garbage:
            send_garbage(h, fault, body, headers)
            return

        if method == "GET" and path == "/v1/models":
            h.send_json(200, models_list(self.served.models), extra_headers=headers)
        elif method == "POST" and path == "/v1/chat/completions":
            self._chat(h, body, request_id, headers)
        elif method == "POST" and path == "/v1/embeddings":
            self._embeddings(h, body, headers)
        else:  # as OpenAI words it: not a missing model (no `model_not_found` code)
            payload = {"error": {"message": f"Invalid URL ({method} {path})",
                                 "type": "invalid_request_error", "param": None, "code": None}}
            h.send_json(404, payload, extra_headers=headers)

    def _chat(self, h: Handler, body: Any, request_id: str, headers: dict[str, str]) -> None:
        if not isinstance(body, dict) or not messages(body):
            h.send_json(
                400, error_body(400, "'messages' is a required property"), extra_headers=headers
            )
            return
        with self.lock:
            script = self.script
            reply = script.reply
            reject = script.reject_response_format
            reject_options = script.reject_stream_options
            ignore = script.ignore_response_format
            chunk_delay = script.chunk_delay
            stream = bool(body.get("stream"))
            break_after: int | None = None
            if stream and script.break_times > 0:
                script.break_times -= 1
                break_after = script.break_after

        local = self.served.local
        refused = request_refusal(body, self.served.models, local=local)
        if refused is not None:
            h.send_json(refused[0], refused[1], extra_headers=headers)
            return
        if reject_options and "stream_options" in body:
            h.send_json(400, error_body(400, "Unrecognized request argument: stream_options"),
                        extra_headers=headers)
            return
        if reject and "response_format" in body:
            payload = {
                "error": {
                    "message": "response_format is not supported",
                    "type": "invalid_request_error",
                }
            }
            h.send_json(400, payload, extra_headers=headers)
            return

        try:
            content = chat_content(body, reply, ignore or local)
        except Exception as exc:  # a test's reply callable blew up: make it visible
            log.debug("reply callable failed", exc_info=True)
            msg = f"fake reply callable raised {type(exc).__name__}: {exc}"
            h.send_json(500, error_body(500, msg), extra_headers=headers)
            return

        model = str(body.get("model") or self.served.models[0])
        completion_id = "chatcmpl-" + request_id.removeprefix("req_")
        tokens = None if local else usage(body, content)
        if not stream:
            h.send_json(200, chat_completion(completion_id, model, content, tokens),
                        extra_headers=headers)
            return

        opts = body.get("stream_options")
        include_usage = (isinstance(opts, dict) and bool(opts.get("include_usage"))
                         and tokens is not None)
        events = list(stream_events(completion_id, model, content, tokens, include_usage))
        send_stream(h, events, headers, chunk_delay=chunk_delay, break_after=break_after,
                    stopping=self.stopping, note=self._note_stream)

    def _note_stream(self, timing: StreamTiming) -> None:
        with self.lock:
            self.streams.append(timing)

    def _embeddings(self, h: Handler, body: Any, headers: dict[str, str]) -> None:
        """OpenAI's embeddings answer: one vector per input, as floats or base64."""
        with self.lock:
            vectors, offered = self.script.vectors, self.script.embeddings_offered
        if not offered:
            h.send_json(404, error_body(404, "This server does not offer embeddings"),
                        extra_headers=headers)
            return
        refused = embeddings_refusal(body, self.served.models)
        if refused is not None:
            h.send_json(404, refused, extra_headers=headers)
            return
        inputs = body.get("input") if isinstance(body, dict) else None
        if isinstance(inputs, str):
            inputs = [inputs]
        if (not isinstance(inputs, list) or not inputs
                or not all(isinstance(text, str) and text for text in inputs)):
            h.send_json(400, error_body(400, "'input' must be a non-empty string or a list "
                                             "of them"), extra_headers=headers)
            return
        h.send_json(200, embeddings_list(inputs, vectors,
                                         model=str(body.get("model") or "fake-embedding"),
                                         as_base64=body.get("encoding_format") == "base64"),
                    extra_headers=headers)
