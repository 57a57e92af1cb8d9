"""Measures of the "same idea" rule on labelled pairs (tests/data/idea_pairs.jsonl),
shared by its test and `bench/similarity.py`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.llm.similarity import without_rejected


def false_drops(pairs: Iterable[Mapping[str, Any]]) -> float:
    """The share of ideas the rejection filter drops when every other idea of their
    topic counts as rejected, except the labelled rewordings of the idea itself."""
    pairs = list(pairs)
    rewordings = {frozenset((p["a"], p["b"])) for p in pairs if p["same"]}
    by_topic: dict[str, set[str]] = {}
    for pair in pairs:
        by_topic.setdefault(pair["topic"], set()).update((pair["a"], pair["b"]))
    dropped = total = 0
    for topic, texts in by_topic.items():
        for text in sorted(texts):
            others = [other for other in sorted(texts)
                      if other != text and frozenset((text, other)) not in rewordings]
            total += 1
            dropped += not without_rejected([text], others, topic=topic)
    return dropped / total
