"""Brainstorms: what a `/brainstorm` asks for, how ideas are generated and kept.

Slack-free: handlers call these with plain values and render what comes back.
Steering lives here: each brainstorm draws on what the channel approved and rejected
before, and an idea that is the same idea as any the channel ever rejected (in other
words too: `bot.rejections`) is filtered out whatever the model says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.errors import BadInput, LLMBadOutput
from bot.llm.model import Embedder, IdeaRequest, TextModel
from bot.llm.offline.generator import OFFLINE_MODEL
from bot.rejections import RejectionFilter
from storage.repository import (
    BrainstormInputs,
    NewBrainstorm,
    Steering,
    Store,
    StoredBrainstorm,
)

log = logging.getLogger(__name__)
OFFLINE_UNGUIDED = ("The offline generator cannot follow this channel's guidance; an LLM "
                    "does.")


@dataclass(frozen=True)
class Idea:
    position: int
    item_id: int
    text: str
    ts: str | None  # the message, once posted


@dataclass(frozen=True)
class Brainstormed:
    """A brainstorm's saved ideas, in order, ready to post (or partly posted already)."""

    topic: str
    model: str
    offline: bool
    ideas: list[Idea]
    steering: Steering
    note: str | None = None


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

    def __init__(self, settings: Settings, model: TextModel, store: Store,
                 embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.model = model
        self.store = store
        self.rejections = RejectionFilter(store, embedder,
                                          threshold=settings.embedding_threshold)

    def run(self, *, channel: str, requester: str, topic: str, header_ts: str,
            seed: str | None = None) -> Brainstormed:
        """The brainstorm under this header: the one an earlier attempt saved, if any;
        else ask the model, drop rejected ideas, and save everything in one transaction.

        Raises LLMUnavailable / LLMBadOutput before anything is stored.
        """
        saved = self.store.brainstorm_at(channel, header_ts)
        if saved is not None:
            return _brainstormed(saved)
        approved, rejected = self.store.channel_feedback(channel)
        count = self.settings.ideas_per_brainstorm
        proposed = self.store.proposed_on(channel, topic)
        guidance = self.store.guidance(channel)
        request = IdeaRequest(topic, count, approved, rejected,
                              proposed=[*proposed, seed] if seed else proposed,
                              passed_over=self.store.passed_over(channel), seed=seed,
                              guidance=guidance.text if guidance else None)
        generation = self.model.ideas(request)
        # The prompt shows the model some rejected ideas; the filter holds every one.
        filtered = self.rejections.apply(channel, topic, generation.ideas)
        ideas = filtered.kept[:count]
        if not ideas:
            raise LLMBadOutput("every idea repeated a rejected one")
        dropped = filtered.dropped
        if dropped:
            log.info("dropped %d ideas close to rejected ones (by %s)", dropped,
                     filtered.matcher)
        note = " ".join(filter(None, [generation.note, OFFLINE_UNGUIDED if (
            guidance and generation.offline) else None])) or None
        new = self.store.save_brainstorm(
            NewBrainstorm(
                channel=channel, requester=requester, topic=topic, model=generation.model,
                ideas=ideas, header_ts=header_ts, prompt_tokens=generation.prompt_tokens,
                completion_tokens=generation.completion_tokens,
                steering=Steering(len(approved), len(rejected), dropped, guided=bool(guidance)),
                inputs={"approved": list(approved), "rejected": list(rejected),
                        "proposed": len(request.proposed),
                        "passed_over": len(request.passed_over),
                        "offline": generation.offline, "matcher": filtered.matcher,
                        **({"seed": seed} if seed else {}),
                        **({"guidance": guidance.text} if guidance else {}),
                        **({"note": note} if note else {})},
            )
        )
        if new is not None and filtered.vector_model:  # kept once, for their judging
            self.store.save_vectors(filtered.vector_model, {
                item_id: filtered.vectors[text]
                for item_id, text in zip(new.item_ids, ideas, strict=True)})
        saved = self.store.brainstorm_at(channel, header_ts)  # ours, or a rival's first
        if saved is None:  # cannot happen: it was saved in the statement above
            raise LLMBadOutput("the brainstorm was not saved")
        return _brainstormed(saved)

    def explain(self, channel: str, requester: str) -> BrainstormInputs | None:
        """What the requester's latest brainstorm here was given (`/brainstorm why`)."""
        return self.store.latest_brainstorm_by(channel, requester)

    def mark_posted(self, item_id: int, ts: str) -> None:
        """Record the message that shows an idea, once it exists."""
        self.store.mark_posted(item_id, ts)


def _brainstormed(saved: StoredBrainstorm) -> Brainstormed:
    return Brainstormed(
        topic=saved.topic, model=saved.model, offline=saved.model == OFFLINE_MODEL,
        ideas=[Idea(idea.position, idea.item_id, idea.text, idea.ts) for idea in saved.ideas],
        steering=saved.steering, note=saved.note)
