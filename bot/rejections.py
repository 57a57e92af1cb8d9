"""The filter that keeps every idea a channel rejected out of its later brainstorms.

A brainstorm's proposals are compared with every idea the channel rejected, however old
(`SteeringStore.rejected_ideas`), and one that is the same idea is dropped whatever the model
says. Where the LLM server offers embeddings (`IDEALOOP_EMBEDDING_MODEL`), ideas are
compared by meaning (`bot.llm.meaning`): each item's vector is asked for once and kept
(`item_vectors`), so a brainstorm sends the server any rejected idea not embedded yet
(one request, when it starts) and each proposal as it arrives. Otherwise, or when
those requests fail, they are compared by their content words (`bot.llm.similarity`),
and the brainstorm records which of the two judged it.

By words, each idea's normal form and content words are kept with it when it is saved
(`words_to_keep`, made by `bot.llm.similarity.kept_words`) and read back with the
rejected ideas, so nothing is stemmed again: 5 ideas against 10,000 rejected took 0.7 to
1.4 s the first time (`bench/similarity.py`). Words kept under another `WORDS_VERSION`
of the rule, or none (ideas saved before 0020, which fills in no row), are worked
out from the text when read (`_current`), and the brainstorm saves them back
(`RejectionCheck.refreshed`): a change of the rule costs each channel's first brainstorm
after it once, and nothing is migrated for it.
"""

from __future__ import annotations

import logging

from bot.errors import LLMError
from bot.llm.model import Embedder
from bot.llm.similarity import WORDS_VERSION, SameIdeas, kept_words, normalise
from storage.idea_words import IdeaWords
from storage.steering import RejectedIdea, SteeringStore

log = logging.getLogger(__name__)
BY_WORDS = "words"
BY_MEANING = "meaning:"


def words_to_keep(text: str) -> IdeaWords:
    """What is kept with an idea for this filter (saved with it; see the docstring)."""
    form, words = kept_words(text)
    return IdeaWords(form, words, WORDS_VERSION)


def _current(rejected: list[RejectedIdea]) -> tuple[list[str], list[str],
                                                   dict[int, IdeaWords]]:
    """The rejected ideas' normal forms and content words by the rule of this version: as
    kept, or worked out again where none are kept or another version made them (those
    also returned by item, to be saved back)."""
    forms: list[str] = []
    words: list[str] = []
    stale: dict[int, IdeaWords] = {}
    for item_id, text, form, kept_words_, version in rejected:  # unpacked: 10,000 of them
        if version == WORDS_VERSION and form is not None and kept_words_ is not None:
            forms.append(form)
            words.append(kept_words_)
        else:
            kept = stale[item_id] = words_to_keep(text)
            forms.append(kept.form)
            words.append(kept.words)
    return forms, words, stale


class RejectionCheck:
    """The filter made ready for one brainstorm: the channel's rejections read (and, by
    meaning, embedded) once; then each proposal is judged as it arrives."""

    matcher: str = BY_WORDS
    # Rejected ideas' words worked out again (none kept, or by another version of the
    # rule): the brainstorm saves them back (`SteeringStore.save_words`).
    refreshed: dict[int, IdeaWords]

    def keeps(self, text: str) -> tuple[bool, bytes | None]:
        """Whether `text` is kept, and its vector when compared by meaning."""
        raise NotImplementedError

    @property
    def vector_model(self) -> str | None:
        """The embeddings model the vectors are of; None when compared by words."""
        return None if self.matcher == BY_WORDS else self.matcher.removeprefix(BY_MEANING)


class _ByWords(RejectionCheck):
    def __init__(self, forms: list[str], words: list[str], topic: str) -> None:
        self.held = SameIdeas(topic=topic)
        self.held.add_kept(forms, words)

    def keeps(self, text: str) -> tuple[bool, bytes | None]:
        return not self.held.matches(text), None


class _ByMeaning(RejectionCheck):
    def __init__(self, steering: SteeringStore, embedder: Embedder, rejected: list[RejectedIdea],
                 forms_words: tuple[list[str], list[str]], topic: str,
                 threshold: float) -> None:
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
        self.forms = set(forms_words[0])
        self.words = _ByWords(*forms_words, topic)

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
        forms, words, refreshed = _current(rejected)
        check: RejectionCheck | None = None
        if self.embedder is not None:
            try:
                check = _ByMeaning(self.steering, self.embedder, rejected, (forms, words),
                                   topic, self.threshold)
            except (LLMError, ValueError) as exc:
                log.warning("embeddings unavailable (%s); rejected ideas are recognised by "
                            "their words for this brainstorm", exc)
        check = check or _ByWords(forms, words, topic)
        check.refreshed = refreshed
        return check
