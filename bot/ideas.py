"""Brainstorms: what a `/brainstorm` asks for, how ideas are generated and kept.

Slack-free: handlers call these with plain values and render what comes back.
Steering lives here: each brainstorm draws on what the channel approved and rejected
before, and rejected ideas (or close variants) are filtered out whatever the model says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.config import Settings
from bot.errors import BadInput, LLMBadOutput
from bot.llm.model import Generation, IdeaRequest, TextModel
from bot.llm.similarity import without_rejected
from storage.repository import NewBrainstorm, SavedBrainstorm, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Brainstormed:
    """Ideas ready to post, already saved with their item ids (in the same order)."""

    topic: str
    generation: Generation
    saved: SavedBrainstorm

    @property
    def ideas(self) -> list[tuple[int, int, str]]:
        """(position, item id, text) for each idea."""
        return [
            (position, item_id, text)
            for position, (item_id, text) in enumerate(
                zip(self.saved.item_ids, self.generation.ideas, strict=True), start=1
            )
        ]


def clean_topic(raw: str, max_chars: int) -> str:
    """The topic as one line, or BadInput telling the person what to type instead."""
    topic = " ".join(raw.split())
    if not topic:
        raise BadInput("Give me a topic, e.g. `/brainstorm shorter standups`.")
    if len(topic) > max_chars:
        raise BadInput(
            f"That topic is {len(topic)} characters; please keep it under {max_chars}. "
            "Put the background in the thread and mention me there instead."
        )
    return topic


class Brainstormer:
    """Generates, filters and stores the ideas of one brainstorm."""

    def __init__(self, settings: Settings, model: TextModel, store: Store) -> None:
        self.settings = settings
        self.model = model
        self.store = store

    def run(self, *, channel: str, requester: str, topic: str, header_ts: str) -> Brainstormed:
        """Ask the model, drop rejected ideas, and save everything in one transaction.

        Raises LLMUnavailable / LLMBadOutput before anything is stored.
        """
        approved, rejected = self.store.channel_feedback(channel)
        count = self.settings.ideas_per_brainstorm
        generation = self.model.ideas(IdeaRequest(topic, count, approved, rejected))
        ideas = without_rejected(generation.ideas, rejected)[:count]
        if not ideas:
            raise LLMBadOutput("every idea repeated a rejected one")
        if len(ideas) < len(generation.ideas):
            log.info("dropped %d ideas close to rejected ones", len(generation.ideas) - len(ideas))
        generation = replace(generation, ideas=ideas)
        saved = self.store.save_brainstorm(
            NewBrainstorm(
                channel=channel, requester=requester, topic=topic, model=generation.model,
                ideas=ideas, header_ts=header_ts, prompt_tokens=generation.prompt_tokens,
                completion_tokens=generation.completion_tokens,
            )
        )
        return Brainstormed(topic=topic, generation=generation, saved=saved)
