"""What idealoop asks of a language model: the interfaces and the values they carry.

`TextModel` is the interface the thinking (`bot.ideas`, `bot.drafts`) calls: ideas for
a topic, and a draft streamed piece by piece. Two implementations: any OpenAI-compatible
server (`bot.llm.openai_model`) and the offline generator (`bot.llm.offline_model`).
`Embedder` turns texts into vectors where the server offers embeddings, so that a
rejected idea is recognised by its meaning.
This module imports neither implementation (they import it): `bot.llm.choose` picks one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class IdeaRequest:
    topic: str
    count: int
    approved: Sequence[str] = ()
    rejected: Sequence[str] = ()
    proposed: Sequence[str] = ()  # ideas this channel already saw on the same topic
    passed_over: Sequence[str] = ()  # recent ideas here that nobody reacted to
    seed: str | None = None  # "More like this": the idea to build on
    guidance: str | None = None  # the channel's standing guidance (`/brainstorm guide`)


@dataclass(frozen=True)
class DraftRequest:
    """A draft, or (`mode`) a critique of or an edited version of a person's `work`."""

    instruction: str
    thread_text: str
    previous: str | None = None
    ideas: Sequence[tuple[int, str]] = ()
    mode: str = "draft"  # "draft" | "feedback" | "polish"
    about_idea: bool = False  # "Draft this": a plan for `ideas[0]` alone
    guidance: str | None = None  # the channel's standing guidance (`/brainstorm guide`)
    work: str = ""  # feedback, polish: the person's text under review


@dataclass(frozen=True)
class Generation:
    """What the model produced, with the figures worth storing."""

    ideas: list[str]
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    offline: bool = False
    note: str | None = None  # something the person should know about these ideas


@dataclass
class TokenUsage:
    """The tokens one request to the model used, for the daily budget
    (`IDEALOOP_DAILY_TOKENS`): as the server reported them, or estimated from the text
    when it reported none. The offline generator uses none."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @property
    def total(self) -> int:
        return (self.prompt_tokens or 0) + (self.completion_tokens or 0)


@dataclass
class IdeaStream:
    """Ideas as the model completes them (`ideas` is consumed once); the token counts
    are known once it is exhausted."""

    ideas: Iterator[str]
    model: str
    offline: bool = False
    note: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class TextModel(Protocol):
    """What idealoop needs from a model: ideas, and drafts streamed piece by piece."""

    model: str
    offline: bool

    def ideas(self, request: IdeaRequest) -> Generation: ...

    def ideas_stream(self, request: IdeaRequest) -> IdeaStream:
        """The same ideas, each as soon as the model has written it. Iterating raises
        LLMError, possibly after some ideas (the model stopped mid-way)."""
        ...

    def draft_stream(self, request: DraftRequest,
                     usage: TokenUsage | None = None) -> Iterator[str]:
        """Yield the draft's text in pieces as it is written, noting the tokens used on
        `usage` once known. Raises LLMError, possibly after some pieces were yielded (the
        model stopped mid-way)."""
        ...


class Embedder(Protocol):
    """Embeddings of texts, for comparing ideas by meaning (`bot.rejections`)."""

    model: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order. Raises LLMError when the server cannot."""
        ...
