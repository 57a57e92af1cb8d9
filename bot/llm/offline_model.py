"""The offline generator behind the same `TextModel` interface as a real LLM."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.llm.model import DraftRequest, Generation, IdeaRequest, IdeaStream, TokenUsage
from bot.llm.offline import drafting, review
from bot.llm.offline.generator import OFFLINE_MODEL, OfflineGenerator
from bot.llm.offline.kinds import looks_english, only_symbols
from bot.llm.offline.techniques import without_technique
from bot.llm.thread_fitting import AI_AUTHOR
from bot.metrics import llm_answered


@dataclass
class OfflineModel:
    """The offline generator behind the `TextModel` interface: no network, deterministic."""

    generator: OfflineGenerator = field(default_factory=OfflineGenerator)
    model: str = OFFLINE_MODEL
    offline: bool = True

    def ideas(self, request: IdeaRequest) -> Generation:
        started = time.perf_counter()
        ideas = self.generator.ideas(
            request.topic, request.count, avoid=request.rejected,
            # "More like this" weighs the seed's technique as two approvals.
            favour=[request.seed, request.seed, *request.approved] if request.seed
            else request.approved,
            proposed=request.proposed, passed_over=request.passed_over, near=request.seed,
        )
        note = None
        if only_symbols(request.topic):
            note = ("Your topic has no words, so the offline generator only quotes it; add a "
                    "few words (“🚀 launch party”) for ideas that fit.")
        elif not looks_english(request.topic):
            note = ("The offline generator writes English and only quotes your topic; set up "
                    "an LLM for ideas in your language.")
        llm_answered(self.model, "chat", time.perf_counter() - started)  # beside a real LLM's
        return Generation(ideas=ideas, model=self.model, offline=True, note=note)

    def ideas_stream(self, request: IdeaRequest) -> IdeaStream:
        generation = self.ideas(request)
        return IdeaStream(iter(generation.ideas), self.model, offline=True,
                          note=generation.note)

    def draft_stream(self, request: DraftRequest,
                     usage: TokenUsage | None = None) -> Iterator[str]:
        """The offline generator's draft; it uses no tokens, so `usage` stays empty."""
        if request.mode == "feedback":
            yield from review.feedback(request.work, request.instruction).splitlines(
                keepends=True)
            return
        if request.mode == "polish":
            yield from review.polish(request.work).splitlines(keepends=True)
            return
        # People's messages only: the bot's own posts are not "the discussion".
        context = "\n".join(line for line in request.thread_text.splitlines()
                            if not line.startswith(f"[{AI_AUTHOR}]"))
        instruction, kind = request.instruction, None
        if request.about_idea and request.ideas:  # "Draft this": a plan named after the idea
            instruction, kind = without_technique(request.ideas[0][1]), drafting.PLAN
        elif request.ideas:
            context = "\n".join(text for _, text in request.ideas) + "\n" + context
        yield from drafting.draft(instruction, context, previous=request.previous,
                                  kind=kind).splitlines(keepends=True)
