"""`FakeOpenAI`: the fake's public face -- start and stop it, script it, read what it got.

Why only that here: a test reads this class to learn what it can ask of the fake; how a
request is answered lives in `responder` (and the contract, answers, faults and
streaming beside it), how it travels in `server`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

from testkit.fake_openai.contract import DEFAULT_MODELS, LOCAL_MODELS
from testkit.fake_openai.responder import Responder
from testkit.fake_openai.script import ReplyFn, Script
from testkit.fake_openai.server import Server


class FakeOpenAI:
    """Scriptable fake of the OpenAI chat-completions and embeddings API, over real HTTP.

    Why scriptable per call rather than configured once: tests need sequences such as "fail
    twice, then succeed" or "reject schemas, then accept plain text" to exercise the bot's
    retry and fallback logic. All script methods return ``self`` so they can be chained.

    By default it answers as OpenAI does, model family by model family: it refuses what
    the real API refuses (`contract.request_refusal`: unknown models, reasoning models'
    sampling parameters and ``max_tokens``, strict schemas that are not strict,
    ``stream_options`` without ``stream``). ``local=True`` answers as a local server
    does, modelled on Ollama before its 0.5 releases: a ``json_schema`` response_format
    is ignored (the model answers free text: ollama/ollama#10001,
    callstackincubator/fabrice-ai#118), no usage is reported (``stream_options`` is
    ignored: ollama/ollama#4448, #5200; the fake omits usage from plain answers too, as
    some servers do, although Ollama reports it there), and sampling parameters of any
    value pass.
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
        self._responder = Responder(self)
        #: Each streamed answer's timing (``time.monotonic()``): when its first chunk was
        #: written and when its last one was (None if it was cut off).
        self.streams = self._responder.streams
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind to 127.0.0.1 on a free port and serve from a daemon thread."""
        if self._server is not None:
            return self
        self._responder.stopping.clear()
        self._server = Server(self._responder.answer)
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
        self._responder.stopping.set()  # wakes handlers sleeping in delay()/chunk_delay()
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

    @contextlib.contextmanager
    def _scripting(self) -> Iterator[Script]:
        """The script, held under the fake's lock while a scripting method writes it."""
        with self._responder.lock:
            yield self._responder.script

    def reply(self, content: str | ReplyFn | None) -> Self:
        """Set what the assistant says from now on (``None`` restores the default ideas)."""
        with self._scripting() as script:
            script.reply = content
        return self

    def delay(self, seconds: float) -> Self:
        """Wait this long before answering (for streams: before the first chunk)."""
        with self._scripting() as script:
            script.delay = max(0.0, seconds)
        return self

    def chunk_delay(self, seconds: float) -> Self:
        """Wait this long between streamed chunks."""
        with self._scripting() as script:
            script.chunk_delay = max(0.0, seconds)
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
        with self._scripting() as script:
            script.fail_status = status
            script.fail_times = max(0, times)
            script.fail_body = body
            script.fail_retry_after = retry_after
        return self

    def garbage(self, times: int = 1, *, content_type: str | None = None) -> Self:
        """Answer the next ``times`` requests with 200 and a body that is not JSON.

        By default a plain request gets an HTML page labelled ``application/json`` (a broken
        proxy/server; the SDK raises a bare ``json.JSONDecodeError``) and a streaming request
        gets well-framed SSE whose ``data:`` is not JSON. An explicit ``content_type`` (e.g.
        ``text/html``, a captive portal) always sends the HTML page with that type -- note the
        SDK then returns the page as a ``str`` from ``create()``, or an empty stream.
        """
        with self._scripting() as script:
            script.garbage_times = max(0, times)
            script.garbage_content_type = content_type
        return self

    def reject_response_format(self, enabled: bool = True) -> Self:
        """Answer 400 whenever ``response_format`` is present, like some local servers."""
        with self._scripting() as script:
            script.reject_response_format = enabled
        return self

    def reject_stream_options(self, enabled: bool = True) -> Self:
        """Answer 400 whenever ``stream_options`` is present, like some older servers."""
        with self._scripting() as script:
            script.reject_stream_options = enabled
        return self

    def ignore_response_format(self, enabled: bool = True) -> Self:
        """Answer plain text even when a JSON schema was requested (Ollama/llama.cpp style)."""
        with self._scripting() as script:
            script.ignore_response_format = enabled
        return self

    def break_stream_after(self, n_chunks: int, times: int = 1) -> Self:
        """Cut the connection after ``n_chunks`` SSE events on the next ``times`` streams."""
        with self._scripting() as script:
            script.break_after = max(0, n_chunks)
            script.break_times = max(0, times)
        return self

    def embeddings(self, vectors: dict[str, list[float]] | None = None, *,
                   offered: bool = True) -> Self:
        """Answer `/v1/embeddings` with these vectors for these exact texts (others get
        `default_vector`); `offered=False` answers 404, like a server without them."""
        with self._scripting() as script:
            script.vectors = dict(vectors or {})
            script.embeddings_offered = offered
        return self

    def reset(self) -> Self:
        """Forget all scripting and recorded requests."""
        self._responder.reset()
        return self

    # ------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A snapshot of every request received so far, oldest first."""
        with self._responder.lock:
            return list(self._responder.requests)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least ``n`` requests arrived; raise ``TimeoutError`` otherwise."""
        requests = self._responder.requests
        with self._responder.cond:
            ok = self._responder.cond.wait_for(lambda: len(requests) >= n, timeout)
            if not ok:
                raise TimeoutError(
                    f"expected {n} request(s) within {timeout}s, got {len(requests)}"
                )
            return list(requests)
