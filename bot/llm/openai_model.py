"""Chat completions and embeddings on any OpenAI-compatible server (OpenAI, Ollama,
vLLM, llama.cpp, …).

Ideas are asked for with a JSON schema, falling back to plain text when a server refuses
or ignores schemas; the timeout and retry count are explicit settings because a Slack
user is waiting on the other side. Every SDK failure becomes `LLMUnavailable` or
`LLMBadOutput` with a message fit for the person who asked; the details go to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

import openai

from bot.config import Settings
from bot.errors import LLMBadOutput, LLMUnavailable
from bot.llm.idea_parsing import StreamedIdeas, parse_ideas
from bot.llm.model import DraftRequest, Generation, IdeaRequest, IdeaStream, TokenUsage
from bot.llm.prompts import (
    IDEAS_SCHEMA,
    brainstorm_messages,
    draft_messages,
    review_messages,
)
from bot.llm.thread_fitting import estimate_tokens

if TYPE_CHECKING:  # our prompts are plain dicts of exactly this shape
    from openai.types.chat import ChatCompletionMessageParam

log = logging.getLogger(__name__)
T = TypeVar("T")
EMBED_BATCH = 256  # texts per embeddings request (servers cap the inputs of one)
PING_TOKENS = 16  # enough for any model to start an answer; reasoning ones may use it all


class OpenAIModel:
    """Chat completions on an OpenAI-compatible server."""

    offline = False

    def __init__(self, client: openai.OpenAI, model: str) -> None:
        self.client = client
        self.model = model

    def ideas(self, request: IdeaRequest) -> Generation:
        messages = brainstorm_messages(
            request.topic, request.count, request.approved, request.rejected,
            proposed=request.proposed, seed=request.seed, guidance=request.guidance,
        )
        schema = {"type": "json_schema", "json_schema": IDEAS_SCHEMA}
        try:
            response = self._complete(messages, response_format=schema, retryable=True)
        except openai.BadRequestError as exc:
            # Many local servers reject response_format outright; ask again without it.
            log.info("LLM refused a JSON schema (%s); retrying as plain text", exc.status_code)
            response = self._complete(messages)
        content = _content(response)
        ideas = parse_ideas(content, topic=request.topic)[: request.count]
        usage = getattr(response, "usage", None)
        counted = TokenUsage(getattr(usage, "prompt_tokens", None),
                             getattr(usage, "completion_tokens", None))
        _estimate_unreported(counted, messages, content)
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
        usage = {"stream_options": {"include_usage": True}}
        # Servers that refuse a schema, then ones that refuse stream_options as well.
        asks: list[dict[str, Any]] = [{"response_format": schema, **usage}, usage, {}]
        for n, extra in enumerate(asks):
            try:
                chunks = self._complete(messages, stream=True,
                                        retryable=n < len(asks) - 1, **extra)
                break
            except openai.BadRequestError as exc:
                log.info("LLM refused %s (%s); asking again without it",
                         "a JSON schema" if n == 0 else "stream_options", exc.status_code)
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
        try:
            for chunk in chunks:
                choices = getattr(chunk, "choices", None) or []  # the usage chunk has none
                counted = getattr(chunk, "usage", None)
                if counted is not None:
                    usage.prompt_tokens = getattr(counted, "prompt_tokens", None)
                    usage.completion_tokens = getattr(counted, "completion_tokens", None)
                if isinstance(usage, IdeaStream) and getattr(chunk, "model", None):
                    usage.model = chunk.model
                if choices and getattr(choices[0].delta, "content", None):
                    received.append(choices[0].delta.content)
                    yield choices[0].delta.content
        except openai.APIError as exc:  # the SDK wraps read timeouts and dropped streams
            log.warning("LLM stream broke off: %s", type(exc).__name__)
            raise LLMUnavailable(
                "LLM stream broke off",
                user_message=f"The AI stopped before finishing {what}.",
            ) from None
        except ValueError:
            log.warning("LLM stream sent something that is not JSON")
            raise LLMBadOutput("unreadable stream") from None
        finally:
            _estimate_unreported(usage, messages, "".join(received))

    def draft_stream(self, request: DraftRequest,
                     usage: TokenUsage | None = None) -> Iterator[str]:
        messages = (draft_messages(request.instruction, request.thread_text,
                                   previous=request.previous, ideas=request.ideas,
                                   guidance=request.guidance)
                    if request.mode == "draft" else
                    review_messages(request.mode, request.work, request.instruction,
                                    request.thread_text, guidance=request.guidance))
        try:
            chunks = self._complete(messages, stream=True, retryable=True,
                                    stream_options={"include_usage": True})
        except openai.BadRequestError as exc:
            log.info("LLM refused stream_options (%s); asking again without it",
                     exc.status_code)
            chunks = self._complete(messages, stream=True)
        yield from self._pieces(chunks, usage or TokenUsage(), "this draft", messages)

    def ping(self) -> str:
        """One tiny chat completion, for `idealoop doctor`: the model's name as the server
        gives it. No sampling parameter, and `max_completion_tokens` (every model family
        takes it; reasoning models refuse `max_tokens`). Raises LLMUnavailable (a 400
        with the server's own words) or LLMBadOutput."""

        def ask() -> Any:
            try:
                return self.client.chat.completions.create(
                    model=self.model, messages=[{"role": "user", "content": "Answer: OK"}],
                    max_completion_tokens=PING_TOKENS)
            except openai.NotFoundError as exc:  # no such model, or no such API here
                if exc.code == "model_not_found" or self.model in str(exc.message):
                    raise
                raise LLMUnavailable("LLM endpoint not found") from None

        try:
            response = _calling(ask, self.model, setting="IDEALOOP_MODEL",
                                pass_bad_request=True)
        except openai.BadRequestError as exc:
            reason = str(getattr(exc, "message", "") or "").splitlines()[:1]
            raise LLMUnavailable(f"LLM answered 400: {''.join(reason)}".rstrip(": ")) \
                from None
        _content(response)  # an answer with choices, even if cut short by the limit
        return str(getattr(response, "model", None) or self.model)

    def _complete(self, messages: list[dict[str, str]], *, retryable: bool = False,
                  **extra: Any) -> Any:
        """One chat completion; `retryable`: a 400 is passed on as it is, for the caller
        to ask again differently."""
        return _calling(
            lambda: self.client.chat.completions.create(
                model=self.model, messages=cast("list[ChatCompletionMessageParam]", messages),
                temperature=0.9, **extra),
            self.model, setting="IDEALOOP_MODEL", pass_bad_request=retryable)


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
    is passed on as it is when the caller can ask again differently."""
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
    """Embeddings on an OpenAI-compatible server (`/v1/embeddings`)."""

    def __init__(self, client: openai.OpenAI, model: str) -> None:
        self.client = client
        self.model = model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
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
    return OpenAIModel(_client(settings, http_client), settings.model)


def openai_embedder(settings: Settings, *, http_client: Any = None) -> OpenAIEmbedder:
    """Embeddings by `IDEALOOP_EMBEDDING_MODEL` on the configured server."""
    return OpenAIEmbedder(_client(settings, http_client), settings.embedding_model or "")
