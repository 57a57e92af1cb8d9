"""A fake OpenAI-compatible HTTP server for tests and benchmarks.

Why a real HTTP server instead of mocking the SDK: the bot talks to LLMs through the ``openai``
SDK (v3, built on ``httpx2``), and the interesting failures -- timeouts, 5xx, HTML error pages,
servers that reject ``response_format``, streams that die half-way -- only show up faithfully when
the SDK's own transport, retry and error-mapping code runs against real sockets. This server is
standard-library only, binds to ``127.0.0.1`` on an ephemeral port, and every behaviour is
scriptable and thread-safe so tests can drive the bot end-to-end without any network.

Usage::

    with FakeOpenAI() as fake:
        fake.reply("1. Fewer meetings")
        client = openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=0)
        ...
        fake.wait_for_requests(1)
        assert fake.requests[0]["body"]["model"] == "gpt-4o-mini"

Each recorded request is a dict ``{"method", "path", "headers", "body"}`` where ``headers`` has
lower-cased names and ``body`` is the parsed JSON body (``None`` for GET or an unparsable body);
once answered it also has ``"status"``, the HTTP status the fake answered with.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import itertools
import json
import logging
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

__all__ = ["DEFAULT_MODELS", "LOCAL_MODELS", "FakeOpenAI", "ReplyFn", "default_vector",
           "family"]

log = logging.getLogger(__name__)

ReplyFn = Callable[[dict[str, Any]], str]
"""A scripted reply that is computed from the parsed request body."""

DEFAULT_MODELS: tuple[str, ...] = (
    "gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-5-chat-latest", "gpt-4",  # chat models
    "gpt-5", "gpt-5-mini", "gpt-5-nano", "o1", "o3", "o3-mini", "o4-mini",  # reasoning models
    "fake-model", "fake-local-model",  # names the tests use, served as chat models
    "text-embedding-3-small", "text-embedding-3-large", "nomic-embed-text",
    "fake-embed",  # embeddings models
)
"""What the fake serves as OpenAI; any other model name is answered 404 model_not_found."""
LOCAL_MODELS: tuple[str, ...] = ("llama3.2", "fake-local-model", "nomic-embed-text")
"""What the fake serves as a local server (``FakeOpenAI(local=True)``)."""
EMBEDDING_DIMS = 64

_ERROR_TYPES: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("server_error", "timeout"),
    409: ("invalid_request_error", "conflict"),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}

_IDEA_TEMPLATES: tuple[str, ...] = (
    "Run a two-week experiment on {t} and review the results together",
    "Ask three people what slows down {t} and fix the most common answer",
    "Borrow how another team handles {t} and adapt one practice",
    "Remove one step from {t} and see if anyone misses it",
    "Measure {t} for a week before changing anything",
    "Automate the most repetitive part of {t}",
    "Write a one-page guide to {t} and share it",
)


def _error_body(status: int, message: str) -> dict[str, Any]:
    """Build an error payload shaped like OpenAI's so the SDK extracts message/type/code."""
    err_type, code = _ERROR_TYPES.get(status, ("server_error", None))
    return {"error": {"message": message, "type": err_type, "param": None, "code": code}}


# ---------------------------------------------------------------- what the real API refuses
#
# The fake refuses what OpenAI's Chat Completions API refuses, so that a test passes only
# when the app's request would pass there too. Each rule names where it was seen; the
# wording and the error's fields (message, type, param, code) are OpenAI's.

_REASONING = re.compile(r"^(gpt-5|o1|o3|o4)(?!.*-chat)")
"""The gpt-5 family and the o-series are reasoning models (gpt-5-chat-latest is not)."""

# The defaults reasoning models accept; any other value is refused.
_SAMPLING_DEFAULTS: dict[str, float] = {
    "temperature": 1, "top_p": 1, "presence_penalty": 0, "frequency_penalty": 0,
}


