"""When two ideas are "the same idea", and when two texts are merely worded alike.

**The same idea** (`SameIdeas`, `same_idea`) is the rule that drops repeats within one
LLM answer and keeps ideas close to a rejected one out of every later brainstorm. An
LLM rewords what it proposed before ("Ask how a sports team would …, short huddle" comes
back as "Borrow from a sports team … holding a short huddle"), so ideas are compared by
their *content words*: lower-cased words (any script), English stop words left out,
each reduced to its stem by the Snowball stemmer (`snowballstemmer`), and the words of
the topic left out too, because every idea of a brainstorm shares them. Two ideas are
the same when their normal forms or their content words are equal, or when they share
at least two content words, making up at least half of the shorter idea's, and the Dice
coefficient of their content words (2·shared / (size₁ + size₂)) reaches `SAME_IDEA`.
The limits were chosen on the labelled pairs in `tests/data/idea_pairs.jsonl` (45
rewordings, 44 distinct ideas on a shared topic), weighing two measures: how well pairs
are told apart, and how many ideas are wrongly dropped when every other idea of their
topic counts as rejected (the filter compares a new idea with every rejection, so one
loose match drops it). `tests/bot/llm/test_similarity.py` and `bench/similarity.py`
measure both.

**Worded alike** (`NearDuplicates`) is difflib's character ratio on the normal form. The
offline generator uses it among its own templated phrasings, whose shared template
words would make every pair "the same idea" by content words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

import snowballstemmer

SAME_IDEA = 0.3  # Dice of content-word stems; see the module docstring for how it was set
MIN_SHARED = 2  # one shared word ("onboarding docs" / "onboarding videos") is not an idea
MIN_COVER = 0.5  # and the shared words are at least half of the shorter idea's
SIMILARITY = 0.8  # difflib ratio for "worded alike"
_WORDS = re.compile(r"[a-z0-9]+")
_ANY_WORDS = re.compile(r"\w+")
Form = Callable[[str], str]

# Function words of English (articles, pronouns, auxiliaries, prepositions, conjunctions)
# and the filler verbs of suggestions ("make", "let", "try"), which carry no idea.
STOP_WORDS = frozenset((
    "a", "about", "above", "across", "after", "again", "against", "all", "almost", "along",
    "also", "although", "always", "am", "among", "an", "and", "another", "any", "anyone",
    "anything", "are", "around", "as", "at", "be", "because", "been", "before", "being",
    "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing",
    "done", "down", "during", "each", "either", "else", "enough", "even", "ever", "every",
    "few", "for", "from", "further", "get", "gets", "getting", "give", "given", "go", "goes",
    "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself",
    "his", "how", "however", "i", "if", "in", "instead", "into", "is", "it", "its", "itself",
    "just", "keep", "let", "lets", "like", "make", "makes", "many", "may", "me", "might",
    "more", "most", "much", "must", "my", "myself", "need", "no", "nor", "not", "now", "of",
    "off", "often", "on", "once", "one", "only", "onto", "or", "other", "others", "our",
    "ours", "ourselves", "out", "over", "own", "per", "put", "rather", "same", "shall", "she",
    "should", "so", "some", "something", "such", "take", "than", "that", "the", "their",
    "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
    "through", "thus", "to", "too", "try", "under", "until", "up", "upon", "us", "use", "used",
    "using", "very", "via", "was", "we", "well", "were", "what", "whatever", "when", "where",
    "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within",
    "without", "would", "yet", "you", "your", "yours", "yourself", "yourselves",
))

_STEMMER = snowballstemmer.stemmer("english")  # type: ignore[no-untyped-call]


def normalise(text: str) -> str:
    """Lower-case words only, for comparing ideas regardless of case and punctuation."""
    return " ".join(_WORDS.findall(text.lower()))


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    """One word's stem. Cached: Snowball is pure Python, and a team's vocabulary is small."""
    return str(_STEMMER.stemWord(word))


@lru_cache(maxsize=65_536)
def content_words(text: str) -> frozenset[str]:
    """The stems of `text`'s words that carry meaning (cached: rejected ideas are
    compared in every brainstorm of their channel)."""
    return frozenset(_stem(word) for word in _ANY_WORDS.findall(text.lower())
                     if word not in STOP_WORDS)


def _close(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Enough shared content words, and enough of the shorter idea, to be one idea."""
    shared = len(a & b)
    return (shared >= MIN_SHARED and shared >= MIN_COVER * min(len(a), len(b))
            and overlap(a, b) >= threshold)


