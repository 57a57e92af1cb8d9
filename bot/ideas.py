"""Brainstorms: what a `/brainstorm` asks for, how ideas are generated and kept.

Slack-free: handlers call these with plain values and render what comes back.
Steering lives here: each brainstorm draws on what the channel approved and rejected
before, and an idea that is the same idea as any the channel ever rejected (in other
words too: `bot.rejections`) is filtered out whatever the model says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

from bot.config import Settings
from bot.errors import BadInput, LLMBadOutput, LLMError
from bot.llm.model import (
    Embedder,
    Generation,
    IdeaRequest,
    IdeaStream,
    TextModel,
    TokenUsage,
)
from bot.llm.offline.generator import OFFLINE_MODEL
from bot.rejections import RejectionFilter, words_to_keep
from storage.brainstorms import BrainstormInputs as BrainstormInputs  # for handlers/
from storage.brainstorms import IdeaInContext, NewBrainstorm, StoredBrainstorm
from storage.brainstorms import Steering as Steering  # for handlers/
from storage.steering import Guidance as Guidance  # for handlers/
from storage.stores import Stores

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
    complete: bool = True  # False when the answer did not finish (see `stopped`)
    stopped: str | None = None  # why the model stopped part-way, when it said


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

    def __init__(self, settings: Settings, model: TextModel, stores: Stores,
                 embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.model = model
        self.stores = stores
        self.rejections = RejectionFilter(stores.steering, embedder,
                                          threshold=settings.embedding_threshold)

    def for_team(self, team: str) -> Brainstormer:
        """This brainstormer, on the rows of workspace `team`."""
        return Brainstormer(self.settings, self.model, self.stores.for_team(team),
                            self.rejections.embedder)

    def saved(self, channel: str, header_ts: str) -> Brainstormed | None:
        """The brainstorm saved under this header (by this attempt or an earlier one)."""
        saved = self.stores.brainstorms.brainstorm_at(channel, header_ts)
        return _brainstormed(saved) if saved is not None else None

    def run(self, *, channel: str, requester: str, topic: str, header_ts: str,
            seed: str | None = None) -> Brainstormed:
        """The whole brainstorm under this header, generated if it is not saved yet (for
        callers that post nothing while it is written: the CLI, benchmarks)."""
        saved = self.saved(channel, header_ts)
        if saved is None:
            for _ in self.generate(channel=channel, requester=requester, topic=topic,
                                   header_ts=header_ts, seed=seed):
                pass
            saved = self.saved(channel, header_ts)
        if saved is None:  # cannot happen: generate raised, or saved the first idea
            raise LLMBadOutput("the brainstorm was not saved")
        return saved

    def generate(self, *, channel: str, requester: str, topic: str, header_ts: str,
                 seed: str | None = None, thread_ts: str | None = None,
                 before_save: Callable[[], None] = lambda: None,
                 usage: TokenUsage | None = None,
                 author: str | None = None) -> Generator[Idea, None, None]:
        """Ask the model, and save and yield each idea as soon as it is written and
        passes the rejection filter: the first one creates the brainstorm, each later
        one joins it. An idea the same as one the channel ever rejected is dropped.

        Raises LLMUnavailable / LLMBadOutput, before any idea (nothing is stored) or
        after some (those stay: they may be on screen already). Stops early when a rival
        attempt saved a brainstorm under this header first. `before_save` runs before
        each idea is saved (the runner confirms it still holds the work there).
        `author`: whose message the topic is, when not the requester's ("Brainstorm from
        this"): their "forget me" finds it.
        """
        approved, rejected = self.stores.steering.channel_feedback(channel)
        count = self.settings.ideas_per_brainstorm
        proposed = self.stores.steering.proposed_on(channel, topic)
        guidance = self.stores.steering.guidance(channel)
        request = IdeaRequest(topic, count, approved, rejected,
                              proposed=[*proposed, seed] if seed else proposed,
                              passed_over=self.stores.steering.passed_over(channel),
                              seed=seed,
                              guidance=guidance.text if guidance else None)
        stream = (self.model.ideas_stream(request) if self.settings.stream_ideas
                  else _whole(self.model.ideas(request)))
        try:
            yield from self._generated(stream, request, channel=channel, requester=requester,
                                       topic=topic, header_ts=header_ts, seed=seed,
                                       thread_ts=thread_ts, before_save=before_save,
                                       guidance=guidance, author=author)
        finally:  # whatever came of it, the tokens it spent are told
            if usage is not None:
                usage.prompt_tokens = stream.prompt_tokens
                usage.completion_tokens = stream.completion_tokens

    def _generated(self, stream: IdeaStream, request: IdeaRequest, *, channel: str,
                   requester: str, topic: str, header_ts: str, seed: str | None,
                   thread_ts: str | None, before_save: Callable[[], None],
                   guidance: Guidance | None, author: str | None = None) -> Iterator[Idea]:
        approved, rejected, count = request.approved, request.rejected, request.count
        # The prompt shows the model some rejected ideas; the filter holds every one.
        check = self.rejections.check(channel, topic)
        if check.refreshed:  # kept by another version of the rule, or none: kept now
            self.stores.steering.save_words(check.refreshed)
        note = " ".join(filter(None, [stream.note, OFFLINE_UNGUIDED if (
            guidance and stream.offline) else None])) or None
        decided_texts = self.stores.steering.decided_texts(channel) if approved else set()
        decided = [n for n, text in enumerate(approved) if text in decided_texts]
        inputs = {"approved": list(approved), "rejected": list(rejected),
                  **({"decided": decided} if decided else {}),  # indices into "approved"
                  "proposed": len(request.proposed), "passed_over": len(request.passed_over),
                  "offline": stream.offline, "matcher": check.matcher, "streamed": True,
                  **({"seed": seed} if seed else {}),
                  **({"guidance": guidance.text} if guidance else {}),
                  **({"note": note} if note else {})}
        brainstorm_id: int | None = None
        position = dropped = 0
        try:
            for text in stream.ideas:
                if position >= count:
                    continue  # read to the end: the token counts come last
                kept, vector = check.keeps(text)
                if not kept:
                    dropped += 1
                    continue
                position += 1
                before_save()
                if brainstorm_id is None:
                    inputs["matcher"] = check.matcher
                    new = self.stores.brainstorms.save_brainstorm(NewBrainstorm(
                        channel=channel, requester=requester, topic=topic, model=stream.model,
                        ideas=[text], words=[words_to_keep(text)], header_ts=header_ts,
                        thread_ts=thread_ts,
                        steering=Steering(len(approved), len(rejected), 0,
                                          guided=bool(guidance), decided=len(decided)),
                        inputs=inputs, author=author))
                    if new is None:
                        return  # a rival attempt saved this brainstorm first: it stands
                    brainstorm_id, item_id = new.id, new.item_ids[0]
                else:
                    item_id = self.stores.brainstorms.add_idea(
                        brainstorm_id, text, position, thread_ts, words_to_keep(text))
                if vector is not None and check.vector_model:  # kept once, for their judging
                    self.stores.steering.save_vectors(check.vector_model, {item_id: vector})
                yield Idea(position, item_id, text, None)
        except LLMError as exc:  # the model stopped: the ideas it wrote stand, and why
            if brainstorm_id is not None:
                inputs["stopped"] = exc.user_message
                self.stores.brainstorms.finish_brainstorm(
                    brainstorm_id, prompt_tokens=stream.prompt_tokens,
                    completion_tokens=stream.completion_tokens, dropped=dropped, inputs=inputs)
            raise
        if brainstorm_id is None:
            raise LLMBadOutput("every idea repeated a rejected one" if dropped
                               else "no ideas")
        if dropped:
            log.info("dropped %d ideas close to rejected ones (by %s)", dropped,
                     check.matcher)
        inputs["matcher"] = check.matcher  # words, if embeddings failed part-way
        inputs["complete"] = True  # the model finished: a resumed attempt shows it done
        self.stores.brainstorms.finish_brainstorm(
            brainstorm_id, prompt_tokens=stream.prompt_tokens,
            completion_tokens=stream.completion_tokens, dropped=dropped, inputs=inputs)

    def explain(self, channel: str, requester: str) -> BrainstormInputs | None:
        """What the requester's latest brainstorm here was given (`/brainstorm why`)."""
        return self.stores.brainstorms.latest_brainstorm_by(channel, requester)

    def explain_at(self, channel: str, header_ts: str) -> BrainstormInputs | None:
        """What the brainstorm under the header `header_ts` was given, if it is one (its
        "Why these ideas?" button)."""
        return self.stores.brainstorms.brainstorm_inputs_at(channel, header_ts)

    def idea(self, item_id: int) -> IdeaInContext:
        """An idea with its position and its brainstorm's topic ("Draft this", "More like
        this")."""
        return self.stores.brainstorms.idea_at(item_id)

    def mark_posted(self, item_id: int, ts: str) -> None:
        """Record the message that shows an idea, once it exists."""
        self.stores.brainstorms.mark_posted(item_id, ts)


def _whole(generation: Generation) -> IdeaStream:
    """A complete answer, handed out idea by idea like a stream."""
    return IdeaStream(iter(generation.ideas), generation.model, offline=generation.offline,
                      note=generation.note, prompt_tokens=generation.prompt_tokens,
                      completion_tokens=generation.completion_tokens)


def _brainstormed(saved: StoredBrainstorm) -> Brainstormed:
    return Brainstormed(
        topic=saved.topic, model=saved.model, offline=saved.model == OFFLINE_MODEL,
        ideas=[Idea(idea.position, idea.item_id, idea.text, idea.ts) for idea in saved.ideas],
        steering=saved.steering, note=saved.note, complete=saved.complete,
        stopped=saved.stopped)
