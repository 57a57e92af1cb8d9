"""When two ideas are "the same idea": the one rule every part of idealoop compares by.

Ideas are compared on their normal form (lower-case words and digits only), and count
as the same when the forms are equal or difflib's ratio reaches `SIMILARITY`. The same
rule drops repeats within one LLM answer, filters ideas close to rejected ones, and keeps
the offline generator from proposing what it must avoid.

`NearDuplicates` holds texts to compare against and reuses one `SequenceMatcher` per
text: difflib indexes its second sequence once, so checking many candidates against a
long list (every idea a channel rejected) is several times faster than fresh matchers,
and the cheap upper bounds (`real_quick_ratio`, `quick_ratio`) rule out most pairs
before the full ratio is computed. difflib's "autojunk" heuristic is off: on texts of
200 characters or more it ignores frequent characters (spaces, vowels), which scored
near-identical long ideas as unrelated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from difflib import SequenceMatcher

SIMILARITY = 0.8
_WORDS = re.compile(r"[a-z0-9]+")
Form = Callable[[str], str]


def normalise(text: str) -> str:
    """Lower-case words only, for comparing ideas regardless of case and punctuation."""
    return " ".join(_WORDS.findall(text.lower()))


class NearDuplicates:
    """Texts that a candidate must not repeat, exactly or as a close variant.

    `forms` are the normal forms compared (each candidate form against the same form of
    every held text); a candidate is a near duplicate when any form matches.
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
        """True when `text` is the same as, or a close variant of, a held text."""
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


def similar(a: str, b: str, threshold: float = SIMILARITY) -> bool:
    """True when `a` is the same idea as `b`, or a close variant of it."""
    return NearDuplicates([b], threshold=threshold).matches(a)


def dedupe(ideas: Iterable[str]) -> list[str]:
    """Drop empties, markup-only lines and near-duplicates, keeping the first of each."""
    kept: list[str] = []
    seen = NearDuplicates()
    for idea in ideas:
        if normalise(idea) and not seen.matches(idea):
            kept.append(idea)
            seen.add(idea)
    return kept


def without_rejected(ideas: Sequence[str], rejected: Iterable[str]) -> list[str]:
    """Ideas that are not the same as, or a close variant of, a rejected one."""
    blocked = NearDuplicates(rejected)
    return [idea for idea in ideas if not blocked.matches(idea)]
