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

**Kept with each idea.** The rejection filter compares new ideas with every idea a
channel ever rejected (10,000 of them take seconds to stem), so an idea's normal form and
content words are worked out once, when it is saved (`kept_words`), stored beside it
(`items.idea_form`, `items.idea_words`, `items.words_version`), and read back with the
rejected ideas (`SameIdeas.add_kept`, which searches them as text): this module stays
their one definition, storage only keeps what it is given. `WORDS_VERSION` names the
rule that made them: change `normalise`, `content_words`, `STOP_WORDS` or the stemmer
and bump it, and every stored form made under another version is worked out again from
the text the next time the filter reads it (`bot.rejections`), and saved back.

**Worded alike** (`NearDuplicates`) is difflib's character ratio on the normal form. The
offline generator uses it among its own templated phrasings, whose shared template
words would make every pair "the same idea" by content words.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import accumulate, chain
from typing import Any

import snowballstemmer

SAME_IDEA = 0.3  # Dice of content-word stems; see the module docstring for how it was set
MIN_SHARED = 2  # one shared word ("onboarding docs" / "onboarding videos") is not an idea
MIN_COVER = 0.5  # and the shared words are at least half of the shorter idea's
SIMILARITY = 0.8  # difflib ratio for "worded alike"
# The version of the normal form and content words kept with each idea: bump it with any
# change to what `normalise` or `content_words` return (see the module docstring).
WORDS_VERSION = 1
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

# A Snowball stemmer keeps the word it works on in the object, so one shared by threads
# (brainstorms run on a pool) mixes their words up: wrong stems, or an IndexError. Each
# thread has its own.
_STEMMERS = threading.local()


def _stemmer() -> Any:
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")  # type: ignore[no-untyped-call]
    return stemmer


def normalise(text: str) -> str:
    """Lower-case words only, for comparing ideas regardless of case and punctuation."""
    return " ".join(_WORDS.findall(text.lower()))


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    """One word's stem. Cached: Snowball is pure Python, and a team's vocabulary is small.
    The cache holds single words, never a text or whose it was; forgetting a person
    and retention empty it anyway (`clear_caches`, from `bot.privacy`)."""
    return str(_stemmer().stemWord(word))


def content_words(text: str) -> frozenset[str]:
    """The stems of `text`'s words that carry meaning. Not cached: a cache keyed by
    the text would keep people's words in memory after they were forgotten or purged,
    and the rejection filter reads the words stored with each idea instead
    (`kept_words`), so it has little to gain (`bench/similarity.py`)."""
    return frozenset(_stem(word) for word in _ANY_WORDS.findall(text.lower())
                     if word not in STOP_WORDS)


def kept_words(text: str) -> tuple[str, str]:
    """What is stored with an idea for the rejection filter (`WORDS_VERSION`): its normal
    form, and its content words space-separated in sorted order (a stem has no space)."""
    return normalise(text), " ".join(sorted(content_words(text)))


def _close(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Enough shared content words, and enough of the shorter idea, to be one idea."""
    shared = len(a & b)
    return (shared >= MIN_SHARED and shared >= MIN_COVER * min(len(a), len(b))
            and overlap(a, b) >= threshold)


def clear_caches() -> None:
    """Forget every stem worked out so far: after a person is forgotten or texts are
    purged (`bot.privacy`), and for measuring the cold cost."""
    _stem.cache_clear()


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two word sets: 1.0 for the same words, 0.0 for none shared."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


class _KeptWords:
    """Content words of many held ideas as `kept_words` stored them, searched as text.

    Turning 10,000 stored strings into sets costs more than the whole comparison, and
    almost none of them shares a word with a new idea. So they stay strings, one line
    each (" stem stem \n"), and one search of that text for an idea's words (" word ")
    finds the few lines that share one; only those become sets.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._text = ""
        self._ends: list[int] = []  # where each line ends in `_text`
        self._stale = False

    def extend(self, words: Iterable[str]) -> None:
        self._lines.extend(words)
        self._stale = True

    def sharing(self, words: frozenset[str]) -> Iterator[frozenset[str]]:
        """The held ideas' content words that share at least one word with `words`."""
        if not self._lines or not words:
            return
        if self._stale:
            self._text = " " + " \n ".join(self._lines) + " "
            self._ends = list(accumulate(map((3).__add__, map(len, self._lines))))
            self._stale = False
        # One pass for all the words: led by a literal space, the expression is tried only
        # at spaces (str.find per word took 2.5 times as long; a look-behind, 40 times).
        shared = re.compile(" (?:" + "|".join(map(re.escape, sorted(words))) + ")(?= )")
        lines = {bisect_right(self._ends, found.start())
                 for found in shared.finditer(self._text)}
        for line in sorted(lines):
            yield frozenset(self._lines[line].split())


class SameIdeas:
    """Ideas that a candidate must not repeat, in other words or the same.

    `topic` names the brainstorm the candidates belong to: its words are shared by all
    of them, so they are left out of the comparison. Ideas are held by their text
    (`add`) or by what `kept_words` made of it (`add_kept`): the same decisions.
    """

    def __init__(self, texts: Iterable[str] = (), *, topic: str = "",
                 threshold: float = SAME_IDEA) -> None:
        self.topic_words = content_words(topic)
        self.threshold = threshold
        self._forms: set[str] = set()
        self._words: list[frozenset[str]] = []
        self._kept = _KeptWords()
        for text in texts:
            self.add(text)

    def _of(self, text: str) -> frozenset[str]:
        return content_words(text) - self.topic_words

    def add(self, text: str) -> None:
        self._forms.add(normalise(text))
        self._words.append(content_words(text))

    def add_kept(self, forms: Iterable[str], words: Iterable[str]) -> None:
        """Hold ideas by what `kept_words` made of them (their normal forms, and their
        content words as stored), without their texts: the same as `add` of each, with
        nothing stemmed again and nothing parsed until a new idea shares a word."""
        self._forms.update(forms)
        self._kept.extend(words)

    def matches(self, text: str) -> bool:
        """True when `text` is the same idea as one held.

        The held ideas keep their topic words; only those that share a word with
        `text`'s (which are without the topic's) can be the same idea by their words,
        since two ideas are the same by words only when they share one, so the rest are
        passed over before the topic is taken out of the few left.
        """
        if normalise(text) in self._forms:
            return True
        words = self._of(text)
        if not words:
            return False
        sharing = chain((held for held in self._words if not words.isdisjoint(held)),
                        self._kept.sharing(words))
        for held in sharing:
            held = held - self.topic_words
            if words == held or _close(words, held, self.threshold):
                return True
        return False


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