# (most completion tokens, context window) of the OpenAI models the fake serves, as
# OpenAI's model pages give them; the fake's other names have no limits.
_LIMITS: dict[str, tuple[int, int]] = {
    "gpt-4o-mini": (16_384, 128_000), "gpt-4o": (16_384, 128_000),
    "gpt-4.1-mini": (32_768, 1_047_576), "gpt-5-chat-latest": (16_384, 128_000),
    "gpt-4": (8_192, 8_192),
    "gpt-5": (128_000, 400_000), "gpt-5-mini": (128_000, 400_000),
    "gpt-5-nano": (128_000, 400_000), "o1": (100_000, 200_000), "o3": (100_000, 200_000),
    "o3-mini": (100_000, 200_000), "o4-mini": (100_000, 200_000),
}


def family(model: str, *, local: bool = False) -> str:
    """How the fake treats `model`: "reasoning", "chat", or "local" (a local server's).
    The fake's own rule, written apart from the app's (`bot.llm.families`) on purpose."""
    if local:
        return "local"
    return "reasoning" if _REASONING.match(model) else "chat"


def _refusal(message: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param,
                      "code": code}}


def _unknown_model(model: str, *, local: bool) -> dict[str, Any]:
    if local:
        # Ollama's own wording and type (its OpenAI layer), as tests/e2e/test_operator_steps.py
        # quotes it: 'model "x" not found, try pulling it first', type api_error.
        return {"error": {"message": f'model "{model}" not found, try pulling it first',
                          "type": "api_error", "param": None, "code": None}}
    # OpenAI: 404 "The model `…` does not exist or you do not have access to it.",
    # code model_not_found (seen in openai/openai-agents-python#458).
    return _refusal(f"The model `{model}` does not exist or you do not have access to it.",
                    None, "model_not_found")


def _reasoning_refusal(body: dict[str, Any]) -> dict[str, Any] | None:
    """What a reasoning model refuses (gpt-5*, o1*, o3*, o4*)."""
    value = body.get("temperature")
    if value is not None and value != _SAMPLING_DEFAULTS["temperature"]:
        # 400 unsupported_value, param temperature: "Unsupported value: 'temperature' does
        # not support 0 with this model. Only the default (1) value is supported."
        # (gpt-5-mini: QwenLM/qwen-code#921; the full error: gabrii/Cursor-Azure-GPT-5#33)
        return _refusal(f"Unsupported value: 'temperature' does not support "
                        f"{json.dumps(value)} with this model. Only the default (1) value "
                        "is supported.", "temperature", "unsupported_value")
    for name in ("top_p", "presence_penalty", "frequency_penalty"):
        value = body.get(name)
        if value is not None and value != _SAMPLING_DEFAULTS[name]:
            # 400 unsupported_parameter: "Unsupported parameter: 'top_p' is not supported
            # with this model." (o1: aandrew-me/tgpt#333; o4-mini: lobehub/lobehub#7747;
            # presence_penalty on gpt-5-mini: nextai-translator/nextai-translator#1781).
            # Whether the default value itself passes is not documented; the fake lets it.
            return _refusal(f"Unsupported parameter: '{name}' is not supported with this "
                            "model.", name, "unsupported_parameter")
    if "max_tokens" in body:
        # 400 unsupported_parameter, param max_tokens (gpt-5: griptape-ai/ComfyUI-Griptape
        # #312; o1/o3-mini: teilomillet/gollm#33): they take max_completion_tokens.
        return _refusal("Unsupported parameter: 'max_tokens' is not supported with this "
                        "model. Use 'max_completion_tokens' instead.", "max_tokens",
                        "unsupported_parameter")
    return None


def _limit_refusal(body: dict[str, Any], model: str) -> dict[str, Any] | None:
    """An output limit above what the model can write, or one that with the prompt does
    not fit its context window."""
    if model not in _LIMITS:
        return None
    most, context = _LIMITS[model]
    name = next((n for n in ("max_completion_tokens", "max_tokens") if n in body), None)
    asked = body.get(name) if name else None
    if not isinstance(asked, int):
        return None
    if asked > most:
        # "max_tokens is too large: 8192. This model supports at most 4096 completion
        # tokens, whereas you provided 8192." param max_tokens, code null
        # (ChatGPTNextWeb/NextChat#3195; diffbot/code-gpt-docs#284).
        return _refusal(f"{name} is too large: {asked}. This model supports at most {most} "
                        f"completion tokens, whereas you provided {asked}.", name, None)
    prompt = _usage(body, "")["prompt_tokens"]
    if prompt + asked > context:
        # "This model's maximum context length is 8192 tokens. However, you requested 8256
        # tokens (64 in the messages, 8192 in the completion). Please reduce the length of
        # the messages or completion." param messages, code context_length_exceeded
        # (gpt-4: ChatGPTNextWeb/NextChat#3195).
        return _refusal(f"This model's maximum context length is {context} tokens. However, "
                        f"you requested {prompt + asked} tokens ({prompt} in the messages, "
                        f"{asked} in the completion). Please reduce the length of the "
                        "messages or completion.", "messages", "context_length_exceeded")
    return None


