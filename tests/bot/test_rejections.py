"""The rejection filter leaves the topic's own words out: every idea of a brainstorm
shares them, so a rejected idea on the topic must not block every new idea on it. By
words, and by words again when the embeddings server stops answering mid-brainstorm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import pytest

from bot.errors import LLMUnavailable
from bot.rejections import BY_WORDS, RejectionFilter
from storage.steering import RejectedIdea, SteeringStore

TOPIC = "shorter onboarding for new hires in the sales team"
REJECTED = "Shorter onboarding checklist for new hires in the sales team"
# Shares the topic's words with the rejected idea, and nothing else: a different idea.
NEW = "Shorter onboarding buddy pairing for new hires in the sales team"
REWORDED = "A shorter onboarding checklist for the new hires of the sales team"


class _Rejections:
    """The part of the store the filter reads: one rejected idea, no kept vectors."""

    def __init__(self) -> None:
        self.saved: dict[int, bytes] = {}

    def rejected_ideas(self, channel: str) -> list[RejectedIdea]:
        return [RejectedIdea(item_id=1, text=REJECTED)]

    def vectors(self, model: str, item_ids: Sequence[int]) -> dict[int, bytes]:
        return {item: self.saved[item] for item in item_ids if item in self.saved}

    def save_vectors(self, model: str, vectors: Mapping[int, bytes]) -> None:
        self.saved.update(vectors)


class _AwayAfterTheRejections:
    """Embeds the channel's rejections when the brainstorm starts, then goes away."""

    model = "embedder"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls > 1:
            raise LLMUnavailable("the embeddings server went away")
        return [[1.0, 0.0] for _ in texts]


def _filter(embeddings: bool = False) -> RejectionFilter:
    return RejectionFilter(cast(SteeringStore, _Rejections()),
                           _AwayAfterTheRejections() if embeddings else None)


@pytest.mark.parametrize("embeddings", [False, True],
                         ids=["by words", "by words once embeddings fail"])
def test_a_topic_word_shared_with_a_rejected_idea_does_not_block_a_new_idea(
        embeddings: bool) -> None:
    check = _filter(embeddings).check("C1", TOPIC)
    assert check.keeps(NEW) == (True, None)
    assert check.matcher == BY_WORDS
    assert check.keeps(REWORDED) == (False, None)  # the rejected idea itself still is


def test_without_the_topic_the_shared_words_would_block_it() -> None:
    """The case above is one the topic decides (so it guards the topic being passed)."""
    assert _filter().check("C1", "").keeps(NEW) == (False, None)
