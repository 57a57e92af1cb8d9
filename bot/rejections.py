"""The filter that keeps every idea a channel rejected out of its later brainstorms.

A brainstorm's proposals are compared with every idea the channel rejected, however old
(`SteeringStore.rejected_ideas`), and one that is the same idea is dropped whatever the model
says. Where the LLM server offers embeddings (`IDEALOOP_EMBEDDING_MODEL`), ideas are
compared by meaning (`bot.llm.meaning`): each item's vector is asked for once and kept
(`item_vectors`), so a brainstorm sends the server any rejected idea not embedded yet
(one request, when it starts) and each proposal as it arrives. Otherwise, or when
those requests fail, they are compared by their content words (`bot.llm.similarity`),
and the brainstorm records which of the two judged it.
"""

from __future__ import annotations

import logging

from bot.errors import LLMError
from bot.llm.model import Embedder
from bot.llm.similarity import SameIdeas, normalise
from storage.steering import RejectedIdea, SteeringStore

log = logging.getLogger(__name__)
BY_WORDS = "words"
BY_MEANING = "meaning:"


class RejectionCheck:
    """The filter made ready for one brainstorm: the channel's rejections read (and, by
    meaning, embedded) once; then each proposal is judged as it arrives."""

    matcher: str = BY_WORDS

    def keeps(self, text: str) -> tuple[bool, bytes | None]:
        """Whether `text` is kept, and its vector when compared by meaning."""
        raise NotImplementedError

    @property
    def vector_model(self) -> str | None:
        """The embeddings model the vectors are of; None when compared by words."""
        return None if self.matcher == BY_WORDS else self.matcher.removeprefix(BY_MEANING)


class _ByWords(RejectionCheck):
    def __init__(self, rejected: list[RejectedIdea], topic: str) -> None:
        self.held = SameIdeas((idea.text for idea in rejected), topic=topic)

    def keeps(self, text: str) -> tuple[bool, bytes | None]:
        return not self.held.matches(text), None


class _ByMeaning(RejectionCheck):
    def __init__(self, steering: SteeringStore, embedder: Embedder, rejected: list[RejectedIdea],
                 topic: str, threshold: float) -> None:
        # numpy is imported only where an embeddings model is configured.
        from bot.llm.meaning import SameMeaning, pack

        self.embedder, self.pack = embedder, pack
        self.matcher = BY_MEANING + embedder.model
        kept = steering.vectors(embedder.model, [idea.item_id for idea in rejected])
        missing = [idea for idea in rejected if idea.item_id not in kept]
        if missing:  # embedded once, then kept with them
            fresh = {idea.item_id: pack(values) for idea, values in zip(
                missing, embedder.embed([idea.text for idea in missing]), strict=True)}
            steering.save_vectors(embedder.model, fresh)
            kept.update(fresh)
        self.held = SameMeaning([kept[idea.item_id] for idea in rejected], threshold=threshold)
        self.forms = {normalise(idea.text) for idea in rejected}
        self.words = _ByWords(rejected, topic)

    def keeps(self, text: str) -> tuple[bool, bytes | None]:
        if self.matcher == BY_WORDS:  # embeddings failed earlier in this brainstorm
            return self.words.keeps(text)
        if not self.forms:  # nothing rejected here: no request (embedded if ever rejected)
            return True, None
        if normalise(text) in self.forms:
            return False, None
        try:
            [values] = self.embedder.embed([text])
            vector = self.pack(values)
            return not self.held.matches(vector), vector
        except (LLMError, ValueError) as exc:
            log.warning("embeddings unavailable (%s); rejected ideas are recognised by "
                        "their words for the rest of this brainstorm", exc)
            self.matcher = BY_WORDS
            return self.words.keeps(text)


class RejectionFilter:
    def __init__(self, steering: SteeringStore, embedder: Embedder | None = None, *,
                 threshold: float = 0.85) -> None:
        self.steering = steering
        self.embedder = embedder
        self.threshold = threshold

    def check(self, channel: str, topic: str) -> RejectionCheck:
        """The filter for one brainstorm of `channel` on `topic`."""
        rejected = self.steering.rejected_ideas(channel)
        if self.embedder is not None:
            try:
                return _ByMeaning(self.steering, self.embedder, rejected, topic, self.threshold)
            except (LLMError, ValueError) as exc:
                log.warning("embeddings unavailable (%s); rejected ideas are recognised by "
                            "their words for this brainstorm", exc)
        return _ByWords(rejected, topic)
