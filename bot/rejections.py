"""The filter that keeps every idea a channel rejected out of its later brainstorms.

A brainstorm's proposals are compared with every idea the channel rejected, however old
(`Store.rejected_ideas`), and one that is the same idea is dropped whatever the model
says. Where the LLM server offers embeddings (`IDEALOOP_EMBEDDING_MODEL`), ideas are
compared by meaning (`bot.llm.meaning`): each item's vector is asked for once and kept
(`item_vectors`), so a brainstorm only sends the server its new proposals and any
rejected idea not embedded yet, in one request. Otherwise, or when that request fails,
they are compared by their content words (`bot.llm.similarity`), and the brainstorm
records which of the two judged it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.errors import LLMError
from bot.llm.model import Embedder
from bot.llm.similarity import normalise, without_rejected
from storage.repository import RejectedIdea, Store

log = logging.getLogger(__name__)
BY_WORDS = "words"
BY_MEANING = "meaning:"


@dataclass(frozen=True)
class Filtered:
    """Proposals left once rejected ideas are out, and how they were told apart."""

    kept: list[str]
    dropped: int
    matcher: str  # BY_WORDS, or "meaning:<embeddings model>"
    vectors: dict[str, bytes] = field(default_factory=dict)  # kept text -> its vector

    @property
    def vector_model(self) -> str | None:
        """The embeddings model the vectors are of; None when compared by words."""
        return None if self.matcher == BY_WORDS else self.matcher.removeprefix(BY_MEANING)


class RejectionFilter:
    def __init__(self, store: Store, embedder: Embedder | None = None, *,
                 threshold: float = 0.85) -> None:
        self.store = store
        self.embedder = embedder
        self.threshold = threshold

    def apply(self, channel: str, topic: str, proposals: Sequence[str]) -> Filtered:
        """The proposals that are not the same idea as one the channel rejected."""
        rejected = self.store.rejected_ideas(channel)
        if self.embedder is not None:
            try:
                return self._by_meaning(self.embedder, rejected, proposals)
            except (LLMError, ValueError) as exc:
                log.warning("embeddings unavailable (%s); rejected ideas are recognised by "
                            "their words for this brainstorm", exc)
        kept = without_rejected(proposals, [idea.text for idea in rejected], topic=topic)
        return Filtered(kept, len(proposals) - len(kept), BY_WORDS)

    def _by_meaning(self, embedder: Embedder, rejected: list[RejectedIdea],
                    proposals: Sequence[str]) -> Filtered:
        # numpy is imported only where an embeddings model is configured.
        from bot.llm.meaning import SameMeaning, pack

        kept_vectors = self.store.vectors(embedder.model, [idea.item_id for idea in rejected])
        missing = [idea for idea in rejected if idea.item_id not in kept_vectors]
        fresh = [pack(values) for values in
                 embedder.embed([idea.text for idea in missing] + list(proposals))]
        new_rejected = dict(zip((idea.item_id for idea in missing), fresh, strict=False))
        if new_rejected:
            self.store.save_vectors(embedder.model, new_rejected)
        kept_vectors.update(new_rejected)
        held = SameMeaning([kept_vectors[idea.item_id] for idea in rejected],
                           threshold=self.threshold)
        forms = {normalise(idea.text) for idea in rejected}
        kept: list[str] = []
        vectors: dict[str, bytes] = {}
        for text, vector in zip(proposals, fresh[len(missing):], strict=True):
            if normalise(text) not in forms and not held.matches(vector):
                kept.append(text)
                vectors[text] = vector
        return Filtered(kept, len(proposals) - len(kept), BY_MEANING + embedder.model, vectors)