def clear_caches() -> None:
    """Forget every stem and word set worked out so far (for measuring the cold cost)."""
    _stem.cache_clear()
    content_words.cache_clear()


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two word sets: 1.0 for the same words, 0.0 for none shared."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


class SameIdeas:
    """Ideas that a candidate must not repeat, in other words or the same.

    `topic` names the brainstorm the candidates belong to: its words are shared by all
    of them, so they are left out of the comparison.
    """

    def __init__(self, texts: Iterable[str] = (), *, topic: str = "",
                 threshold: float = SAME_IDEA) -> None:
        self.topic_words = content_words(topic)
        self.threshold = threshold
        self._forms: set[str] = set()
        self._words: list[frozenset[str]] = []
        for text in texts:
            self.add(text)

    def _of(self, text: str) -> frozenset[str]:
        return content_words(text) - self.topic_words

    def add(self, text: str) -> None:
        self._forms.add(normalise(text))
        words = self._of(text)
        if words:
            self._words.append(words)

    def matches(self, text: str) -> bool:
        """True when `text` is the same idea as one held."""
        if normalise(text) in self._forms:
            return True
        words = self._of(text)
        return any(words == held or _close(words, held, self.threshold)
                   for held in self._words)


def same_idea(a: str, b: str, *, topic: str = "", threshold: float = SAME_IDEA) -> bool:
    """True when `a` and `b` are the same idea (of a brainstorm on `topic`)."""
    return SameIdeas([b], topic=topic, threshold=threshold).matches(a)


def dedupe(ideas: Iterable[str], *, topic: str = "") -> list[str]:
    """Drop empties, markup-only lines and repeats of an earlier idea, keeping the first."""
    kept: list[str] = []
    seen = SameIdeas(topic=topic)
    for idea in ideas:
        if normalise(idea) and not seen.matches(idea):
            kept.append(idea)
            seen.add(idea)
    return kept


def without_rejected(ideas: Sequence[str], rejected: Iterable[str], *,
                     topic: str = "") -> list[str]:
    """Ideas that are not the same idea as a rejected one."""
    blocked = SameIdeas(rejected, topic=topic)
    return [idea for idea in ideas if not blocked.matches(idea)]


class NearDuplicates:
    """Texts worded alike: difflib's ratio of their normal forms reaches `threshold`.

    `forms` are the normal forms compared (each candidate form against the same form of
    every held text). One `SequenceMatcher` is kept per held text: difflib indexes its
    second sequence once, and the cheap upper bounds rule out most pairs before the full
    ratio. Its "autojunk" heuristic is off: on texts of 200 characters or more it ignores
    frequent characters (spaces, vowels), which scored near-identical texts as unrelated.
    """

    def __init__(self, texts: Iterable[str] = (), *, forms: Sequence[Form] = (normalise,),
                 threshold: float = SIMILARITY) -> None:
        self.forms = tuple(forms)
        self.threshold = threshold
        self._exact: list[set[str]] = [set() for _ in self.forms]
        self._matchers: list[list[SequenceMatcher[str]]] = [[] for _ in self.forms]
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        for form, exact, matchers in zip(self.forms, self._exact, self._matchers, strict=True):
            normal = form(text)
            if normal not in exact:
                exact.add(normal)
                matchers.append(SequenceMatcher(None, "", normal, autojunk=False))

    def matches(self, text: str) -> bool:
        """True when `text` is worded like a held text."""
        for form, exact, matchers in zip(self.forms, self._exact, self._matchers, strict=True):
            normal = form(text)
            if normal in exact:
                return True
            for matcher in matchers:
                matcher.set_seq1(normal)
                if (matcher.real_quick_ratio() >= self.threshold
                        and matcher.quick_ratio() >= self.threshold
                        and matcher.ratio() >= self.threshold):
                    return True
        return False
