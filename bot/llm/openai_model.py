"""Chat completions and embeddings on any OpenAI-compatible server (OpenAI, Ollama,
vLLM, llama.cpp, …).

Ideas are asked for with a JSON schema, falling back to plain text when a server refuses
or ignores schemas; the timeout and retry count are explicit settings because a Slack
user is waiting on the other side. Every SDK failure becomes `LLMUnavailable` or
`LLMBadOutput` with a message fit for the person who asked; the details go to the log.

Every model gets the same request, and the server says what it refuses: a 400 that names
one of the parameters a request can do without (`param`, or a quoted name with the codes
unsupported_parameter / unsupported_value) is asked once more without it, and that
parameter is not sent to this model again while the process lives (`OpenAIModel.adapted`).
So `IDEALOOP_TEMPERATURE` reaches the models that take it, and a reasoning model refuses
it once. A 400 that names nothing falls back as servers without schemas need: without
`response_format`, then without `stream_options`, each time.

With `IDEALOOP_REDACT=1` every request is redacted here, as it leaves for the server
(`_complete` for chat, `OpenAIEmbedder.embed` for embeddings): the one door every prompt
goes through, so no part of one (topic, thread, guidance, ideas, a person's text, a DM,
a seed) can be forgotten by a caller. Only the copy sent is redacted: what idealoop
stores, shows in Slack and offers as "why these ideas?" is the person's text as written.
The offline generator sends nothing anywhere and gets the text as it is.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import openai

from bot.config import Settings
from bot.errors import LLMBadOutput, LLMUnavailable
from bot.llm.families import family_of
from bot.llm.idea_parsing import StreamedIdeas, parse_ideas
from bot.llm.model import DraftRequest, Generation, IdeaRequest, IdeaStream, TokenUsage
from bot.llm.prompts import (
    IDEAS_SCHEMA,
    brainstorm_messages,
    draft_messages,
    review_messages,
)
from bot.llm.thread_fitting import estimate_tokens
from bot.metrics import llm_answered, llm_failed, llm_tokens
from bot.redaction import redact, redact_messages

if TYPE_CHECKING:  # our prompts are plain dicts of exactly this shape
    from openai.types.chat import ChatCompletionMessageParam

log = logging.getLogger(__name__)
T = TypeVar("T")
EMBED_BATCH = 256  # texts per embeddings request (servers cap the inputs of one)
PING_TOKENS = 16  # enough for any model to start an answer; reasoning ones may use it all
# The parameters a request can do without, and the order in which they are left out when
# a server refuses a request without saying why (servers without schemas, old servers
# without stream_options).
OPTIONAL = ("temperature", "max_completion_tokens", "response_format", "stream_options")
UNNAMED_FALLBACK = ("response_format", "stream_options")


class OpenAIModel:
    """Chat completions on an OpenAI-compatible server. `temperature` is sent when given;
    `output_limit` (max_completion_tokens) when given: a ceiling against runaway answers.
    `redact`: every message is redacted on its way to the server (`IDEALOOP_REDACT`)."""

    offline = False

    def __init__(self, client: openai.OpenAI, model: str, *, temperature: float | None = None,
                 output_limit: int | None = None, redact: bool = False) -> None:
        self.client = client
        self.model = model
        self.redact = redact
        self._always: dict[str, Any] = {}
        if temperature is not None:
            self._always["temperature"] = temperature
        if output_limit is not None:
            self._always["max_completion_tokens"] = output_limit
        self._lock = threading.Lock()
        self._dropped: dict[str, str] = {}

    @property
    def adapted(self) -> Mapping[str, str]:
        """The parameters this model refused so far and is no longer sent, each with the
        server's error code ("unsupported_value", …; "refused" when it gave none). Empty
        until a server refuses one; for `idealoop doctor` and the log."""
        with self._lock:
            return MappingProxyType(dict(self._dropped))

    def ideas(self, request: IdeaRequest) -> Generation:
        messages = brainstorm_messages(
            request.topic, request.count, request.approved, request.rejected,
            proposed=request.proposed, seed=request.seed, guidance=request.guidance,
        )
        schema = {"type": "json_schema", "json_schema": IDEAS_SCHEMA}
        # Many local servers reject response_format outright: asked again without it.
        response = self._complete(messages, response_format=schema)
        content = _content(response)
        ideas = parse_ideas(content, topic=request.topic)[: request.count]
        usage = getattr(response, "usage", None)
        counted = TokenUsage(getattr(usage, "prompt_tokens", None),
                             getattr(usage, "completion_tokens", None))
        _estimate_unreported(counted, messages, content)
        llm_tokens(self.model, counted.prompt_tokens, counted.completion_tokens)
        return Generation(
            ideas=ideas,
            model=getattr(response, "model", None) or self.model,
            prompt_tokens=counted.prompt_tokens,
            completion_tokens=counted.completion_tokens,
        )

    def ideas_stream(self, request: IdeaRequest) -> IdeaStream:
        """Ideas as the answer streams in (JSON schema first, plain text when refused)."""
        messages = brainstorm_messages(
            request.topic, request.count, request.approved, request.rejected,
            proposed=request.proposed, seed=request.seed, guidance=request.guidance,
        )
        schema = {"type": "json_schema", "json_schema": IDEAS_SCHEMA}
        # Servers that refuse a schema, then ones that refuse stream_options as well, are
        # asked again without them.
        chunks = self._complete(messages, stream=True, response_format=schema,
                                stream_options={"include_usage": True})
        stream = IdeaStream(iter(()), self.model)
        stream.ideas = self._streamed_ideas(chunks, request, stream, messages)
        return stream

    def _streamed_ideas(self, chunks: Any, request: IdeaRequest, stream: IdeaStream,
                        messages: list[dict[str, str]]) -> Iterator[str]:
        parsed = StreamedIdeas(topic=request.topic)
        for piece in self._pieces(chunks, stream, "these ideas", messages):
            yield from parsed.feed(piece)
        yield from parsed.finish()

    def _pieces(self, chunks: Any, usage: IdeaStream | TokenUsage, what: str,
                messages: list[dict[str, str]]) -> Iterator[str]:
        """The text of a streamed answer, piece by piece. The tokens it used are noted on
        `usage`: as the server reports them, or, when it reports none or the stream
        breaks off, estimated from the prompt and the text received."""
        received: list[str] = []
        _unparsed(chunks)
        try:
            for chunk in chunks:
                text, counted, model = _chunk_parts(chunk)
                if counted is not None:
                    usage.prompt_tokens, usage.completion_tokens = counted
                if isinstance(usage, IdeaStream) and model:
                    usage.model = model
                if text:
                    received.append(text)
                    yield text
        except openai.APIError as exc:  # the SDK wraps read timeouts and dropped streams
            log.warning("LLM stream broke off: %s", type(exc).__name__)
            llm_failed(self.model, "chat", exc)
            raise LLMUnavailable(
                "LLM stream broke off",
                user_message=f"The AI stopped before finishing {what}.",
            ) from None
        except ValueError as exc:
            log.warning("LLM stream sent something that is not JSON")
            llm_failed(self.model, "chat", exc)
            raise LLMBadOutput("unreadable stream") from None
        finally:
            _estimate_unreported(usage, messages, "".join(received))
            llm_tokens(self.model, usage.prompt_tokens, usage.completion_tokens)

    def draft_stream(self, request: DraftRequest,
                     usage: TokenUsage | None = None) -> Iterator[str]:
        messages = (draft_messages(request.instruction, request.thread_text,
                                   previous=request.previous, ideas=request.ideas,
                                   guidance=request.guidance)
                    if request.mode == "draft" else
                    review_messages(request.mode, request.work, request.instruction,
                                    request.thread_text, guidance=request.guidance))
        chunks = self._complete(messages, stream=True, stream_options={"include_usage": True})
        yield from self._pieces(chunks, usage or TokenUsage(), "this draft", messages)

    def ping(self) -> str:
        """One tiny chat completion, for `idealoop doctor`: the model's name as the server
        gives it. Asked the way every request is (what this model refused before is left
        out, and what it refuses now is adapted), with a small output ceiling. Raises
        LLMUnavailable (a 400 with the server's first line) or LLMBadOutput."""
        response = self._complete([{"role": "user", "content": "Answer: OK"}],
                                  explain_400=True, max_completion_tokens=PING_TOKENS)
        _content(response)  # an answer with choices, even if cut short by the limit
        return str(getattr(response, "model", None) or self.model)

    def _complete(self, messages: list[dict[str, str]], *, stream: bool = False,
                  explain_400: bool = False, **optional: Any) -> Any:
        """One chat completion. `optional`: parameters the request can do without (see
        OPTIONAL); with the configured ones, each is left out when the server refuses it.
        `explain_400`: a refusal that cannot be adapted keeps the server's first line (the
        doctor shows it; people are never shown it)."""
        if self.redact:  # the one place a prompt is redacted (see the module's docstring)
            messages = redact_messages(messages)
        with self._lock:
            asked = {name: value for name, value in {**self._always, **optional}.items()
                     if name not in self._dropped}
        if stream:
            asked["stream"] = True
        while True:
            try:
                return _calling(lambda: self._create(messages, asked), self.model,
                                setting="IDEALOOP_MODEL", pass_bad_request=True)
            except openai.BadRequestError as exc:
                left_out = self._left_out(exc, asked)
                if left_out is None:
                    log.warning("LLM rejected the request (400)")
                    reason = str(getattr(exc, "message", "") or "").splitlines()[:1]
                    detail = f"LLM answered 400: {''.join(reason)}" if explain_400 else ""
                    raise LLMUnavailable(detail.rstrip(": ") or "LLM answered 400") from None
                del asked[left_out]

    def _create(self, messages: list[dict[str, str]], asked: Mapping[str, Any]) -> Any:
        """The SDK call. A 404 that is not about the model means no chat completions API
        at this URL (a base URL without /v1, say), not an unknown model."""
        try:
            return self.client.chat.completions.create(
                model=self.model, messages=cast("list[ChatCompletionMessageParam]", messages),
                **asked)
        except openai.NotFoundError as exc:
            if exc.code == "model_not_found" or self.model in str(exc.message):
                raise
            log.error("LLM server has no chat completions API at its base URL (404)")
            raise LLMUnavailable("LLM endpoint not found") from None

    def _left_out(self, exc: openai.BadRequestError, asked: Mapping[str, Any]) -> str | None:
        """The parameter to ask again without after this 400, or None (nothing left to
        try). One the server names is remembered for this model; the log says which,
        never the prompt or the server's message."""
        code = exc.code if isinstance(exc.code, str) else None
        named = _named_parameters(exc, code)
        if named:
            name = next((n for n in named if n in asked and n in OPTIONAL), None)
            if name is None:
                return None
            with self._lock:
                self._dropped[name] = code or "refused"
            log.warning("LLM %r refused %s (%s): asking again without it, and from now on",
                        self.model, name, code or "400")
            return name
        name = next((n for n in UNNAMED_FALLBACK if n in asked), None)
        if name is not None:
            log.info("LLM refused the request (400) without naming a parameter; asking "
                     "again without %s", name)
        return name


def _named_parameters(exc: openai.BadRequestError, code: str | None) -> list[str]:
    """The request parameters a 400 blames: its `param` (up to the first dot or bracket:
    "response_format.json_schema" is response_format; max_tokens, the old name of the
    output limit, is max_completion_tokens), for the codes unsupported_parameter /
    unsupported_value the names it quotes (o3-mini once named "model" as the param of a
    refused temperature: openai/openai-python#2072), and for context_length_exceeded the
    output limit, the one part of the request idealoop can give up to fit (an 8k model
    such as gpt-4 takes no 8,192-token ceiling beside any prompt)."""
    named: list[str] = []
    param = exc.param if isinstance(exc.param, str) else ""
    if param:
        named.append(re.split(r"[.\[]", param, maxsplit=1)[0])
    if code in ("unsupported_parameter", "unsupported_value"):
        body = exc.body if isinstance(exc.body, dict) else {}
        message = body.get("message") if isinstance(body.get("message"), str) else ""
        named.extend(re.findall(r"'([a-z_]+)'", str(message)))
    if code == "context_length_exceeded":
        named.append("max_completion_tokens")
    return ["max_completion_tokens" if name == "max_tokens" else name for name in named]


def _estimate_unreported(usage: IdeaStream | TokenUsage, messages: list[dict[str, str]],
                         answer: str) -> None:
    """Fill in the tokens a server did not report (many local servers report none), so
    that the daily budget counts every request: a generous estimate from the text."""
    if usage.prompt_tokens is not None and usage.completion_tokens is not None:
        return
    usage.prompt_tokens = sum(estimate_tokens(message["content"]) + 4 for message in messages)
    usage.completion_tokens = estimate_tokens(answer)


def _calling(call: Callable[[], T], model: str, *, setting: str = "IDEALOOP_EMBEDDING_MODEL",
             pass_bad_request: bool = False) -> T:
    """`call()`, with every SDK failure turned into LLMUnavailable or LLMBadOutput and a
    message fit for the person; `setting` names the variable that chose `model`. A 400
    is passed on as it is when the caller can ask again differently. Timed and counted
    (`bot.metrics`): the error label is the SDK's exception type, not its message."""
    kind = "chat" if setting == "IDEALOOP_MODEL" else "embeddings"
    started = time.perf_counter()
    try:
        result = _translating(call, model, setting=setting, pass_bad_request=pass_bad_request)
    except Exception as exc:
        cause = exc.__context__ if isinstance(exc, LLMUnavailable | LLMBadOutput) else None
        llm_failed(model, kind, cause or exc)
        raise
    llm_answered(model, kind, time.perf_counter() - started)
    return result


def _translating(call: Callable[[], T], model: str, *, setting: str,
                 pass_bad_request: bool) -> T:
    """`_calling`'s translation of the SDK's failures."""
    try:
        return call()
    except openai.BadRequestError:
        if pass_bad_request:
            raise
        log.warning("LLM rejected the request (400)")
        raise LLMUnavailable("LLM answered 400") from None
    except openai.APITimeoutError:
        log.warning("LLM timed out")
        raise LLMUnavailable(
            "LLM timeout",
            user_message="The AI took too long to answer. Nothing was saved; please try again.",
        ) from None
    except openai.AuthenticationError:
        log.error("LLM refused the API key (401)")
        raise LLMUnavailable(
            "LLM auth failed",
            user_message="The AI service refused idealoop's credentials. Ask whoever runs "
            "idealoop to check OPENAI_API_KEY.",
        ) from None
    except openai.NotFoundError:
        log.error("LLM server does not know model %r", model)
        raise LLMUnavailable(
            "LLM model not found",
            user_message=f"The AI service does not offer the model {model!r}. Ask "
            f"whoever runs idealoop to check {setting}.",
        ) from None
    except openai.APIResponseValidationError:
        log.warning("LLM answered something that is not an OpenAI response")
        raise LLMBadOutput("unreadable LLM response") from None
    except openai.APIError as exc:
        log.warning("LLM unavailable: %s", type(exc).__name__)
        raise LLMUnavailable(type(exc).__name__) from None
    except ValueError:
        # JSON decoding of a garbage body surfaces as ValueError in some SDK versions.
        log.warning("LLM answered with a body that is not JSON")
        raise LLMBadOutput("non-JSON LLM response") from None


class OpenAIEmbedder:
    """Embeddings on an OpenAI-compatible server (`/v1/embeddings`); with `redact`, of
    the texts redacted (`IDEALOOP_REDACT`)."""

    def __init__(self, client: openai.OpenAI, model: str, *, redact: bool = False) -> None:
        self.client = client
        self.model = model
        self.redact = redact

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self.redact:
            texts = [redact(text) for text in texts]
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            batch = list(texts[start:start + EMBED_BATCH])
            response = _calling(partial(self.client.embeddings.create, model=self.model,
                                        input=batch, encoding_format="float"), self.model)
            try:
                rows = sorted(response.data, key=lambda row: row.index)
                got = [[float(x) for x in row.embedding] for row in rows]
            except (AttributeError, TypeError, ValueError):
                raise LLMBadOutput("unreadable embeddings") from None
            if len(got) != len(batch) or any(not vector for vector in got):
                raise LLMBadOutput(f"{len(got)} embeddings for {len(batch)} texts")
            vectors.extend(got)
        return vectors


def _content(response: Any) -> str:
    try:
        return response.choices[0].message.content or ""
    except (AttributeError, IndexError, TypeError):
        raise LLMBadOutput("LLM response without choices") from None


def _client(settings: Settings, http_client: Any) -> openai.OpenAI:
    return openai.OpenAI(
        # Local servers (Ollama, llama.cpp) need no key, but the SDK insists on one.
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        http_client=http_client,
    )


def openai_model(settings: Settings, *, http_client: Any = None) -> OpenAIModel:
    """A client for the configured server. `http_client` is a seam for tests and proxies."""
    return OpenAIModel(_client(settings, http_client), settings.model,
                       temperature=settings.temperature,
                       output_limit=family_of(settings.model).output_limit,
                       redact=settings.redact)


def openai_embedder(settings: Settings, *, http_client: Any = None) -> OpenAIEmbedder:
    """Embeddings by `IDEALOOP_EMBEDDING_MODEL` on the configured server."""
    return OpenAIEmbedder(_client(settings, http_client), settings.embedding_model or "",
                          redact=settings.redact)


def _unparsed(chunks: Any) -> None:
    """Have the SDK's stream hand over each chunk as the JSON object it read, not built
    into its typed models: building them (`construct_type`, field by field, chunk by
    chunk) was the largest cost of a brainstorm in the app's own threads
    (bench/brainstorm_cost.py). Everything else the stream does, error events and
    closing included, is unchanged. `_cast_to` is the SDK's own attribute, read when
    iteration starts; a stream without it keeps its typed chunks (`_chunk_parts` reads
    both)."""
    if isinstance(chunks, openai.Stream) and hasattr(chunks, "_cast_to"):
        chunks._cast_to = object


def _chunk_parts(chunk: Any) -> tuple[str | None, tuple[int | None, int | None] | None,
                                      str | None]:
    """A streamed chunk's text, its token counts (the usage chunk, which has no
    choices), and the model named: from the JSON object or from a typed chunk alike.
    Fields a server leaves out or sends malformed count as absent."""
    if isinstance(chunk, dict):
        choices = chunk.get("choices")
        first = choices[0] if isinstance(choices, list) and choices else None
        delta = first.get("delta") if isinstance(first, dict) else None
        text = delta.get("content") if isinstance(delta, dict) else None
        counted = chunk.get("usage")
        tokens = ((_count(counted.get("prompt_tokens")), _count(counted.get("completion_tokens")))
                  if isinstance(counted, dict) else None)
        model = chunk.get("model")
        return (text if isinstance(text, str) else None, tokens,
                model if isinstance(model, str) else None)
    choices = getattr(chunk, "choices", None) or []  # the usage chunk has none
    text = getattr(choices[0].delta, "content", None) if choices else None
    counted = getattr(chunk, "usage", None)
    tokens = ((getattr(counted, "prompt_tokens", None),
               getattr(counted, "completion_tokens", None)) if counted is not None else None)
    return text, tokens, getattr(chunk, "model", None)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