def _strict_schema_refusal(fmt: Any) -> dict[str, Any] | None:
    """A strict `json_schema` needs, on every object, `additionalProperties: false` and
    every property in `required`. OpenAI's words, param response_format:
    "Invalid schema for response_format 'x': In context=(), 'additionalProperties' is
    required to be supplied and to be false." (agentscope-ai/agentscope-java#2548,
    moeru-ai/xsai#145) and "… In context=(), 'required' is required to be supplied and to
    be an array including every key in properties. Missing 'message'."
    (bingoYB/ham_home#16); nested objects name their path, e.g. context=('properties',
    'etymology'). The code is invalid_json_schema (Part-DB/Part-DB-server#1540)."""
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not spec.get("strict"):
        return None
    name = spec.get("name", "")

    def refuse(path: tuple[str, ...], rule: str) -> dict[str, Any]:
        return _refusal(f"Invalid schema for response_format '{name}': In context={path!r}, "
                        f"{rule}", "response_format", "invalid_json_schema")

    def check(node: Any, path: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(node, dict):
            return None
        properties = node.get("properties")
        if node.get("type") == "object" or isinstance(properties, dict):
            if node.get("additionalProperties") is not False:
                return refuse(path, "'additionalProperties' is required to be supplied and "
                                    "to be false.")
            required = node.get("required")
            for key in properties or {}:
                if not isinstance(required, list) or key not in required:
                    return refuse(path, "'required' is required to be supplied and to be an "
                                        "array including every key in properties. Missing "
                                        f"'{key}'.")
            for key, child in (properties or {}).items():
                if found := check(child, (*path, "properties", key)):
                    return found
        if found := check(node.get("items"), (*path, "items")):
            return found
        return None

    return check(spec.get("schema"), ())


def _request_refusal(body: dict[str, Any], models: tuple[str, ...], *,
                     local: bool) -> tuple[int, dict[str, Any]] | None:
    """The status and error the real service would answer this chat request with, if any."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return 400, _refusal("you must provide a model parameter", None, None)
    if model not in models:
        return 404, _unknown_model(model, local=local)
    if local:
        # Ollama-style servers take what they do not know without complaint: sampling
        # parameters of any value, max_tokens, a stray stream_options (ignored), and a
        # json_schema response_format (ignored, see FakeOpenAI(local=True)).
        return None
    if "stream_options" in body and not body.get("stream"):
        # "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        # param stream_options, code null (BerriAI/litellm#5803).
        return 400, _refusal("The 'stream_options' parameter is only allowed when 'stream' "
                             "is enabled.", "stream_options", None)
    if family(model) == "reasoning" and (refused := _reasoning_refusal(body)):
        return 400, refused
    if refused := _limit_refusal(body, model):
        return 400, refused
    if refused := _strict_schema_refusal(body.get("response_format")):
        return 400, refused
    return None


def _message_text(message: Any) -> str:
    """Flatten a chat message's content (string or list of parts) into plain text."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        return " ".join(parts)
    return ""


def _messages(body: dict[str, Any]) -> list[Any]:
    msgs = body.get("messages")
    return msgs if isinstance(msgs, list) else []


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(_messages(body)):
        if isinstance(message, dict) and message.get("role") == "user":
            return _message_text(message)
    return ""


def _topic_from(text: str) -> str:
    """Pick a short topic phrase out of a (possibly long) prompt for the default ideas.

    Uses the first non-empty line, prefers what follows a colon ("Topic: X") or, when the
    line ends with one, the first line of the text fenced after it (idealoop's prompts:
    "… on this topic:" and the topic inside `<<<USER_TEXT` fences), and trims to a few
    words so default replies stay short and recognisably tied to the request.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    line = lines[0] if lines else ""
    if line.endswith(":"):
        fenced = [ln for ln in lines[1:] if not ln.startswith("<<") and not ln.endswith(">>")]
        line = fenced[0] if fenced else line
    if ":" in line and line.split(":", 1)[1].strip():
        line = line.split(":", 1)[1].strip()
    line = re.sub(r"\s+", " ", line).strip(" .?!\"'")
    words = line.split(" ")
    if len(words) > 8:
        line = " ".join(words[:8])
    return line or "the topic"


def default_ideas(body: dict[str, Any], count: int = 5) -> list[str]:
    """Default assistant ideas derived from the last user message (deterministic)."""
    topic = _topic_from(_last_user_text(body))
    return [tpl.format(t=topic) for tpl in _IDEA_TEMPLATES[:count]]


def _wants_json(body: dict[str, Any]) -> bool:
    fmt = body.get("response_format")
    return isinstance(fmt, dict) and fmt.get("type") in ("json_schema", "json_object")


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    """Rough token accounting (4 characters per token) so cost/usage code has numbers."""
    prompt_chars = sum(len(_message_text(m)) for m in _messages(body))
    prompt_tokens = prompt_chars // 4
    completion_tokens = len(content) // 4
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def default_vector(text: str, dims: int = EMBEDDING_DIMS) -> list[float]:
    """A deterministic stand-in for an embedding: the text's lower-cased words hashed
    into `dims` buckets (a bag of words, not a meaning). Tests that need two texts to be
    close in meaning script their vectors with `FakeOpenAI.embeddings`."""
    vector = [0.0] * dims
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
        vector[int.from_bytes(digest, "little") % dims] += 1.0
    return vector


def _split_for_stream(content: str) -> list[str]:
    """Split content into word-sized pieces (keeping whitespace) like a token stream would."""
    pieces = re.findall(r"\s*\S+\s*", content)
    return pieces or ([content] if content else [])


class _Script:
    """Mutable, lock-protected description of how the fake answers the next requests."""

    def __init__(self) -> None:
        self.reply: str | ReplyFn | None = None
        self.delay: float = 0.0
        self.chunk_delay: float = 0.0
        self.fail_status: int = 500
        self.fail_times: int = 0
        self.fail_body: str | dict[str, Any] | None = None
        self.fail_retry_after: float | None = None
        self.garbage_times: int = 0
        self.garbage_content_type: str | None = None
        self.reject_response_format: bool = False
        self.ignore_response_format: bool = False
        self.break_after: int = 0
        self.break_times: int = 0
        self.vectors: dict[str, list[float]] = {}
        self.reject_stream_options: bool = False
        self.embeddings_offered: bool = True


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks live connections so ``stop()`` can end them promptly."""

    daemon_threads = True
    block_on_close = False  # we join handler threads ourselves, with a timeout
    request_queue_size = 128  # benchmarks open many concurrent connections

    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        super().__init__(("127.0.0.1", 0), _Handler)

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


class _Handler(BaseHTTPRequestHandler):
    """Per-connection handler; all behaviour lives on the owning :class:`FakeOpenAI`."""

    protocol_version = "HTTP/1.1"  # keep-alive like real APIs, chunked streaming
    disable_nagle_algorithm = True  # tiny SSE chunks must not wait for delayed ACKs
    timeout = 60
    server: _Server
    record: dict[str, Any] | None = None  # the request being answered, noted with its status

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""
        log.debug("fake openai: " + format, *args)

    def do_GET(self) -> None:
        self.server.fake._handle(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._handle(self, "POST")

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


class FakeOpenAI:
    """Scriptable fake of the OpenAI chat-completions and embeddings API, over real HTTP.

    Why scriptable per call rather than configured once: tests need sequences such as "fail
    twice, then succeed" or "reject schemas, then accept plain text" to exercise the bot's
    retry and fallback logic. All script methods return ``self`` so they can be chained.

    By default it answers as OpenAI does, model family by model family: it refuses what
    the real API refuses (`_request_refusal`: unknown models, reasoning models' sampling
    parameters and ``max_tokens``, strict schemas that are not strict, ``stream_options``
    without ``stream``). ``local=True`` answers as a local server does, modelled on Ollama
    before its 0.5 releases: a ``json_schema`` response_format is ignored (the model
    answers free text: ollama/ollama#10001, callstackincubator/fabrice-ai#118), no usage
    is reported (``stream_options`` is ignored: ollama/ollama#4448, #5200; the fake omits
    usage from plain answers too, as some servers do, although Ollama reports it there),
    and sampling parameters of any value pass.
    """

    def __init__(
        self, *, models: tuple[str, ...] | None = None, local: bool = False,
        stop_timeout: float = 5.0,
    ) -> None:
        #: The models served; a chat request for any other is answered 404.
        self.models = models if models is not None else (LOCAL_MODELS if local
                                                           else DEFAULT_MODELS)
        #: A local server, Ollama-style, instead of OpenAI (see the class docstring).
        self.local = local
        self.stop_timeout = stop_timeout
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._script = _Script()
        self._requests: list[dict[str, Any]] = []
        #: Each streamed answer's timing (``time.monotonic()``): when its first chunk was
        #: written and when its last one was (None if it was cut off).
        self.streams: list[dict[str, float | None]] = []
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind to 127.0.0.1 on a free port and serve from a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end open connections and close the listening socket (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in delay()/chunk_delay()
        server.shutdown()
        server.drop_connections(self.stop_timeout)
        server.server_close()
        if thread is not None:
            thread.join(self.stop_timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What ``openai.OpenAI(base_url=...)`` takes, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # ------------------------------------------------------------------ scripting

    def reply(self, content: str | ReplyFn | None) -> Self:
        """Set what the assistant says from now on (``None`` restores the default ideas)."""
        with self._lock:
            self._script.reply = content
        return self

    def delay(self, seconds: float) -> Self:
        """Wait this long before answering (for streams: before the first chunk)."""
        with self._lock:
            self._script.delay = max(0.0, seconds)
        return self

    def chunk_delay(self, seconds: float) -> Self:
        """Wait this long between streamed chunks."""
        with self._lock:
            self._script.chunk_delay = max(0.0, seconds)
        return self

    def fail(
        self,
        status: int = 500,
        times: int = 1,
        body: str | dict[str, Any] | None = None,
        *,
        retry_after: float | None = None,
    ) -> Self:
        """Answer the next ``times`` requests with HTTP ``status`` and an OpenAI-style error.

        ``retry_after`` (seconds) adds a ``retry-after-ms`` header, which the SDK honours, so
        retry tests don't have to sit through its default back-off.
        """
        with self._lock:
            self._script.fail_status = status
            self._script.fail_times = max(0, times)
            self._script.fail_body = body
            self._script.fail_retry_after = retry_after
        return self

    def garbage(self, times: int = 1, *, content_type: str | None = None) -> Self:
        """Answer the next ``times`` requests with 200 and a body that is not JSON.

        By default a plain request gets an HTML page labelled ``application/json`` (a broken
        proxy/server; the SDK raises a bare ``json.JSONDecodeError``) and a streaming request
        gets well-framed SSE whose ``data:`` is not JSON. An explicit ``content_type`` (e.g.
        ``text/html``, a captive portal) always sends the HTML page with that type -- note the
        SDK then returns the page as a ``str`` from ``create()``, or an empty stream.
        """
        with self._lock:
            self._script.garbage_times = max(0, times)
            self._script.garbage_content_type = content_type
        return self

    def reject_response_format(self, enabled: bool = True) -> Self:
        """Answer 400 whenever ``response_format`` is present, like some local servers."""
        with self._lock:
            self._script.reject_response_format = enabled
        return self

    def reject_stream_options(self, enabled: bool = True) -> Self:
        """Answer 400 whenever ``stream_options`` is present, like some older servers."""
        with self._lock:
            self._script.reject_stream_options = enabled
        return self

    def ignore_response_format(self, enabled: bool = True) -> Self:
        """Answer plain text even when a JSON schema was requested (Ollama/llama.cpp style)."""
        with self._lock:
            self._script.ignore_response_format = enabled
        return self

    def break_stream_after(self, n_chunks: int, times: int = 1) -> Self:
        """Cut the connection after ``n_chunks`` SSE events on the next ``times`` streams."""
        with self._lock:
            self._script.break_after = max(0, n_chunks)
            self._script.break_times = max(0, times)
        return self

    def embeddings(self, vectors: dict[str, list[float]] | None = None, *,
                   offered: bool = True) -> Self:
        """Answer `/v1/embeddings` with these vectors for these exact texts (others get
        `default_vector`); `offered=False` answers 404, like a server without them."""
        with self._lock:
            self._script.vectors = dict(vectors or {})
            self._script.embeddings_offered = offered
        return self

    def _unknown_model(self, h: _Handler, body: Any, headers: dict[str, str]) -> bool:
        """Answer 404 ``model_not_found`` (OpenAI's words) for an embeddings model the
        fake does not serve (chat requests are checked by `_request_refusal`)."""
        model = body.get("model") if isinstance(body, dict) else None
        if model in self.models:
            return False
        h.send_json(404, _error_body(404, f"The model `{model}` does not exist or you do "
                                          "not have access to it."), extra_headers=headers)
        return True

    def reset(self) -> Self:
        """Forget all scripting and recorded requests."""
        with self._lock:
            self._script = _Script()
            self._requests.clear()
        return self

    # ------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A snapshot of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least ``n`` requests arrived; raise ``TimeoutError`` otherwise."""
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self._requests) >= n, timeout)
            if not ok:
                raise TimeoutError(
                    f"expected {n} request(s) within {timeout}s, got {len(self._requests)}"
                )
            return list(self._requests)

    # ------------------------------------------------------------------ serving

    def _handle(self, h: _Handler, method: str) -> None:
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
        with self._cond:
            self._requests.append(record)
            self._cond.notify_all()
            script = self._script
            delay = script.delay
            failing = script.fail_times > 0
            if failing:
                script.fail_times -= 1
            fail_status, fail_body = script.fail_status, script.fail_body
            retry_after = script.fail_retry_after
            garbage = not failing and script.garbage_times > 0
            if garbage:
                script.garbage_times -= 1
            garbage_ctype = script.garbage_content_type

        if delay and self._stopping.wait(delay):
            h.close_connection = True
            return
        request_id = f"req_fake_{next(self._ids)}"
        headers = {"x-request-id": request_id}
        if failing:
            if retry_after is not None:
                headers["retry-after-ms"] = str(int(retry_after * 1000))
            payload = fail_body
            if payload is None:
                try:
                    reason = HTTPStatus(fail_status).phrase
                except ValueError:
                    reason = "Error"
                payload = _error_body(fail_status, f"Fake failure: {reason}")
            h.send_json(fail_status, payload, extra_headers=headers)
            return
        if garbage:
            page = b"<html><body><h1>502 Bad Gateway</h1>not json at all</body></html>"
            if garbage_ctype is None and isinstance(body, dict) and body.get("stream"):
                lines = [b"data: " + page + b"\n\n", b"data: [DONE]\n\n"]
                h.send_sse_lines(lines, headers)
            else:
                h.send_raw(200, page, garbage_ctype or "application/json", extra_headers=headers)
            return

        if method == "GET" and path == "/v1/models":
            now = int(time.time())
            data = [
                {"id": m, "object": "model", "created": now, "owned_by": "fake-openai"}
                for m in self.models
            ]
            h.send_json(200, {"object": "list", "data": data}, extra_headers=headers)
        elif method == "POST" and path == "/v1/chat/completions":
            self._chat(h, body, request_id, headers)
        elif method == "POST" and path == "/v1/embeddings":
            self._embeddings(h, body, headers)
        else:  # as OpenAI words it: not a missing model (no `model_not_found` code)
            payload = {"error": {"message": f"Invalid URL ({method} {path})",
                                 "type": "invalid_request_error", "param": None, "code": None}}
            h.send_json(404, payload, extra_headers=headers)

    def _chat(self, h: _Handler, body: Any, request_id: str, headers: dict[str, str]) -> None:
        if not isinstance(body, dict) or not _messages(body):
            h.send_json(
                400, _error_body(400, "'messages' is a required property"), extra_headers=headers
            )
            return
        with self._lock:
            script = self._script
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

        refused = _request_refusal(body, self.models, local=self.local)
        if refused is not None:
            h.send_json(refused[0], refused[1], extra_headers=headers)
            return
        if reject_options and "stream_options" in body:
            h.send_json(400, _error_body(400, "Unrecognized request argument: stream_options"),
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
            content = self._content(body, reply, ignore or self.local)
        except Exception as exc:  # a test's reply callable blew up: make it visible
            log.debug("reply callable failed", exc_info=True)
            msg = f"fake reply callable raised {type(exc).__name__}: {exc}"
            h.send_json(500, _error_body(500, msg), extra_headers=headers)
            return

        model = str(body.get("model") or self.models[0])
        completion_id = "chatcmpl-" + request_id.removeprefix("req_")
        usage = None if self.local else _usage(body, content)
        if not stream:
            completion: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": None},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
            }
            if usage is not None:
                completion["usage"] = usage
            h.send_json(200, completion, extra_headers=headers)
            return

        opts = body.get("stream_options")
        include_usage = (isinstance(opts, dict) and bool(opts.get("include_usage"))
                         and usage is not None)
        events = list(self._stream_events(completion_id, model, content, usage, include_usage))
        self._send_stream(h, events, headers, chunk_delay, break_after)

    def _embeddings(self, h: _Handler, body: Any, headers: dict[str, str]) -> None:
        """OpenAI's embeddings answer: one vector per input, as floats or base64."""
        with self._lock:
            vectors, offered = self._script.vectors, self._script.embeddings_offered
        if not offered:
            h.send_json(404, _error_body(404, "This server does not offer embeddings"),
                        extra_headers=headers)
            return
        if self._unknown_model(h, body, headers):
            return
        inputs = body.get("input") if isinstance(body, dict) else None
        if isinstance(inputs, str):
            inputs = [inputs]
        if (not isinstance(inputs, list) or not inputs
                or not all(isinstance(text, str) and text for text in inputs)):
            h.send_json(400, _error_body(400, "'input' must be a non-empty string or a list "
                                              "of them"), extra_headers=headers)
            return
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(inputs):
            vector = vectors.get(text) or default_vector(text)
            encoded: Any = (base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                            if as_base64 else vector)
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(text) // 4 for text in inputs)
        h.send_json(200, {"object": "list", "data": data,
                          "model": str(body.get("model") or "fake-embedding"),
                          "usage": {"prompt_tokens": tokens, "total_tokens": tokens}},
                    extra_headers=headers)

    def _content(self, body: dict[str, Any], reply: str | ReplyFn | None, ignore: bool) -> str:
        if callable(reply):
            return str(reply(copy.deepcopy(body)))  # the recorded request must stay intact
        if reply is not None:
            return reply
        ideas = default_ideas(body)
        if _wants_json(body) and not ignore:
            return json.dumps({"ideas": ideas})
        return "\n".join(f"{i}. {idea}" for i, idea in enumerate(ideas, 1))

    @staticmethod
    def _stream_events(
        completion_id: str,
        model: str,
        content: str,
        usage: dict[str, int] | None,
        include_usage: bool,
    ) -> Iterator[dict[str, Any]]:
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
            event: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if include_usage:
                event["usage"] = None
            return event

        yield chunk({"role": "assistant", "content": "", "refusal": None}, None)
        for piece in _split_for_stream(content):
            yield chunk({"content": piece}, None)
        yield chunk({}, "stop")
        if include_usage:
            final = chunk({}, None)
            final["choices"] = []
            final["usage"] = usage
            yield final

    def _send_stream(
        self,
        h: _Handler,
        events: list[dict[str, Any]],
        headers: dict[str, str],
        chunk_delay: float,
        break_after: int | None,
    ) -> None:
        h.start_sse(headers)
        lines = [f"data: {json.dumps(e)}\n\n".encode() for e in events]
        lines.append(b"data: [DONE]\n\n")
        timing = {"first_at": time.monotonic(), "last_at": None}
        with self._lock:
            self.streams.append(timing)
        for index, line in enumerate(lines):
            if break_after is not None and index >= break_after:
                # Leave the chunked body unterminated: the client sees a truncated stream.
                h.close_connection = True
                with contextlib.suppress(OSError):
                    h.connection.shutdown(socket.SHUT_RDWR)
                return
            if index and chunk_delay and self._stopping.wait(chunk_delay):
                h.close_connection = True
                return
            h.write_chunk(line)
        timing["last_at"] = time.monotonic()
        h.wfile.write(b"0\r\n\r\n")
